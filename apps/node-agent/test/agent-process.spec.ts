import { agentHeartbeatKey, parseAgentHeartbeat } from '@xeno/contracts';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectRedisOnce, findProjectRoot, sleep } from '../../../tools/infra';
import { requireTestEnv } from '../../../test/support/test-env';

// Runs the built agent (npm test builds first) as a real process.
const entry = path.join(findProjectRoot(), 'dist/apps/node-agent/src/main.js');

describe('node agent process', () => {
  const redis = connectRedisOnce(requireTestEnv('redisUrl'));
  const prefix = `${requireTestEnv('redisPrefix')}agent-process:`;
  beforeAll(() => redis.connect());
  afterAll(() => redis.quit());

  it('publishes heartbeats, logs JSON lines, and on SIGTERM removes its heartbeat and exits 0', async () => {
    const agent = spawn(process.execPath, [entry], {
      env: {
        ...process.env,
        AGENT_ID: 'proc-agent',
        REDIS_URL: requireTestEnv('redisUrl'),
        REDIS_PREFIX: prefix,
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const lines: string[] = [];
    createInterface({ input: agent.stdout }).on('line', (line) => lines.push(line));
    const key = agentHeartbeatKey(prefix, 'proc-agent');

    const beat = await waitFor(async () => parseAgentHeartbeat(await redis.get(key)), 10_000);
    expect(beat).toMatchObject({ agentId: 'proc-agent', pid: agent.pid });

    const exited = once(agent, 'exit');
    agent.kill('SIGTERM');
    const [code] = await exited;
    expect(code).toBe(0);
    expect(await redis.exists(key)).toBe(0);

    const records = lines.map((line) => JSON.parse(line) as { level: string; msg: string; agentId: string });
    expect(records.every((record) => record.agentId === 'proc-agent')).toBe(true);
    expect(records.map((record) => record.msg)).toEqual(
      expect.arrayContaining(['agent starting', 'agent stopping', 'agent stopped']),
    );
  });
});

async function waitFor<T>(probe: () => Promise<T | undefined>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await sleep(50);
  }
}
