import { Redis } from 'ioredis';

/** How long boot waits for the subscriber connections before going on without them (they keep retrying). */
const READY_TIMEOUT_MS = 2_000;

/**
 * A subscriber-mode connection whose every command's rejection is observed. The socket.io Redis adapter
 * (8.x) fires SUBSCRIBE / PSUBSCRIBE when a namespace is created and UNSUBSCRIBE / PUNSUBSCRIBE when it
 * closes without ever awaiting them; when such a command is still queued (Redis unreachable) as the app
 * shuts down, ioredis rejects it with "Connection is closed" and nobody handles the rejection. Callers
 * that do await a command still get its error: the no-op handler only marks the promise as handled.
 */
class SubscriberConnection extends Redis {
  override sendCommand(...args: Parameters<Redis['sendCommand']>): Promise<unknown> {
    const reply = super.sendCommand(...args) as Promise<unknown>;
    reply.catch(() => undefined);
    return reply;
  }
}

/**
 * The console gateway's subscriber-mode connections (they cannot share the API's command client).
 * `open` connects them and waits (bounded) until they are ready, so the subscriptions made right after
 * go out on a live connection instead of the offline queue; `close` sends QUIT after whatever the
 * server's shutdown queued (UNSUBSCRIBE from the adapter), so those replies arrive before the socket
 * closes — a plain disconnect() there is what rejected them.
 */
export class SubscriberConnections {
  private readonly connections: Redis[] = [];

  constructor(private readonly redisUrl: string) {}

  async open(count: number): Promise<Redis[]> {
    const opened = Array.from({ length: count }, () => {
      const connection = new SubscriberConnection(this.redisUrl, {
        lazyConnect: true,
        maxRetriesPerRequest: null,
        retryStrategy: (attempt) => Math.min(attempt * 250, 5_000),
      });
      connection.on('error', () => undefined); // RedisLifecycle already reports Redis being down
      this.connections.push(connection);
      return connection;
    });
    await Promise.all(opened.map((connection) => waitReady(connection)));
    return opened;
  }

  async close(): Promise<void> {
    await Promise.all(
      this.connections.splice(0).map(async (connection) => {
        if (connection.status === 'ready') await connection.quit().catch(() => undefined);
        // Not ready (Redis down): nothing can be flushed; queued commands are rejected (and observed).
        if (connection.status !== 'end') connection.disconnect();
      }),
    );
  }
}

async function waitReady(connection: Redis): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<void>((resolve) => (timer = setTimeout(resolve, READY_TIMEOUT_MS)));
  try {
    await Promise.race([connection.connect().catch(() => undefined), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
