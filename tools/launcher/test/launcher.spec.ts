import type { HealthReport } from '@xeno/contracts';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { findFreePort } from '../../infra';
import { createScratchDatabase, type ScratchDatabase } from '../../../test/support/scratch-database';
import { requireTestEnv } from '../../../test/support/test-env';
import { childPids, isAlive, runLauncher, type RunningLauncher } from './run-launcher';

/** End to end: `npm start` brings the stack up, serves health and the web app, and Ctrl-C cleans up. */
describe('launcher (npm start)', () => {
  let launcher: RunningLauncher | undefined;
  let scratch: ScratchDatabase | undefined;
  let dataDir: string | undefined;

  afterEach(async () => {
    await launcher?.stop('SIGKILL');
    await scratch?.drop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
    launcher = scratch = dataDir = undefined;
  });

  it('runs the stack on the given Postgres and Redis and stops it all on SIGINT', async () => {
    scratch = await createScratchDatabase('launcher');
    const port = await findFreePort();
    launcher = runLauncher({
      PORT: String(port),
      AGENT_COUNT: '2',
      DATABASE_URL: scratch.url,
      REDIS_URL: requireTestEnv('redisUrl'),
      REDIS_PREFIX: `${requireTestEnv('redisPrefix')}launcher:`,
    });
    await launcher.waitForLine(/Xenoserver is up: http:\/\/localhost:\d+/, 60_000);

    const response = await fetch(`http://localhost:${port}/api/health`);
    expect(response.status).toBe(200);
    expect((await response.json()) as HealthReport).toMatchObject({ db: 'up', redis: 'up', agents: 2 });
    expect(await (await fetch(`http://localhost:${port}/`)).text()).toContain('<title>Xenoserver</title>');
    expect(launcher.output.some((line) => /password: \S+/.test(line))).toBe(true); // first start: admin

    const pids = childPids(launcher.output);
    expect(pids).toHaveLength(3);
    expect(await launcher.stop('SIGINT')).toBe(0);
    expect(pids.filter(isAlive)).toEqual([]);
  });

  it('falls back to an embedded Postgres and Redis when nothing listens on the probed ports', async () => {
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'xeno-launcher-'));
    const port = await findFreePort();
    const env = { ...withoutServiceUrls(), PORT: String(port), AGENT_COUNT: '1', DATA_DIR: dataDir };
    launcher = runLauncher({
      ...env,
      PG_PORT: String(await findFreePort()),
      REDIS_PORT: String(await findFreePort()),
    });
    await launcher.waitForLine(/Xenoserver is up/, 60_000);
    expect(launcher.output.join('\n')).toMatch(/Postgres: embedded[\s\S]*Redis: {4}embedded/);

    const health = (await (await fetch(`http://localhost:${port}/api/health`)).json()) as HealthReport;
    expect(health).toMatchObject({ status: 'ok', db: 'up', redis: 'up', agents: 1 });

    const pids = childPids(launcher.output); // api, agent, and the embedded postgres and redis-server
    expect(pids).toHaveLength(4);
    expect(await launcher.stop('SIGTERM')).toBe(0);
    expect(pids.filter(isAlive)).toEqual([]);
    expect(launcher.output.join('\n')).toMatch(/stopping Postgres \(embedded\)[\s\S]*stopped cleanly/);
  });
});

/** The developer's own DATABASE_URL / REDIS_URL must not leak into the embedded scenario. */
function withoutServiceUrls(): Record<string, string> {
  return { DATABASE_URL: '', REDIS_URL: '' };
}
