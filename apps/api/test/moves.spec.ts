/**
 * The move protocol in the API against real Postgres and Redis, with agents played by the test: their
 * heartbeats in Redis, their jobs read off their BullMQ queues, their events handed to MoveProgress (as
 * DomainEventsConsumer does). Covers the paths a healthy pair of agents never takes: the source failing
 * to save, the target refusing the snapshot (and the way back), room counted for moves in flight.
 */
import type { INestApplication } from '@nestjs/common';
import {
  agentHeartbeatKey,
  agentLifecycleQueue,
  bullmqPrefix,
  type AgentDomainEvent,
  type AgentHeartbeat,
  type AgentJob,
  type DomainActionView,
  type DomainState,
  type DomainView,
} from '@xeno/contracts';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { randomBytes } from 'node:crypto';
import { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiConfig } from '../src/config/api-config';
import { DomainEventApplier } from '../src/domains/domain-event-applier.service';
import { MoveProgress } from '../src/moves/move-progress.service';
import { LostAgentSweeper } from '../src/queues/lost-agent-sweeper.service';
import { apiClient } from './api-client';
import { startTestApp, testApiConfig } from './api-test-app';

let app: INestApplication;
let config: ApiConfig;
let redis: Redis;
let api: ReturnType<typeof apiClient>;
const queues: Queue[] = [];
const fakeAgents: string[] = [];

beforeAll(async () => {
  config = testApiConfig();
  let baseUrl: string;
  ({ app, baseUrl } = await startTestApp(config));
  api = apiClient(baseUrl);
  redis = new Redis(config.redisUrl);
});
afterAll(async () => {
  await Promise.all(queues.map((q) => q.close()));
  redis?.disconnect();
  await app?.close();
});

async function fakeAgent(memoryMiB = 1024): Promise<string> {
  const agentId = `agent-${randomBytes(3).toString('hex')}`;
  const beat: AgentHeartbeat = {
    agentId,
    hostname: 'test',
    pid: 1,
    capacity: { pcpus: 2, totalMemoryBytes: memoryMiB * 2 ** 20, freeMemoryBytes: memoryMiB * 2 ** 20 },
    startedAt: new Date().toISOString(),
    timestamp: new Date().toISOString(),
  };
  await redis.set(agentHeartbeatKey(config.redisPrefix, agentId), JSON.stringify(beat), 'PX', 60_000);
  fakeAgents.push(agentId);
  return agentId;
}

async function jobOn(agentId: string, jobId: string): Promise<AgentJob | undefined> {
  const queue = new Queue(agentLifecycleQueue(agentId), {
    connection: redis,
    prefix: bullmqPrefix(config.redisPrefix),
  });
  queues.push(queue);
  return (await queue.getJob(jobId))?.data as AgentJob | undefined;
}

const event = (agentId: string, domainId: string, actionId: string, state: DomainState, detail?: string) =>
  ({
    agentId,
    domainId,
    actionId,
    state,
    ...(detail ? { detail } : {}),
    at: new Date().toISOString(),
  }) satisfies AgentDomainEvent;

describe('moves through the API (agents played by the test)', () => {
  let owner: { cookie: string; session: { tenant: { id: string } } };
  let admin: string;

  beforeAll(async () => {
    owner = await api.signUp();
    const signedUp = await api.signUp();
    await app
      .get(DataSource)
      .query(`UPDATE users SET role = 'platform-admin' WHERE id = $1`, [signedUp.session.user.id]);
    admin = signedUp.cookie;
    // Every test here makes domains of its own for this one tenant: more than the default quota allows.
    const quota = await api.call('PUT', `/api/admin/tenants/${owner.session.tenant.id}/quota`, {
      cookie: admin,
      body: { maxDomains: 100, maxMemoryMiB: 65_536, maxVcpus: 200 },
    });
    expect(quota.status).toBe(200);
  });

  const domain = async (id: string) =>
    (await api.call('GET', `/api/domains/${id}`, { cookie: owner.cookie })).body as DomainView;
  const actions = async (id: string) =>
    (await api.call('GET', `/api/domains/${id}/actions`, { cookie: owner.cookie })).body
      .actions as DomainActionView[];

  /** The restart-lost action of `id`, once the control queue's worker has placed it. */
  async function restartOf(id: string): Promise<DomainActionView> {
    for (let i = 0; i < 200; i++) {
      const restart = (await actions(id)).find((a) => a.action === 'restart-lost');
      if (restart && restart.status !== 'accepted') return restart;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`${id}: no restart-lost action was placed`);
  }

  /** A domain of `memoryMiB` running on `agentId`, as after a start the agent reported done. */
  async function runningDomain(agentId: string, memoryMiB = 32): Promise<string> {
    const name = `d-${randomBytes(3).toString('hex')}`;
    const id = (
      await api.call('POST', '/api/domains', {
        cookie: owner.cookie,
        body: { name, imageId: 'xenolite', memoryMiB },
      })
    ).body.id as string;
    await app
      .get(DataSource)
      .query(`UPDATE domains SET state = 'running', agent_id = $2 WHERE id = $1`, [id, agentId]);
    return id;
  }

  it('a source that cannot save leaves the domain running there, with the reason', async () => {
    const [src, dst] = [await fakeAgent(), await fakeAgent()];
    const id = await runningDomain(src);
    const moved = await api.call('POST', `/api/admin/domains/${id}/move`, {
      cookie: admin,
      body: { targetAgentId: dst },
    });
    expect(moved.status).toBe(202);
    const move = moved.body as DomainActionView;
    expect(move).toMatchObject({ status: 'dispatched', fromState: 'running', toState: 'migrating' });
    expect(await domain(id)).toMatchObject({ state: 'migrating', agentId: src });
    const snapshot = await jobOn(src, move.id);
    expect(snapshot).toMatchObject({ kind: 'domain.snapshot', domainId: id, thenDestroy: true });
    // While it moves, tenants cannot act on it.
    const stop = await api.call('POST', `/api/domains/${id}/actions`, {
      cookie: owner.cookie,
      body: { action: 'stop' },
    });
    expect(stop.status).toBe(409);

    await app
      .get(MoveProgress)
      .apply(event(src, id, move.id, 'error', 'cannot save: a reboot is in progress'));
    expect(await domain(id)).toMatchObject({
      state: 'running',
      agentId: src,
      stateDetail: `move to ${dst} failed on ${src}: cannot save: a reboot is in progress`,
    });
    expect((await actions(id))[0]).toMatchObject({ action: 'move', status: 'failed' });
    expect(await jobOn(dst, move.id)).toBeUndefined();
  });

  it('a target that refuses the snapshot sends the domain back to its source, restored from it', async () => {
    const [src, dst] = [await fakeAgent(), await fakeAgent()];
    const id = await runningDomain(src);
    const move = (
      await api.call('POST', `/api/admin/domains/${id}/move`, { cookie: admin, body: { targetAgentId: dst } })
    ).body as DomainActionView;
    const snapshot = (await jobOn(src, move.id)) as Extract<AgentJob, { kind: 'domain.snapshot' }>;
    const progress = app.get(MoveProgress);

    // Not believed: the target before the snapshot is stored.
    await progress.apply(event(dst, id, move.id, 'running'));
    expect(await domain(id)).toMatchObject({ state: 'migrating', agentId: src });

    // The source reconnecting mid-save lists the domain frozen ("paused"): still the move's business.
    await app.get(DomainEventApplier).reconcile({
      agentId: src,
      domains: [{ domainId: id, state: 'paused' }],
      at: new Date().toISOString(),
    });
    expect(await domain(id)).toMatchObject({ state: 'migrating', agentId: src });

    await progress.apply(event(src, id, move.id, 'stopped'));
    expect(await domain(id)).toMatchObject({ state: 'migrating', agentId: dst });
    expect(await jobOn(dst, move.id)).toMatchObject({
      kind: 'domain.start',
      restoreSnapshotKey: snapshot.snapshotKey,
      spec: { domainId: id, imageId: 'xenolite', memoryMiB: 32 },
    });
    // Applying the same event again changes nothing (the consumer may see it twice).
    await progress.apply(event(src, id, move.id, 'stopped'));
    expect(await domain(id)).toMatchObject({ state: 'migrating', agentId: dst });

    await progress.apply(event(dst, id, move.id, 'starting'));
    await progress.apply(event(dst, id, move.id, 'error', 'cannot restore: OUT_OF_MEMORY'));
    const [back, failed] = await actions(id);
    expect(failed).toMatchObject({
      id: move.id,
      status: 'failed',
      error: `restoring on ${dst} failed (error): cannot restore: OUT_OF_MEMORY`,
    });
    expect(back).toMatchObject({ action: 'move', status: 'dispatched', fromState: 'running' });
    expect(back.placement).toMatchObject({
      chosenAgentId: src,
      move: { sourceAgentId: dst, snapshotKey: snapshot.snapshotKey, returnOf: move.id },
    });
    expect(await domain(id)).toMatchObject({ state: 'migrating', agentId: src });
    expect(await jobOn(src, back.id)).toMatchObject({
      kind: 'domain.start',
      restoreSnapshotKey: snapshot.snapshotKey,
    });

    await progress.apply(event(src, id, back.id, 'running'));
    expect(await domain(id)).toMatchObject({ state: 'running', agentId: src, stateDetail: null });
    expect((await actions(id))[0]).toMatchObject({ id: back.id, status: 'succeeded', toState: 'running' });
    // A late report of the failed move changes nothing now.
    await progress.apply(event(dst, id, move.id, 'running'));
    expect(await domain(id)).toMatchObject({ state: 'running', agentId: src });
  });

  it('ends in error (restartable) when the way back fails too', async () => {
    const [src, dst] = [await fakeAgent(), await fakeAgent()];
    const id = await runningDomain(src);
    const move = (
      await api.call('POST', `/api/admin/domains/${id}/move`, { cookie: admin, body: { targetAgentId: dst } })
    ).body as DomainActionView;
    const progress = app.get(MoveProgress);
    await progress.apply(event(src, id, move.id, 'stopped'));
    await progress.apply(event(dst, id, move.id, 'error', 'BAD_SNAPSHOT: checksum mismatch'));
    const back = (await actions(id))[0];
    await progress.apply(event(src, id, back.id, 'error', 'BAD_SNAPSHOT: checksum mismatch'));
    const d = await domain(id);
    expect(d).toMatchObject({ state: 'error', agentId: null });
    expect(d.stateDetail).toBe(
      `restoring on ${src} failed (error): BAD_SNAPSHOT: checksum mismatch; start the domain again`,
    );
    const start = await api.call('POST', `/api/domains/${id}/actions`, {
      cookie: owner.cookie,
      body: { action: 'start' },
    });
    expect(start.status).toBe(202);
  });

  it('counts moves in flight against the target, so two moves cannot overfill it', async () => {
    const src = await fakeAgent();
    const small = await fakeAgent(48);
    const first = await runningDomain(src);
    const second = await runningDomain(src);
    const move = (id: string) =>
      api.call('POST', `/api/admin/domains/${id}/move`, { cookie: admin, body: { targetAgentId: small } });
    expect((await move(first)).status).toBe(202);
    const refused = await move(second);
    expect(refused.status).toBe(409);
    expect(refused.body.message).toBe(`cannot move to ${small}: not enough free memory (16 MiB < 32 MiB)`);
    // Events of ordinary actions are not the move protocol's.
    expect(await app.get(MoveProgress).apply(event(src, second, 'not-a-uuid', 'running'))).toBe(false);
  });

  it('drain: 404 for an unknown agent, 403 for a non-admin; moves what it can and says why not the rest', async () => {
    // Only these two agents are up.
    for (const agentId of fakeAgents.splice(0))
      await redis.del(agentHeartbeatKey(config.redisPrefix, agentId));
    const busy = await fakeAgent();
    const other = await fakeAgent(40);
    const movable = await runningDomain(busy);
    const tooBig = await runningDomain(busy, 64);
    expect((await api.call('POST', `/api/admin/agents/${busy}/drain`, { cookie: owner.cookie })).status).toBe(
      403,
    );
    expect((await api.call('POST', '/api/admin/agents/agent-none/drain', { cookie: admin })).status).toBe(
      404,
    );
    const drained = await api.call('POST', `/api/admin/agents/${busy}/drain`, { cookie: admin });
    expect(drained.status).toBe(202);
    expect(drained.body.moves.map((m: DomainActionView) => m.domainId)).toEqual([movable]);
    expect(drained.body.moves[0].placement.chosenAgentId).toBe(other);
    expect(drained.body.notMoved).toEqual([
      { domainId: tooBig, reason: expect.stringContaining(`${other}: not enough free memory`) },
    ]);
    expect(await domain(tooBig)).toMatchObject({ state: 'running', agentId: busy });
  });

  it('rebalance: proposes the move that evens out memory (GET) and starts it (POST)', async () => {
    for (const agentId of fakeAgents.splice(0))
      await redis.del(agentHeartbeatKey(config.redisPrefix, agentId));
    const full = await fakeAgent(1024);
    const empty = await fakeAgent(1024);
    const domains = [await runningDomain(full, 256), await runningDomain(full, 256)];
    expect((await api.call('GET', '/api/admin/rebalance', { cookie: owner.cookie })).status).toBe(403);
    const proposed = await api.call('GET', '/api/admin/rebalance', { cookie: admin });
    expect(proposed.status).toBe(200);
    expect(proposed.body).toMatchObject({ imbalanceBefore: 0.5, imbalanceAfter: 0 });
    expect(proposed.body.moves).toHaveLength(1);
    expect(proposed.body.moves[0]).toMatchObject({ fromAgentId: full, toAgentId: empty, memoryMiB: 256 });
    expect(domains).toContain(proposed.body.moves[0].domainId);
    expect(proposed.body.actions).toBeUndefined();

    const applied = await api.call('POST', '/api/admin/rebalance', { cookie: admin });
    expect(applied.status).toBe(202);
    expect(applied.body.actions).toHaveLength(1);
    expect(applied.body.actions[0]).toMatchObject({ action: 'move', status: 'dispatched' });
    expect(applied.body.actions[0].placement.chosenAgentId).toBe(empty);
  });
  it('a domain lost mid-move (target down after the snapshot was stored) restarts from that snapshot', async () => {
    const [src, dst] = [await fakeAgent(), await fakeAgent()];
    const id = await runningDomain(src);
    const move = (
      await api.call('POST', `/api/admin/domains/${id}/move`, { cookie: admin, body: { targetAgentId: dst } })
    ).body as DomainActionView;
    const snapshot = (await jobOn(src, move.id)) as Extract<AgentJob, { kind: 'domain.snapshot' }>;
    // The source stored the snapshot (what its agent does before reporting) and destroyed the domain.
    await redis.set(snapshot.snapshotKey, 'stored by the source', 'EX', 600);
    await app.get(MoveProgress).apply(event(src, id, move.id, 'stopped'));
    expect(await domain(id)).toMatchObject({ state: 'migrating', agentId: dst });

    // The target goes down before it restored the domain: lost, then restarted on the one agent left —
    // from the stored snapshot, not from its image (the guest's state would be gone).
    await redis.del(agentHeartbeatKey(config.redisPrefix, dst));
    for (const other of fakeAgents.filter((a) => a !== src && a !== dst))
      await redis.del(agentHeartbeatKey(config.redisPrefix, other));
    const lost = await app.get(LostAgentSweeper).sweep();
    expect(lost.map((d) => d.id)).toContain(id);
    const restart = await restartOf(id);
    const history = await actions(id);
    expect(restart).toMatchObject({ status: 'dispatched', placement: { chosenAgentId: src } });
    expect(await jobOn(src, restart.id)).toMatchObject({
      kind: 'domain.start',
      domainId: id,
      restoreSnapshotKey: snapshot.snapshotKey,
    });
    expect(history.find((a) => a.id === move.id)).toMatchObject({
      status: 'failed',
      error: expect.stringContaining("from the move's snapshot"),
    });
  });

  it('a domain lost before its snapshot was stored restarts from its image', async () => {
    const [src, dst] = [await fakeAgent(), await fakeAgent()];
    const id = await runningDomain(src);
    const move = (
      await api.call('POST', `/api/admin/domains/${id}/move`, { cookie: admin, body: { targetAgentId: dst } })
    ).body as DomainActionView;
    // The source goes down while saving: nothing was stored.
    await redis.del(agentHeartbeatKey(config.redisPrefix, src));
    for (const other of fakeAgents.filter((a) => a !== src && a !== dst))
      await redis.del(agentHeartbeatKey(config.redisPrefix, other));
    await app.get(LostAgentSweeper).sweep();
    const restart = await restartOf(id);
    const job = (await jobOn(dst, restart.id)) as Extract<AgentJob, { kind: 'domain.start' }>;
    expect(job).toMatchObject({ kind: 'domain.start', domainId: id });
    expect(job.restoreSnapshotKey).toBeUndefined();
    expect((await actions(id)).find((a) => a.id === move.id)?.status).toBe('failed');
  });
});
