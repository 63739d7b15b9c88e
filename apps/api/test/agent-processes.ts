/**
 * Real node agents for the API's end-to-end tests: the built agent (dist, as `npm start` runs it) as child
 * processes on the test's Redis and key prefix, each with a data directory of its own under one scratch
 * directory, and a polling `waitFor` for what they do.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { findProjectRoot, sleep } from '../../../tools/infra';

const AGENT_ENTRY = path.join(findProjectRoot(), 'dist/apps/node-agent/src/main.js');

export class AgentProcesses {
  readonly scratch = mkdtempSync(path.join(os.tmpdir(), 'xeno-agents-'));
  private readonly children = new Map<string, ChildProcess>();

  constructor(private readonly redis: { redisUrl: string; redisPrefix: string }) {
    if (!existsSync(AGENT_ENTRY))
      throw new Error(`${AGENT_ENTRY} is missing: run \`npm run build:server\` first`);
  }

  start(agentId: string, env: Record<string, string> = {}): ChildProcess {
    const child = spawn(process.execPath, [AGENT_ENTRY], {
      env: {
        ...process.env,
        AGENT_ID: agentId,
        REDIS_URL: this.redis.redisUrl,
        REDIS_PREFIX: this.redis.redisPrefix,
        AGENT_MEMORY_MIB: '256',
        AGENT_DATA_DIR: this.dataDir(agentId),
        // TTL 3 s: a loaded CI machine can stall an agent's beat for over a second.
        HEARTBEAT_INTERVAL_MS: '1000',
        ...env,
      },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    this.children.set(agentId, child);
    return child;
  }

  get(agentId: string): ChildProcess {
    const child = this.children.get(agentId);
    if (!child) throw new Error(`agent ${agentId} was not started`);
    return child;
  }

  dataDir(agentId: string): string {
    return path.join(this.scratch, agentId);
  }

  /** SIGTERM to every agent still running, waiting for each to exit; then the scratch directory goes. */
  async stopAll(): Promise<void> {
    await Promise.all(
      [...this.children.values()].map(async (child) => {
        if (child.exitCode !== null || child.signalCode !== null) return;
        const exited = once(child, 'exit');
        child.kill('SIGTERM');
        await exited;
      }),
    );
    rmSync(this.scratch, { recursive: true, force: true });
  }
}

/** Polls `probe` every 100 ms until it returns a value; fails saying `what` after `timeoutMs`. */
export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  timeoutMs = 60_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await sleep(100);
  }
}
