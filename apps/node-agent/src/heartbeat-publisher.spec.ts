import { agentHeartbeatKey, parseAgentHeartbeat } from '@xeno/contracts';
import os from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectRedisOnce } from '../../../tools/infra';
import { requireTestEnv } from '../../../test/support/test-env';
import type { AgentConfig } from './agent-config';
import { HeartbeatPublisher } from './heartbeat-publisher';
import { JsonLogger } from './json-logger';

describe('HeartbeatPublisher', () => {
  const redis = connectRedisOnce(requireTestEnv('redisUrl'));
  const config: AgentConfig = {
    agentId: 'unit-agent',
    redisUrl: requireTestEnv('redisUrl'),
    redisPrefix: `${requireTestEnv('redisPrefix')}publisher:`,
    apiUrl: 'http://127.0.0.1:1',
    heartbeatIntervalMs: 60_000,
    heartbeatTtlMs: 5_000,
    enrolmentSecret: undefined,
    hostMemoryMiB: 1024,
    pcpus: 2,
    dataDir: '/nonexistent',
  };
  const key = agentHeartbeatKey(config.redisPrefix, config.agentId);
  const logs: string[] = [];
  const publisher = new HeartbeatPublisher(redis, config, new JsonLogger({}, (line) => logs.push(line)));

  beforeAll(() => redis.connect());
  afterAll(() => redis.quit());

  it('stores the host capacity and a timestamp under the prefixed key, with the TTL', async () => {
    const before = Date.now();
    await publisher.beat();

    const beat = parseAgentHeartbeat(await redis.get(key));
    expect(beat).toMatchObject({ agentId: 'unit-agent', hostname: os.hostname(), pid: process.pid });
    expect(beat?.capacity.pcpus).toBeGreaterThan(0);
    expect(beat?.capacity.totalMemoryBytes).toBe(os.totalmem());
    expect(Date.parse(beat?.timestamp ?? '')).toBeGreaterThanOrEqual(before - 1);
    const ttl = await redis.pttl(key);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(5_000);
  });

  it('beats on time with the last load when the host is too busy to measure one', async () => {
    const load = {
      memoryUsedMiB: 32,
      cpuBusy: 0.5,
      domainCount: 1,
      instructionsPerSecond: 7,
      domainIds: ['d'],
    };
    let busy = false;
    const source = {
      capacity: () => ({ pcpus: 2, totalMemoryBytes: 2 ** 30, freeMemoryBytes: 2 ** 30 }),
      // A busy host worker answers long after the beat is due (here: never).
      load: () => (busy ? new Promise<never>(() => undefined) : Promise.resolve(load)),
    };
    const fast = new HeartbeatPublisher(
      redis,
      { ...config, agentId: 'busy-agent', heartbeatIntervalMs: 300 },
      new JsonLogger({}, () => undefined),
      source,
    );
    const busyKey = agentHeartbeatKey(config.redisPrefix, 'busy-agent');
    await fast.beat();
    expect(parseAgentHeartbeat(await redis.get(busyKey))?.load).toEqual(load);
    await redis.del(busyKey);
    busy = true;
    await fast.beat(); // resolves: the beat did not wait for the load
    expect(parseAgentHeartbeat(await redis.get(busyKey))?.load).toEqual(load);
    await fast.stop();
  });

  it('removes the key when stopped, so the agent disappears at once', async () => {
    await publisher.beat();
    await publisher.stop();
    expect(await redis.exists(key)).toBe(0);
  });

  it('logs a Redis outage once instead of on every beat', async () => {
    const down = connectRedisOnce('redis://127.0.0.1:1');
    const lines: string[] = [];
    const failing = new HeartbeatPublisher(down, config, new JsonLogger({}, (line) => lines.push(line)));
    await failing.beat();
    await failing.beat();
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0])).toMatchObject({ level: 'warn', msg: 'heartbeat failed; retrying' });
  });
});
