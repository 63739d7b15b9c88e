import type { INestApplication } from '@nestjs/common';
import {
  agentHeartbeatKey,
  agentLifecycleQueue,
  bullmqPrefix,
  domainEventsChannel,
  type AgentHeartbeat,
  type DomainActionView,
  type DomainView,
} from '@xeno/contracts';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiConfig } from '../src/config/api-config';
import { DomainEventApplier } from '../src/domains/domain-event-applier.service';
import { LostAgentSweeper } from '../src/queues/lost-agent-sweeper.service';
import { apiClient } from './api-client';
import { startTestApp, testApiConfig } from './api-test-app';

let app: INestApplication;
let config: ApiConfig;
let redis: Redis;
let api: ReturnType<typeof apiClient>;
const queues: Queue[] = [];

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

/** Makes an agent look alive to the API: its heartbeat key, as a real agent writes it. */
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
  return agentId;
}

const stopAgent = (agentId: string) => redis.del(agentHeartbeatKey(config.redisPrefix, agentId));

function agentQueue(agentId: string): Queue {
  const queue = new Queue(agentLifecycleQueue(agentId), {
    connection: redis,
    prefix: bullmqPrefix(config.redisPrefix),
  });
  queues.push(queue);
  return queue;
}

async function tenantWithDomain(name = 'web-1') {
  const owner = await api.signUp();
  const created = await api.call('POST', '/api/domains', {
    cookie: owner.cookie,
    body: { name, imageId: 'xenolite' },
  });
  expect(created.status).toBe(201);
  return { owner, domain: created.body as DomainView };
}

const act = (cookie: string, id: string, action: string, key?: string) =>
  api.call('POST', `/api/domains/${id}/actions`, {
    cookie,
    body: { action },
    headers: key ? { 'idempotency-key': key } : {},
  });

describe('domains API (real Postgres and Redis)', () => {
  it('creates with the image defaults, lists and gets; refuses bad input with specific messages', async () => {
    const { owner, domain } = await tenantWithDomain();
    expect(domain).toMatchObject({
      name: 'web-1',
      imageId: 'xenolite',
      state: 'pending',
      agentId: null,
      weight: 256,
    });
    expect(domain.memoryMiB).toBeGreaterThan(0);
    const list = await api.call('GET', '/api/domains', { cookie: owner.cookie });
    expect(list.body.domains.map((d: DomainView) => d.id)).toEqual([domain.id]);
    expect((await api.call('GET', `/api/domains/${domain.id}`, { cookie: owner.cookie })).body.id).toBe(
      domain.id,
    );

    const bad = async (body: unknown) => api.call('POST', '/api/domains', { cookie: owner.cookie, body });
    const unknownField = await bad({ name: 'x', imageId: 'xenolite', colour: 'red' });
    expect(unknownField.status).toBe(400);
    expect(JSON.stringify(unknownField.body.message)).toContain('colour');
    expect((await bad({ name: 'Bad_Name', imageId: 'xenolite' })).body.message.join()).toContain(
      'name must be',
    );
    expect((await bad({ name: 'ok', imageId: 'xenolite', memoryMiB: 0 })).status).toBe(400);
    const noImage = await bad({ name: 'ok', imageId: 'windows' });
    expect(noImage.status).toBe(422);
    expect(noImage.body.message).toMatch(/unknown image "windows" \(available: .*xenolite/);
    const duplicate = await bad({ name: 'web-1', imageId: 'xenolite' });
    expect(duplicate.status).toBe(409);
    expect(duplicate.body.message).toBe('a domain named "web-1" already exists');
    expect((await api.call('GET', '/api/domains')).status).toBe(401);
  });

  it("shows another tenant's domain as not found on every route", async () => {
    const { domain } = await tenantWithDomain();
    const other = await api.signUp();
    const routes: Array<[string, string, unknown?]> = [
      ['GET', `/api/domains/${domain.id}`],
      ['DELETE', `/api/domains/${domain.id}`],
      ['POST', `/api/domains/${domain.id}/actions`, { action: 'start' }],
      ['GET', `/api/domains/${domain.id}/actions`],
    ];
    for (const [method, path, body] of routes) {
      const answer = await api.call(method, path, { cookie: other.cookie, body });
      expect(answer.status, `${method} ${path}`).toBe(404);
      expect(answer.body.message).toBe('domain not found');
    }
    expect((await api.call('GET', '/api/domains', { cookie: other.cookie })).body.domains).toEqual([]);
  });

  it('refuses an action the state machine does not allow with 409 and the reason', async () => {
    const { owner, domain } = await tenantWithDomain();
    const refused = await act(owner.cookie, domain.id, 'pause');
    expect(refused.status).toBe(409);
    expect(refused.body).toMatchObject({ state: 'pending', action: 'pause' });
    expect(refused.body.message).toBe('cannot pause a domain that is pending (allowed from: running)');
    expect((await act(owner.cookie, domain.id, 'explode')).status).toBe(400);
  });

  it('fails a start when no agent has room, and puts the domain back with the reason', async () => {
    const { owner, domain } = await tenantWithDomain();
    const full = await fakeAgent(8); // 8 MiB: too small for xenolite's default
    const answer = await act(owner.cookie, domain.id, 'start');
    expect(answer.status).toBe(202);
    expect(answer.body.status).toBe('failed');
    expect(answer.body.error).toContain('no agent has room');
    expect(answer.body.error).toContain(`${full}: not enough free memory`);
    const after = (await api.call('GET', `/api/domains/${domain.id}`, { cookie: owner.cookie }))
      .body as DomainView;
    expect(after.state).toBe('pending');
    expect(after.stateDetail).toContain('no agent has room');
    await stopAgent(full);
  });

  it('places a start on an agent, queues exactly one job per idempotency key, and settles on its events', async () => {
    const { owner, domain } = await tenantWithDomain();
    const agentId = await fakeAgent();
    const key = `start-${randomBytes(4).toString('hex')}`;
    const [first, second] = await Promise.all([
      act(owner.cookie, domain.id, 'start', key),
      act(owner.cookie, domain.id, 'start', key),
    ]);
    const statuses = [first.status, second.status].sort();
    expect(statuses).toEqual([200, 202]);
    expect(first.body.id).toBe(second.body.id);
    const started = (first.status === 202 ? first : second).body as DomainActionView;
    expect(started).toMatchObject({
      action: 'start',
      status: 'dispatched',
      fromState: 'pending',
      toState: 'starting',
    });
    expect(started.placement?.chosenAgentId).toBe(agentId);
    const again = await act(owner.cookie, domain.id, 'start', key);
    expect(again.status).toBe(200);
    expect(again.body.id).toBe(started.id);
    const reused = await act(owner.cookie, domain.id, 'stop', key);
    expect(reused.status).toBe(422);
    expect(reused.body.message).toContain('was already used for start');

    const queue = agentQueue(agentId);
    const jobs = await queue.getJobs(['waiting', 'delayed', 'active']);
    expect(jobs.map((j) => [j.name, j.id])).toEqual([['domain.start', started.id]]);
    expect(jobs[0].data.spec).toMatchObject({
      domainId: domain.id,
      imageId: 'xenolite',
      memoryMiB: domain.memoryMiB,
    });

    const applier = app.get(DomainEventApplier);
    const at = new Date().toISOString();
    // A report from an agent the domain is not placed on is ignored.
    expect(
      (await applier.apply({ agentId: 'someone-else', domainId: domain.id, state: 'running', at })).applied,
    ).toBe(false);
    expect(
      (await applier.apply({ agentId, domainId: domain.id, actionId: started.id, state: 'running', at }))
        .applied,
    ).toBe(true);
    const running = (await api.call('GET', `/api/domains/${domain.id}`, { cookie: owner.cookie }))
      .body as DomainView;
    expect(running).toMatchObject({ state: 'running', agentId });
    const history = (await api.call('GET', `/api/domains/${domain.id}/actions`, { cookie: owner.cookie }))
      .body.actions;
    expect(history[0]).toMatchObject({ id: started.id, status: 'succeeded', toState: 'running' });

    const deleteRunning = await api.call('DELETE', `/api/domains/${domain.id}`, { cookie: owner.cookie });
    expect(deleteRunning.status).toBe(409);
    expect(deleteRunning.body.message).toContain('stop or destroy it first');
    const destroy = (await act(owner.cookie, domain.id, 'destroy')).body as DomainActionView;
    expect(destroy.status).toBe('dispatched');
    expect((await queue.getJob(destroy.id))?.name).toBe('domain.destroy');
    await applier.apply({
      agentId,
      domainId: domain.id,
      actionId: destroy.id,
      state: 'stopped',
      shutdownReason: 'destroyed',
      at,
    });
    const stopped = (await api.call('GET', `/api/domains/${domain.id}`, { cookie: owner.cookie }))
      .body as DomainView;
    expect(stopped).toMatchObject({ state: 'stopped', agentId: null, lastShutdownReason: 'destroyed' });
    expect((await api.call('DELETE', `/api/domains/${domain.id}`, { cookie: owner.cookie })).status).toBe(
      204,
    );
    expect((await api.call('GET', `/api/domains/${domain.id}`, { cookie: owner.cookie })).status).toBe(404);
    await stopAgent(agentId);
  });

  it('announces every recorded state change on the domain events channel (for the /events push)', async () => {
    const { owner, domain } = await tenantWithDomain();
    const agentId = await fakeAgent();
    const listener = new Redis(config.redisUrl);
    const seen: string[] = [];
    listener.on('message', (_channel: string, message: string) => {
      const event = JSON.parse(message) as { domainId: string; state: string; tenantId: string };
      if (event.domainId === domain.id)
        seen.push(`${event.state}@${event.tenantId === owner.session.tenant.id}`);
    });
    await listener.subscribe(domainEventsChannel(config.redisPrefix));
    const start = (await act(owner.cookie, domain.id, 'start')).body as DomainActionView;
    await app.get(DomainEventApplier).apply({
      agentId,
      domainId: domain.id,
      actionId: start.id,
      state: 'running',
      at: new Date().toISOString(),
    });
    for (let i = 0; i < 50 && seen.length < 3; i++) await new Promise((r) => setTimeout(r, 20));
    expect(seen).toEqual(['scheduling@true', 'starting@true', 'running@true']);
    listener.disconnect();
    await stopAgent(agentId);
  });

  it('marks the domains of an agent that went down as lost and restarts them on another agent', async () => {
    const { owner, domain } = await tenantWithDomain();
    const first = await fakeAgent();
    const start = (await act(owner.cookie, domain.id, 'start')).body as DomainActionView;
    expect(start.placement?.chosenAgentId).toBe(first);
    await app.get(DomainEventApplier).apply({
      agentId: first,
      domainId: domain.id,
      actionId: start.id,
      state: 'running',
      at: new Date().toISOString(),
    });
    await stopAgent(first);
    const second = await fakeAgent();
    const lost = await app.get(LostAgentSweeper).sweep();
    expect(lost.map((d) => d.id)).toContain(domain.id);
    // The restart goes through the control queue: its worker takes it a moment later.
    let after: DomainView | undefined;
    for (let i = 0; i < 200 && after?.state !== 'starting'; i++) {
      if (i > 0) await new Promise((r) => setTimeout(r, 50));
      after = (await api.call('GET', `/api/domains/${domain.id}`, { cookie: owner.cookie }))
        .body as DomainView;
    }
    expect(after).toMatchObject({ state: 'starting', agentId: second });
    const history = (await api.call('GET', `/api/domains/${domain.id}/actions`, { cookie: owner.cookie }))
      .body.actions;
    expect(history[0]).toMatchObject({ action: 'restart-lost', status: 'dispatched', fromState: 'lost' });
    expect(history[0].placement.chosenAgentId).toBe(second);
    // The control plane's own act is in the tenant's audit log, with no actor.
    const audit = (await api.call('GET', '/api/audit?limit=1', { cookie: owner.cookie })).body.entries;
    expect(audit[0]).toMatchObject({
      action: 'domain.action.restart-lost',
      actorUserId: null,
      target: `domain:${domain.id}`,
      result: 'ok',
    });
    await stopAgent(second);
  });
});
