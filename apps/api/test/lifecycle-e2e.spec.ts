/**
 * The control plane end to end with real parts: the API (in this process) on the test Postgres and Redis,
 * and node agents as real processes (the built dist, as `npm start` runs them) hosting xenolite in their
 * emulated hosts. Sign up → create → start → the job reaches an agent → the guest boots → `running` →
 * console output readable through the API, typed input echoed; then the agent is killed and the domain is
 * marked lost and restarted on the other agent.
 */
import type { INestApplication } from '@nestjs/common';
import { agentHeartbeatKey, type DomainView } from '@xeno/contracts';
import { Redis } from 'ioredis';
import { io as connect, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiConfig } from '../src/config/api-config';
import { LostAgentSweeper } from '../src/queues/lost-agent-sweeper.service';
import { apiClient } from './api-client';
import { AgentProcesses, waitFor } from './agent-processes';
import { createScratchDatabase, type ScratchDatabase } from '../../../test/support/scratch-database';
import { startTestApp, testApiConfig } from './api-test-app';

let app: INestApplication;
let baseUrl: string;
let config: ApiConfig;
/**
 * A database of its own: the API's lost-agent sweeper acts on every domain in its database, so on the
 * shared test database it would take other test files' domains (whose agents it cannot see) for lost and
 * restart them on this file's real agents — and theirs would do the same to ours.
 */
let database: ScratchDatabase | undefined;
let redis: Redis;
let api: ReturnType<typeof apiClient>;
let agents: AgentProcesses;
const sockets: Socket[] = [];

const heartbeatOf = async (agentId: string) =>
  (await redis.exists(agentHeartbeatKey(config.redisPrefix, agentId))) ? true : undefined;

beforeAll(async () => {
  database = await createScratchDatabase('lifecycle');
  config = testApiConfig({ databaseUrl: database.url });
  agents = new AgentProcesses(config);
  ({ app, baseUrl } = await startTestApp(config));
  api = apiClient(baseUrl);
  redis = new Redis(config.redisUrl);
});

afterAll(async () => {
  for (const socket of sockets) socket.disconnect();
  await agents?.stopAll();
  redis?.disconnect();
  await app?.close();
  await database?.drop();
});

describe('domain lifecycle through the API with real agents', () => {
  it('boots xenolite on an agent, shows its console, and restarts it elsewhere when the agent dies', async () => {
    agents.start('e2e-agent-a');
    await waitFor('agent a heartbeat', () => heartbeatOf('e2e-agent-a'));

    const owner = await api.signUp();
    const created = await api.call('POST', '/api/domains', {
      cookie: owner.cookie,
      body: { name: 'shell', imageId: 'xenolite', memoryMiB: 32 },
    });
    expect(created.status).toBe(201);
    const id = (created.body as DomainView).id;
    const start = await api.call('POST', `/api/domains/${id}/actions`, {
      cookie: owner.cookie,
      body: { action: 'start' },
      headers: { 'idempotency-key': 'e2e-start-1' },
    });
    expect(start.status).toBe(202);
    expect(start.body.placement.chosenAgentId).toBe('e2e-agent-a');

    const domain = () =>
      api.call('GET', `/api/domains/${id}`, { cookie: owner.cookie }).then((a) => a.body as DomainView);
    await waitFor('running on agent a', async () => {
      const d = await domain();
      return d.state === 'running' && d.agentId === 'e2e-agent-a' ? d : undefined;
    });
    const log = async () => {
      const response = await fetch(`${baseUrl}/api/domains/${id}/console/log.txt`, {
        headers: { cookie: owner.cookie },
      });
      return response.ok ? response.text() : '';
    };
    await waitFor('the shell prompt in the console log', async () =>
      (await log()).includes('xenolite:~$ ') ? true : undefined,
    );

    // Typed through the API's console socket, executed by the guest, read back through the log route.
    const socket = connect(`${baseUrl}/console`, {
      transports: ['websocket'],
      extraHeaders: { cookie: owner.cookie },
      forceNew: true,
    });
    sockets.push(socket);
    const attached = (await socket.timeout(10_000).emitWithAck('attach', { domainId: id })) as {
      ok: boolean;
    };
    expect(attached.ok).toBe(true);
    socket.emit('input', 'echo hello  e2e\r');
    await waitFor('echo output', async () => ((await log()).includes('hello e2e') ? true : undefined));

    // The JSON route resumes exactly where the caller left off: no gap, no duplicate.
    const page = (fromSeq: number) =>
      api
        .call('GET', `/api/domains/${id}/console?fromSeq=${fromSeq}`, { cookie: owner.cookie })
        .then((a) => a.body);
    const whole = await page(0);
    const text = (chunks: Array<{ data: string }>) =>
      chunks.map((c) => Buffer.from(c.data, 'base64').toString('latin1')).join('');
    expect(text(whole.chunks)).toContain('hello e2e');
    const tail = await page(whole.nextSeq - 10);
    expect(text(tail.chunks)).toBe(text(whole.chunks).slice(-10));
    expect(tail.nextSeq).toBe(whole.nextSeq);
    expect(
      (await api.call('GET', `/api/domains/${id}/console?fromSeq=-1`, { cookie: owner.cookie })).status,
    ).toBe(400);

    // The agent dies without a word; a second agent is up. The domain is lost, then restarted there.
    agents.start('e2e-agent-b');
    await waitFor('agent b heartbeat', () => heartbeatOf('e2e-agent-b'));
    agents.get('e2e-agent-a').kill('SIGKILL');
    await waitFor('agent a heartbeat expired', async () =>
      (await heartbeatOf('e2e-agent-a')) ? undefined : true,
    );
    // The sweeper's own timer may get there first; either way the next pass finds nothing more to do.
    await app.get(LostAgentSweeper).sweep();
    let last: DomainView | undefined;
    const recovered = await waitFor(
      'running on agent b',
      async () => {
        last = await domain();
        return last.state === 'running' && last.agentId === 'e2e-agent-b' ? last : undefined;
      },
      120_000,
    ).catch(async (error: Error) => {
      // Say where it stopped: the domain and every action with its outcome.
      const actions = (await api.call('GET', `/api/domains/${id}/actions`, { cookie: owner.cookie })).body;
      throw new Error(`${error.message}; domain ${JSON.stringify(last)}; actions ${JSON.stringify(actions)}`);
    });
    expect(recovered.stateDetail).toBeNull();
    const history = (await api.call('GET', `/api/domains/${id}/actions`, { cookie: owner.cookie })).body
      .actions;
    expect(
      history.map(
        (a: { action: string; status: string; fromState: string }) =>
          `${a.action}:${a.status}:${a.fromState}`,
      ),
    ).toEqual(['restart-lost:succeeded:lost', 'start:succeeded:pending']);
  });
});
