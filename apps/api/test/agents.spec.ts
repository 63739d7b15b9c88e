import type { INestApplication } from '@nestjs/common';
import {
  agentLifecycleQueue,
  domainStatsChannel,
  type AgentEnrolmentResponse,
  type AgentLoad,
  type DomainStatsSample,
} from '@xeno/contracts';
import { Redis } from 'ioredis';
import { randomBytes } from 'node:crypto';
import { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AgentDownSweep } from '../src/agents/agent-down-sweep.service';
import { AgentStore } from '../src/agents/agent-store.service';
import { startTestApp, testApiConfig } from './api-test-app';

const config = testApiConfig();

const SECRET = `enrol-${randomBytes(8).toString('hex')}`;
const DOWN_AFTER_MS = 1_500;
let app: INestApplication;
let baseUrl: string;

beforeAll(async () => {
  // The agents module reads its settings from the environment, as main.ts does.
  process.env.AGENT_ENROLMENT_SECRET = SECRET;
  process.env.AGENT_DOWN_AFTER_MS = String(DOWN_AFTER_MS);
  process.env.AGENT_SWEEP_INTERVAL_MS = '200';
  ({ app, baseUrl } = await startTestApp(config));
});
afterAll(async () => {
  await app?.close();
  delete process.env.AGENT_ENROLMENT_SECRET;
  delete process.env.AGENT_DOWN_AFTER_MS;
  delete process.env.AGENT_SWEEP_INTERVAL_MS;
});

async function post(
  path: string,
  body: unknown,
  credential?: string,
): Promise<{ status: number; body: unknown }> {
  const response = await fetch(baseUrl + path, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(credential ? { authorization: `Bearer ${credential}` } : {}),
    },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : undefined };
}

function uniqueAgentId(): string {
  return `agent-${randomBytes(4).toString('hex')}`;
}

function enrolment(agentId: string, secret = SECRET) {
  return { agentId, hostname: 'host-a', enrolmentSecret: secret, capacity: { pcpus: 2, memoryMiB: 512 } };
}

const LOAD: AgentLoad = {
  memoryUsedMiB: 32,
  cpuBusy: 0.25,
  domainCount: 1,
  instructionsPerSecond: 1000,
  domainIds: [],
};

async function enrol(agentId = uniqueAgentId()): Promise<AgentEnrolmentResponse> {
  const response = await post('/api/agents/enrol', enrolment(agentId));
  expect(response.status).toBe(201);
  return response.body as AgentEnrolmentResponse;
}

describe('agents: enrolment, heartbeats, states', () => {
  it('enrols with the shared secret: a credential stored only as a hash, and the agent its lifecycle queue', async () => {
    const agentId = uniqueAgentId();
    const response = await enrol(agentId);
    expect(response).toMatchObject({ agentId, lifecycleQueue: agentLifecycleQueue(agentId) });
    expect(response.credential).toMatch(/^xa_[A-Za-z0-9_-]{43}$/);
    const rows: Array<{ credential_hash: string; state: string }> = await app
      .get(DataSource)
      .query(`SELECT "credential_hash", "state" FROM "agents" WHERE "id" = $1`, [agentId]);
    expect(rows).toHaveLength(1);
    expect(rows[0]!.state).toBe('ready');
    expect(rows[0]!.credential_hash).not.toContain(response.credential);
  });

  it('refuses a wrong secret (403) and invalid bodies (400 naming the problem)', async () => {
    expect((await post('/api/agents/enrol', enrolment(uniqueAgentId(), 'not-the-secret'))).status).toBe(403);
    const bad = await post('/api/agents/enrol', { ...enrolment('bad id*'), extra: 1 });
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.body)).toContain('agentId');
    expect(JSON.stringify(bad.body)).toContain('extra');
  });

  it('re-enrolling the same agent id replaces its credential: the old one stops working', async () => {
    const agentId = uniqueAgentId();
    const first = await enrol(agentId);
    const second = await enrol(agentId);
    const beat = { capacity: { pcpus: 2, memoryMiB: 512 }, load: LOAD };
    expect((await post('/api/agents/heartbeat', beat, first.credential)).status).toBe(401);
    expect((await post('/api/agents/heartbeat', beat, second.credential)).status).toBe(204);
  });

  it('heartbeats need a valid credential and record capacity and load', async () => {
    const { agentId, credential } = await enrol();
    const beat = { capacity: { pcpus: 4, memoryMiB: 1024 }, load: LOAD };
    expect((await post('/api/agents/heartbeat', beat)).status).toBe(401);
    expect((await post('/api/agents/heartbeat', beat, 'xa_forged')).status).toBe(401);
    expect(
      (await post('/api/agents/heartbeat', { ...beat, load: { ...LOAD, cpuBusy: 2 } }, credential)).status,
    ).toBe(400);
    expect((await post('/api/agents/heartbeat', beat, credential)).status).toBe(204);
    const view = await app.get(AgentStore).get(agentId);
    expect(view).toMatchObject({ state: 'ready', capacity: { pcpus: 4, memoryMiB: 1024 }, load: LOAD });
    expect(view!.lastHeartbeatAt).not.toBeNull();
  });

  it('the sweep marks a silent agent down exactly once; a heartbeat brings it back ready', async () => {
    const { agentId, credential } = await enrol();
    const store = app.get(AgentStore);
    // The background sweep (every 200 ms) finds it once its heartbeat is DOWN_AFTER_MS old.
    for (let i = 0; i < 100 && (await store.get(agentId))!.state !== 'down'; i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect((await store.get(agentId))!.state).toBe('down');
    expect(await app.get(AgentDownSweep).sweep()).not.toContain(agentId);
    const beat = { capacity: { pcpus: 2, memoryMiB: 512 }, load: LOAD };
    expect((await post('/api/agents/heartbeat', beat, credential)).status).toBe(204);
    expect((await store.get(agentId))!.state).toBe('ready');
    expect(await store.heartbeat(agentId, beat.capacity, LOAD)).toMatchObject({ wasDown: false });
    expect(await store.markSilentAgentsDown(0)).toContain(agentId);
    expect(await store.heartbeat(agentId, beat.capacity, LOAD)).toMatchObject({ wasDown: true });
  });

  it('the fleet record counts the memory of the domains holding memory on an agent (not stopped ones)', async () => {
    const { agentId } = await enrol();
    const db = app.get(DataSource);
    const [tenant] = await db.query(`INSERT INTO "tenants" ("name") VALUES ('fleet-test') RETURNING "id"`);
    await db.query(
      `INSERT INTO "domains" ("tenant_id", "name", "image_id", "memory_mib", "vcpus", "state", "agent_id")
       VALUES ($1, 'a', 'xenolite', 48, 1, 'running', $2), ($1, 'b', 'xenolite', 16, 1, 'paused', $2),
              ($1, 'c', 'xenolite', 32, 1, 'stopped', $2)`,
      [tenant.id, agentId],
    );
    expect(await app.get(AgentStore).get(agentId)).toMatchObject({
      agentId,
      state: 'ready',
      reservedMemoryMiB: 64,
    });
  });
  it("announces a heartbeat's per-domain figures for the domains placed on that agent only", async () => {
    const { agentId, credential } = await enrol();
    const other = await enrol();
    const db = app.get(DataSource);
    const [tenant] = await db.query(`INSERT INTO "tenants" ("name") VALUES ('stats-test') RETURNING "id"`);
    const [mine, elsewhere] = (await db.query(
      `INSERT INTO "domains" ("tenant_id", "name", "image_id", "memory_mib", "vcpus", "state", "agent_id")
       VALUES ($1, 'here', 'xenolite', 48, 1, 'running', $2), ($1, 'there', 'xenolite', 16, 1, 'running', $3)
       RETURNING "id"`,
      [tenant.id, agentId, other.agentId],
    )) as Array<{ id: string }>;
    const listener = new Redis(config.redisUrl);
    const seen: DomainStatsSample[] = [];
    listener.on('message', (_channel: string, message: string) => seen.push(JSON.parse(message)));
    await listener.subscribe(domainStatsChannel(config.redisPrefix));
    const figures = (domainId: string) => ({
      domainId,
      cpuShare: 0.5,
      memoryMiB: 40,
      instructionsPerSecond: 7,
    });
    const load = {
      ...LOAD,
      // A domain of another agent and an id the API never placed must not be announced for this agent.
      domains: [figures(mine.id), figures(elsewhere.id), figures('not-a-domain')],
    };
    const capacity = { pcpus: 2, memoryMiB: 512 };
    expect((await post('/api/agents/heartbeat', { capacity, load }, credential)).status).toBe(204);
    const bad = { ...load, domains: [{ ...figures(mine.id), cpuShare: -1 }] };
    expect((await post('/api/agents/heartbeat', { capacity, load: bad }, credential)).status).toBe(400);
    for (let i = 0; i < 100 && seen.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
    await new Promise((r) => setTimeout(r, 50));
    expect(seen).toEqual([
      expect.objectContaining({ domainId: mine.id, tenantId: tenant.id, cpuShare: 0.5, memoryMiB: 40 }),
    ]);
    listener.disconnect();
  });
});
