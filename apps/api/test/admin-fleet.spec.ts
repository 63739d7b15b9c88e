import type { INestApplication } from '@nestjs/common';
import {
  agentHeartbeatKey,
  agentLifecycleQueue,
  bullmqPrefix,
  type AgentHeartbeat,
  type DeadLetterList,
  type FleetView,
} from '@xeno/contracts';
import { Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { randomBytes, randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiConfig } from '../src/config/api-config';
import { apiClient } from './api-client';
import { startTestApp, testApiConfig } from './api-test-app';

let app: INestApplication;
let config: ApiConfig;
let redis: Redis;
let api: ReturnType<typeof apiClient>;
let admin: { cookie: string };

beforeAll(async () => {
  config = testApiConfig();
  let baseUrl: string;
  ({ app, baseUrl } = await startTestApp(config));
  api = apiClient(baseUrl);
  redis = new Redis(config.redisUrl, { maxRetriesPerRequest: null });
  admin = await api.signUpAdmin(app.get(DataSource));
});
afterAll(async () => {
  redis?.disconnect();
  await app?.close();
});

async function fakeAgent(memoryMiB = 1024): Promise<string> {
  const agentId = `agent-${randomBytes(3).toString('hex')}`;
  const beat: AgentHeartbeat = {
    agentId,
    hostname: `host-${agentId}`,
    pid: 1,
    capacity: { pcpus: 2, totalMemoryBytes: memoryMiB * 2 ** 20, freeMemoryBytes: memoryMiB * 2 ** 20 },
    startedAt: new Date().toISOString(),
    timestamp: new Date().toISOString(),
  };
  await redis.set(agentHeartbeatKey(config.redisPrefix, agentId), JSON.stringify(beat), 'PX', 60_000);
  return agentId;
}

describe('admin fleet', () => {
  it('shows every agent with the domains of any tenant placed on it', async () => {
    const agentId = await fakeAgent(2048);
    const a = await api.signUp();
    const b = await api.signUp();
    const ids: string[] = [];
    for (const owner of [a, b]) {
      const domain = await api.call('POST', '/api/domains', {
        cookie: owner.cookie,
        body: { name: 'placed', imageId: 'xenolite', memoryMiB: 64 },
      });
      ids.push(domain.body.id);
    }
    await app
      .get(DataSource)
      .query(`UPDATE "domains" SET "agent_id" = $1, "state" = 'running' WHERE "id" = ANY($2)`, [
        agentId,
        ids,
      ]);
    const fleet = await api.call('GET', '/api/admin/fleet', { cookie: admin.cookie });
    expect(fleet.status).toBe(200);
    const agent = (fleet.body as FleetView).agents.find((x) => x.agentId === agentId)!;
    expect(agent).toMatchObject({
      hostname: `host-${agentId}`,
      state: 'ready',
      capacity: { pcpus: 2, memoryMiB: 2048 },
      reservedMemoryMiB: 128,
    });
    expect(agent.domains.map((d) => [d.id, d.tenantId, d.state])).toEqual([
      [ids[0], a.session.tenant.id, 'running'],
      [ids[1], b.session.tenant.id, 'running'],
    ]);
    expect((await api.call('GET', '/api/admin/fleet', { cookie: a.cookie })).status).toBe(403);
  });

  it('cordons an agent: placement skips it until it is uncordoned; both are audited', async () => {
    const agentId = await fakeAgent(1 << 20); // so large that spread placement would pick it
    const owner = await api.signUp();
    const domain = await api.call('POST', '/api/domains', {
      cookie: owner.cookie,
      body: { name: 'cordon-test', imageId: 'xenolite', memoryMiB: 64 },
    });
    const cordoned = await api.call('POST', `/api/admin/agents/${agentId}/cordon`, { cookie: admin.cookie });
    expect(cordoned.status).toBe(200);
    expect(cordoned.body).toMatchObject({ agentId, state: 'cordoned' });
    const start = await api.call('POST', `/api/domains/${domain.body.id}/actions`, {
      cookie: owner.cookie,
      body: { action: 'start' },
    });
    const verdict = start.body.placement.candidates.find((c: { agentId: string }) => c.agentId === agentId);
    expect(verdict).toMatchObject({ eligible: false, reason: 'cordoned' });
    expect(start.body.placement.chosenAgentId).not.toBe(agentId);

    const ready = await api.call('POST', `/api/admin/agents/${agentId}/uncordon`, { cookie: admin.cookie });
    expect(ready.body).toMatchObject({ agentId, state: 'ready' });
    const second = await api.call('POST', '/api/domains', {
      cookie: owner.cookie,
      body: { name: 'cordon-test-2', imageId: 'xenolite', memoryMiB: 64 },
    });
    const again = await api.call('POST', `/api/domains/${second.body.id}/actions`, {
      cookie: owner.cookie,
      body: { action: 'start' },
    });
    expect(again.body.placement.chosenAgentId).toBe(agentId);

    expect(
      (await api.call('POST', '/api/admin/agents/no-such-agent/cordon', { cookie: admin.cookie })).status,
    ).toBe(404);
    expect(
      (await api.call('POST', `/api/admin/agents/${agentId}/cordon`, { cookie: owner.cookie })).status,
    ).toBe(403);
    const audit = (await api.call('GET', '/api/audit?limit=3', { cookie: admin.cookie })).body.entries;
    expect(audit.map((e: { action: string; result: string }) => `${e.action} ${e.result}`)).toEqual([
      'agent.cordon refused',
      'agent.uncordon ok',
      'agent.cordon ok',
    ]);
    expect(audit[0].detail).toBe('agent no-such-agent not found');
  });

  it('lists dead letters of the lifecycle queues and retries one with its attempts reset', async () => {
    const agentId = await fakeAgent();
    const name = agentLifecycleQueue(agentId);
    const connection = { connection: redis, prefix: bullmqPrefix(config.redisPrefix) };
    const queue = new Queue(name, connection);
    const actionId = randomUUID();
    const domainId = randomUUID();
    await queue.add(
      'domain.pause',
      { kind: 'domain.pause', actionId, domainId },
      { jobId: actionId, attempts: 1 },
    );
    // An agent that fails the job for good.
    const worker = new Worker(
      name,
      async () => {
        throw new Error('domain is not on this agent');
      },
      connection,
    );
    for (let i = 0; i < 100 && !(await (await queue.getJob(actionId))?.isFailed()); i++)
      await new Promise((resolve) => setTimeout(resolve, 50));
    await worker.close();

    const list = await api.call('GET', '/api/admin/dead-letters', { cookie: admin.cookie });
    expect(list.status).toBe(200);
    const mine = (list.body as DeadLetterList).jobs.filter((job) => job.queue === name);
    expect(mine).toEqual([
      {
        queue: name,
        jobId: actionId,
        kind: 'domain.pause',
        actionId,
        domainId,
        attemptsMade: 1,
        failedReason: 'domain is not on this agent',
        failedAt: expect.any(String),
      },
    ]);

    const retried = await api.call('POST', `/api/admin/dead-letters/${name}/${actionId}/retry`, {
      cookie: admin.cookie,
    });
    expect(retried.status).toBe(202);
    expect(retried.body).toEqual({ queue: name, jobId: actionId, state: 'waiting' });
    const job = (await queue.getJob(actionId))!;
    expect(await job.getState()).toBe('waiting');
    expect(job.attemptsMade).toBe(0);
    const twice = await api.call('POST', `/api/admin/dead-letters/${name}/${actionId}/retry`, {
      cookie: admin.cookie,
    });
    expect(twice.status).toBe(409);
    expect(
      (await api.call('POST', `/api/admin/dead-letters/${name}/nope/retry`, { cookie: admin.cookie })).status,
    ).toBe(404);
    expect(
      (
        await api.call('POST', `/api/admin/dead-letters/domain-events/${actionId}/retry`, {
          cookie: admin.cookie,
        })
      ).status,
    ).toBe(404);
    const after = (await api.call('GET', '/api/admin/dead-letters', { cookie: admin.cookie }))
      .body as DeadLetterList;
    expect(after.jobs.filter((j) => j.queue === name)).toEqual([]);
    await queue.close();
  });
});
