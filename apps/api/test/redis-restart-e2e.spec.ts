/**
 * Redis restarted mid-run, with the real parts: the API (in this process) and a node agent process on a
 * Redis server of this test's own (append-only file, fsync on every write, as a production Redis for
 * queues is configured). A `pause` is accepted, Redis is killed before the agent can have finished it
 * and started again from its AOF: the job is neither lost nor run twice, the domain keeps running across
 * the outage, and the console and further actions work afterwards.
 */
import type { INestApplication } from '@nestjs/common';
import { agentHeartbeatKey, type DomainView } from '@xeno/contracts';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { io as connect } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findFreePort, sleep } from '../../../tools/infra';
import { findRedisServer } from '../../../tools/infra/embedded-redis';
import type { ApiConfig } from '../src/config/api-config';
import { apiClient } from './api-client';
import { AgentProcesses, waitFor } from './agent-processes';
import { createScratchDatabase, type ScratchDatabase } from '../../../test/support/scratch-database';
import { startTestApp, testApiConfig } from './api-test-app';

const scratch = mkdtempSync(path.join(os.tmpdir(), 'xeno-redis-restart-'));
const AGENT = 'redis-restart-agent';

let app: INestApplication;
let baseUrl: string;
let config: ApiConfig;
/**
 * A database of its own: the API's lost-agent sweeper acts on every domain in its database, so on the
 * shared test database it would take other test files' domains (whose agents it cannot see) for lost and
 * restart them on this file's real agents — and theirs would do the same to ours.
 */
let database: ScratchDatabase | undefined;
let redisPort: number;
let redisServer: ChildProcess | undefined;
let agents: AgentProcesses;
let api: ReturnType<typeof apiClient>;

async function startRedis(): Promise<void> {
  const dir = path.join(scratch, 'redis');
  mkdirSync(dir, { recursive: true });
  redisServer = spawn(
    findRedisServer(),
    ['--port', String(redisPort), '--bind', '127.0.0.1', '--dir', dir, '--save', ''].concat([
      '--appendonly',
      'yes',
      '--appendfsync',
      'always',
      '--daemonize',
      'no',
    ]),
    { stdio: 'ignore' },
  );
  const probe = new Redis(`redis://127.0.0.1:${redisPort}`, { lazyConnect: true, maxRetriesPerRequest: 0 });
  probe.on('error', () => undefined);
  await waitFor('redis-server answering', async () => {
    try {
      if (probe.status !== 'ready') await probe.connect();
      // Loading the AOF answers LOADING errors until it is done.
      return (await probe.ping()) === 'PONG' ? true : undefined;
    } catch {
      return undefined;
    }
  });
  probe.disconnect();
}

async function killRedis(): Promise<void> {
  const server = redisServer!;
  const exited = once(server, 'exit');
  server.kill('SIGKILL');
  await exited;
}

beforeAll(async () => {
  redisPort = await findFreePort();
  await startRedis();
  database = await createScratchDatabase('redis-restart');
  config = testApiConfig({ redisUrl: `redis://127.0.0.1:${redisPort}`, databaseUrl: database.url });
  ({ app, baseUrl } = await startTestApp(config));
  api = apiClient(baseUrl);
  agents = new AgentProcesses(config);
  // Beats every 2 s (TTL 6 s): the outage and Redis's restart must not outlast the key, or the API would
  // rightly take the agent for dead — that is the lost-agent path, not this test's.
  agents.start(AGENT, { HEARTBEAT_INTERVAL_MS: '2000' });
}, 60_000);

afterAll(async () => {
  await agents?.stopAll();
  await app?.close();
  await database?.drop();
  if (redisServer && redisServer.exitCode === null && redisServer.signalCode === null) await killRedis();
  rmSync(scratch, { recursive: true, force: true });
});

describe('Redis restarted mid-run', () => {
  it('loses and duplicates no job; the domain runs through the outage and answers afterwards', async () => {
    const heartbeat = async () => {
      const client = new Redis(config.redisUrl, { maxRetriesPerRequest: 0, lazyConnect: true });
      client.on('error', () => undefined);
      try {
        await client.connect();
        return (await client.exists(agentHeartbeatKey(config.redisPrefix, AGENT))) ? true : undefined;
      } catch {
        return undefined;
      } finally {
        client.disconnect();
      }
    };
    await waitFor('agent heartbeat', heartbeat);
    const owner = await api.signUp();
    const created = await api.call('POST', '/api/domains', {
      cookie: owner.cookie,
      body: { name: 'steady', imageId: 'xenolite', memoryMiB: 32 },
    });
    expect(created.status).toBe(201);
    const id = (created.body as DomainView).id;
    const act = (action: string) =>
      api.call('POST', `/api/domains/${id}/actions`, { cookie: owner.cookie, body: { action } });
    const domain = () =>
      api.call('GET', `/api/domains/${id}`, { cookie: owner.cookie }).then((a) => a.body as DomainView);
    const log = async () => {
      const response = await fetch(`${baseUrl}/api/domains/${id}/console/log.txt`, {
        headers: { cookie: owner.cookie },
      });
      return response.ok ? response.text() : '';
    };
    expect((await act('start')).status).toBe(202);
    await waitFor('running', async () => ((await domain()).state === 'running' ? true : undefined));
    await waitFor('prompt', async () => ((await log()).includes('xenolite:~$ ') ? true : undefined));

    // Accepted, then Redis dies at once: the job is in its append-only file, not (yet) done by the agent.
    expect((await act('pause')).status).toBe(202);
    await killRedis();
    await sleep(1_500); // the API and the agent notice the outage and retry meanwhile
    await startRedis();

    // Up to a lock lapse and a stalled-job check later when the agent had the job active at the kill.
    await waitFor('paused after the restart', async () =>
      (await domain()).state === 'paused' ? true : undefined,
    );
    await waitFor('agent heartbeat again', heartbeat);
    expect((await act('resume')).status).toBe(202);
    await waitFor('running again', async () => ((await domain()).state === 'running' ? true : undefined));

    const history = (await api.call('GET', `/api/domains/${id}/actions`, { cookie: owner.cookie })).body
      .actions as Array<{ action: string; status: string }>;
    expect(history.map((a) => `${a.action}:${a.status}`)).toEqual([
      'resume:succeeded',
      'pause:succeeded',
      'start:succeeded',
    ]);
    // The agent carried out each action exactly once (its journal keeps one line per completed action).
    const journal = readFileSync(path.join(agents.dataDir(AGENT), 'actions.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((line) => (JSON.parse(line) as { actionId: string }).actionId);
    const ids = (history as unknown as Array<{ id: string }>).map((a) => a.id);
    expect(journal.filter((actionId) => ids.includes(actionId)).sort()).toEqual([...ids].sort());
    // The guest ran on through all of it: same boot (one banner), and it still answers its console.
    expect((await log()).split('xenolite 0.1.0').length - 1).toBe(1);
    const socket = connect(`${baseUrl}/console`, {
      transports: ['websocket'],
      extraHeaders: { cookie: owner.cookie },
      forceNew: true,
    });
    try {
      const attached = (await socket.timeout(10_000).emitWithAck('attach', { domainId: id })) as {
        ok: boolean;
      };
      expect(attached.ok).toBe(true);
      socket.emit('input', 'echo after  restart\r');
      await waitFor('echo after the restart', async () =>
        (await log()).includes('after restart') ? true : undefined,
      );
    } finally {
      socket.disconnect();
    }
  }, 330_000);
});
