import { escapeRedisGlob } from '@xeno/contracts';
import { Redis } from 'ioredis';
import { describeError } from './postgres-admin';

/** A client that fails fast instead of retrying forever: for probes and one-off admin work. */
export function connectRedisOnce(url: string, timeoutMs = 1_000): Redis {
  const client = new Redis(url, {
    lazyConnect: true,
    connectTimeout: timeoutMs,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    retryStrategy: () => null,
  });
  // ioredis reports the cause (ECONNREFUSED...) only as an 'error' event; keep it for messages.
  client.on('error', (error: Error) => lastErrors.set(client, error));
  return client;
}

const lastErrors = new WeakMap<Redis, Error>();

/** Closes the client; skipped once the connection has ended, where it would leave a 2 s timer. */
export function closeRedis(client: Redis): void {
  if (client.status !== 'end') client.disconnect();
}

/** Undefined when Redis at `url` answers PING, otherwise why not. */
export async function probeRedis(url: string, timeoutMs = 1_000): Promise<string | undefined> {
  const client = connectRedisOnce(url, timeoutMs);
  try {
    await client.connect();
    const reply = await client.ping();
    return reply === 'PONG' ? undefined : `unexpected PING reply ${reply}`;
  } catch (error) {
    return describeError(lastErrors.get(client) ?? error);
  } finally {
    closeRedis(client);
  }
}

/** Deletes every key under a prefix (used to clean up after a test run). */
export async function deleteKeysWithPrefix(url: string, prefix: string): Promise<number> {
  const client = connectRedisOnce(url, 2_000);
  let deleted = 0;
  try {
    await client.connect();
    let cursor = '0';
    do {
      const [next, keys] = await client.scan(cursor, 'MATCH', `${escapeRedisGlob(prefix)}*`, 'COUNT', 500);
      cursor = next;
      if (keys.length > 0) deleted += await client.del(...keys);
    } while (cursor !== '0');
    return deleted;
  } finally {
    closeRedis(client);
  }
}
