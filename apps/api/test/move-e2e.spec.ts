/**
 * Moves end to end with real parts: the API in this process, node agents as real processes (the built
 * dist). xenolite runs on agent A, a command is typed, an admin moves it to agent B: it is `running` there,
 * answers the next command, and its console history reads through the API as one gap-free, duplicate-free
 * sequence. Then a drain: agent B with two domains ends with none, both running on A.
 */
import type { INestApplication } from '@nestjs/common';
import { agentHeartbeatKey, type ConsoleChunk, type DomainView } from '@xeno/contracts';
import { Redis } from 'ioredis';
import { io as connect, type Socket } from 'socket.io-client';
import { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiConfig } from '../src/config/api-config';
import { apiClient } from './api-client';
import { AgentProcesses, waitFor } from './agent-processes';
import { createScratchDatabase, type ScratchDatabase } from '../../../test/support/scratch-database';
import { startTestApp, testApiConfig } from './api-test-app';

const A = 'move-agent-a';
const B = 'move-agent-b';

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
  database = await createScratchDatabase('move');
  config = testApiConfig({ databaseUrl: database.url });
  agents = new AgentProcesses(config);
  ({ app, baseUrl } = await startTestApp(config));
  api = apiClient(baseUrl);
  redis = new Redis(config.redisUrl);
  agents.start(A);
  agents.start(B);
  await waitFor('agent heartbeats', async () =>
    (await heartbeatOf(A)) && (await heartbeatOf(B)) ? true : undefined,
  );
});

afterAll(async () => {
  for (const socket of sockets) socket.disconnect();
  await agents?.stopAll();
  redis?.disconnect();
  await app?.close();
  await database?.drop();
});

/** A signed-up user made platform admin (the first admin is only created on an empty database). */
async function signUpAdmin(): Promise<string> {
  const admin = await api.signUp();
  await app
    .get(DataSource)
    .query(`UPDATE users SET role = 'platform-admin' WHERE id = $1`, [admin.session.user.id]);
  return admin.cookie;
}

describe('moving domains between real agents', () => {
  let owner: { cookie: string };
  let adminCookie: string;
  let shellId: string;

  const domain = (id: string) =>
    api.call('GET', `/api/domains/${id}`, { cookie: owner.cookie }).then((a) => a.body as DomainView);
  const runningOn = (id: string, agentId: string) =>
    waitFor(`${id} running on ${agentId}`, async () => {
      const d = await domain(id);
      return d.state === 'running' && d.agentId === agentId ? d : undefined;
    });
  const consolePage = (id: string, fromSeq: number) =>
    api
      .call('GET', `/api/domains/${id}/console?fromSeq=${fromSeq}`, { cookie: owner.cookie })
      .then((a) => a.body as { chunks: ConsoleChunk[]; nextSeq: number });
  /** The whole console history, checking that each chunk starts where the previous one ended. */
  const history = async (id: string): Promise<string> => {
    const page = await consolePage(id, 0);
    let expected = page.chunks[0]?.seq ?? 0;
    expect(expected).toBe(0);
    let text = '';
    for (const chunk of page.chunks) {
      expect(chunk.seq).toBe(expected);
      expect(chunk.dropped).toBeUndefined();
      const bytes = Buffer.from(chunk.data, 'base64');
      expected += bytes.length;
      text += bytes.toString('latin1');
    }
    expect(page.nextSeq).toBe(expected);
    return text;
  };
  const create = async (name: string) => {
    const created = await api.call('POST', '/api/domains', {
      cookie: owner.cookie,
      body: { name, imageId: 'xenolite', memoryMiB: 32 },
    });
    expect(created.status).toBe(201);
    return (created.body as DomainView).id;
  };
  const start = async (id: string) => {
    const started = await api.call('POST', `/api/domains/${id}/actions`, {
      cookie: owner.cookie,
      body: { action: 'start' },
    });
    expect(started.status).toBe(202);
    // Say why when placement found no agent (the reasons per agent are in the action).
    expect(started.body.placement.chosenAgentId, JSON.stringify(started.body)).not.toBeNull();
    return started.body.placement.chosenAgentId as string;
  };
  const move = (id: string, body: object, cookie = adminCookie) =>
    api.call('POST', `/api/admin/domains/${id}/move`, { cookie, body });

  beforeAll(async () => {
    owner = await api.signUp();
    adminCookie = await signUpAdmin();
  });

  it('moves a running xenolite to another agent; its console continues with no gap or duplicate', async () => {
    shellId = await create('shell');
    const first = await start(shellId);
    await runningOn(shellId, first);
    const other = first === A ? B : A;
    await waitFor('the prompt', async () =>
      (await history(shellId)).includes('xenolite:~$ ') ? true : undefined,
    );

    const socket = connect(`${baseUrl}/console`, {
      transports: ['websocket'],
      extraHeaders: { cookie: owner.cookie },
      forceNew: true,
    });
    sockets.push(socket);
    expect(
      ((await socket.timeout(10_000).emitWithAck('attach', { domainId: shellId })) as { ok: boolean }).ok,
    ).toBe(true);
    socket.emit('input', 'echo before-move\r');
    await waitFor('before-move answered', async () =>
      /before-move\r?\n[\s\S]*xenolite:~\$ $/.test(await history(shellId)) ? true : undefined,
    );
    const seen = await consolePage(shellId, 0);

    // Refusals first: not an admin, no such domain, already there, no such agent, a domain not running.
    expect((await move(shellId, {}, owner.cookie)).status).toBe(403);
    expect((await move('00000000-0000-4000-8000-000000000000', {})).status).toBe(404);
    const same = await move(shellId, { targetAgentId: first });
    expect(same.status).toBe(409);
    expect(same.body.message).toBe(`domain shell is already on ${first}`);
    expect((await move(shellId, { targetAgentId: 'nowhere' })).status).toBe(404);
    const idle = await create('idle');
    const notRunning = await move(idle, {});
    expect(notRunning.status).toBe(409);
    expect(notRunning.body.message).toBe(
      'cannot move a domain that is pending (allowed from: running, paused)',
    );

    const moved = await move(shellId, {});
    expect(moved.status).toBe(202);
    expect(moved.body).toMatchObject({ action: 'move', fromState: 'running', toState: 'migrating' });
    expect(moved.body.placement.chosenAgentId).toBe(other);
    expect(moved.body.placement.candidates).toContainEqual(
      expect.objectContaining({ agentId: first, eligible: false, reason: 'excluded (source of the move)' }),
    );
    const arrived = await runningOn(shellId, other);
    expect(arrived.stateDetail).toBeNull();

    // The same console socket types into the domain on its new agent.
    socket.emit('input', 'echo after-move\r');
    await waitFor('after-move answered on the new agent', async () =>
      /after-move\r?\n[\s\S]*xenolite:~\$ $/.test(await history(shellId)) ? true : undefined,
    );
    const text = await history(shellId);
    expect(text.match(/xenolite \d+\.\d+\.\d+/g)).toHaveLength(1); // restored, not booted again
    expect(text.indexOf('before-move')).toBeLessThan(text.indexOf('after-move'));
    // A viewer that had read up to before the move resumes from its seq: exactly the bytes after it.
    const resumed = await consolePage(shellId, seen.nextSeq);
    const resumedText = resumed.chunks.map((c) => Buffer.from(c.data, 'base64').toString('latin1')).join('');
    expect(text.slice(0, seen.nextSeq) + resumedText).toBe(text);
    expect(resumedText).toContain('after-move');

    const actions = (await api.call('GET', `/api/domains/${shellId}/actions`, { cookie: owner.cookie })).body
      .actions as Array<{ action: string; status: string; fromState: string; toState: string }>;
    expect(actions.map((a) => `${a.action}:${a.status}:${a.fromState}→${a.toState}`)).toEqual([
      'move:succeeded:running→running',
      'start:succeeded:pending→running',
    ]);
  });

  it('drains an agent: its two domains end up running elsewhere and new domains go elsewhere too', async () => {
    const here = (await domain(shellId)).agentId!;
    const elsewhere = here === A ? B : A;
    const secondId = await create('second');
    const placed = await start(secondId);
    await runningOn(secondId, placed);
    if (placed !== here) {
      expect((await move(secondId, { targetAgentId: here })).status).toBe(202);
      await runningOn(secondId, here);
    }

    // A drain leaves a domain whose last action is still in flight (the move that just ran may settle a
    // moment after the domain reads running): wait until both have settled.
    for (const id of [shellId, secondId])
      await waitFor(`${id}'s actions settled`, async () => {
        const actions = (await api.call('GET', `/api/domains/${id}/actions`, { cookie: owner.cookie })).body
          .actions as Array<{ status: string }>;
        return actions.every((a) => a.status === 'succeeded' || a.status === 'failed') ? true : undefined;
      });

    const refused = await api.call('POST', `/api/admin/agents/${here}/drain`, { cookie: owner.cookie });
    expect(refused.status).toBe(403);
    expect((await api.call('POST', '/api/admin/agents/nowhere/drain', { cookie: adminCookie })).status).toBe(
      404,
    );
    const drained = await api.call('POST', `/api/admin/agents/${here}/drain`, { cookie: adminCookie });
    expect(drained.status).toBe(202);
    expect(drained.body, JSON.stringify(drained.body.notMoved)).toMatchObject({
      agentId: here,
      state: 'draining',
      notMoved: [],
    });
    expect(drained.body.moves.map((m: { domainId: string }) => m.domainId).sort()).toEqual(
      [shellId, secondId].sort(),
    );
    await runningOn(shellId, elsewhere);
    await runningOn(secondId, elsewhere);
    for (const id of [shellId, secondId]) {
      await history(id); // still gap-free after a second move
    }
    // Placement skips a draining agent.
    const thirdId = await create('third');
    expect(await start(thirdId)).toBe(elsewhere);
    await runningOn(thirdId, elsewhere);
  });
});
