import type { INestApplication } from '@nestjs/common';
import type { AgentLoad, TenantUsage } from '@xeno/contracts';
import { randomBytes } from 'node:crypto';
import { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UsageRecorder } from '../src/usage/usage-recorder.service';
import { usageWindow } from '../src/usage/usage-window.dto';
import { apiClient } from './api-client';
import { startTestApp, testApiConfig } from './api-test-app';

const SECRET = `enrol-${randomBytes(8).toString('hex')}`;
let app: INestApplication;
let api: ReturnType<typeof apiClient>;
let db: DataSource;

beforeAll(async () => {
  process.env.AGENT_ENROLMENT_SECRET = SECRET;
  let baseUrl: string;
  ({ app, baseUrl } = await startTestApp(testApiConfig()));
  api = apiClient(baseUrl);
  db = app.get(DataSource);
});
afterAll(async () => {
  await app?.close();
  delete process.env.AGENT_ENROLMENT_SECRET;
});

async function newDomain(cookie: string, name: string, vcpus = 1): Promise<string> {
  const answer = await api.call('POST', '/api/domains', {
    cookie,
    body: { name, imageId: 'xenolite', memoryMiB: 64, vcpus },
  });
  expect(answer.status).toBe(201);
  return answer.body.id as string;
}

/** Replaces a domain's recorded history with states entered at the given instants. */
async function setHistory(
  domainId: string,
  tenantId: string,
  states: Array<[string, string]>,
): Promise<void> {
  await db.query(`DELETE FROM "domain_state_history" WHERE "domain_id" = $1`, [domainId]);
  for (const [state, at] of states)
    await db.query(
      `INSERT INTO "domain_state_history" ("domain_id", "tenant_id", "state", "at") VALUES ($1, $2, $3, $4)`,
      [domainId, tenantId, state, at],
    );
}

async function usage(cookie: string, query: string): Promise<TenantUsage> {
  const answer = await api.call('GET', `/api/usage${query}`, { cookie });
  expect(answer.status).toBe(200);
  return answer.body as TenantUsage;
}

const load = (domainIds: string[], cpuBusy: number, instructionsPerSecond: number): AgentLoad => ({
  memoryUsedMiB: 0,
  cpuBusy,
  domainCount: domainIds.length,
  instructionsPerSecond,
  domainIds,
});

describe('usage accounting', () => {
  it('records every state a domain enters (a trigger on domains)', async () => {
    const { cookie } = await api.signUp();
    const id = await newDomain(cookie, 'traced');
    // No agent: the start is accepted (scheduling) and fails back to pending.
    await api.call('POST', `/api/domains/${id}/actions`, { cookie, body: { action: 'start' } });
    const rows: Array<{ state: string }> = await db.query(
      `SELECT "state" FROM "domain_state_history" WHERE "domain_id" = $1 ORDER BY "at", "id"`,
      [id],
    );
    expect(rows.map((r) => r.state)).toEqual(['pending', 'scheduling', 'pending']);
  });

  it('sums running and paused intervals, clipped to the window, into domain-hours', async () => {
    const a = await api.signUp();
    const b = await api.signUp();
    const tenantId = a.session.tenant.id;
    const web = await newDomain(a.cookie, 'web');
    const batch = await newDomain(a.cookie, 'batch');
    const other = await newDomain(b.cookie, 'other');
    await setHistory(web, tenantId, [
      ['starting', '2026-01-05T09:59:00Z'],
      ['running', '2026-01-05T10:00:00Z'],
      ['paused', '2026-01-05T11:00:00Z'],
      ['stopping', '2026-01-05T12:30:00Z'],
      ['stopped', '2026-01-05T12:31:00Z'],
      ['running', '2026-01-05T13:00:00Z'], // still running at the window's end
    ]);
    await setHistory(batch, tenantId, [
      ['running', '2026-01-05T09:00:00Z'],
      ['lost', '2026-01-05T10:45:00Z'],
    ]);
    await setHistory(other, b.session.tenant.id, [['running', '2026-01-05T00:00:00Z']]);

    const window = '?since=2026-01-05T10:30:00Z&until=2026-01-05T14:00:00Z';
    // web: running 10:30–11:00, paused 11:00–12:30, running 13:00–14:00 = 3 h; batch: 10:30–10:45 = 0.25 h.
    expect(await usage(a.cookie, window)).toEqual({
      tenantId,
      domainHours: 3.25,
      cpuSeconds: 0,
      instructions: 0,
      since: '2026-01-05T10:30:00.000Z',
      until: '2026-01-05T14:00:00.000Z',
    });
    expect(
      (await usage(a.cookie, '?since=2026-01-05T12:31:00Z&until=2026-01-05T13:00:00Z')).domainHours,
    ).toBe(0);
    expect((await usage(b.cookie, window)).domainHours).toBe(3.5);
  });

  it("attributes heartbeats' CPU and instructions to the placed domains by vCPUs, per hour", async () => {
    const a = await api.signUp();
    const b = await api.signUp();
    const agentId = `agent-${randomBytes(3).toString('hex')}`;
    const small = await newDomain(a.cookie, 'small', 1);
    const large = await newDomain(a.cookie, 'large', 3);
    const theirs = await newDomain(b.cookie, 'theirs', 4);
    const elsewhere = await newDomain(a.cookie, 'elsewhere', 8);
    await db.query(`UPDATE "domains" SET "agent_id" = $1, "state" = 'running' WHERE "id" = ANY($2)`, [
      agentId,
      [small, large, theirs],
    ]);
    await db.query(`UPDATE "domains" SET "agent_id" = 'another-agent', "state" = 'running' WHERE "id" = $1`, [
      elsewhere,
    ]);
    const recorder = app.get(UsageRecorder);
    // 10 s at half of 2 pCPUs = 10 CPU seconds and 10 000 instructions, over 8 vCPUs placed there. The
    // agent also names a domain placed elsewhere and one the API does not know: they get nothing.
    await recorder.record({
      agentId,
      pcpus: 2,
      load: load([small, large, theirs, elsewhere, 'not-a-domain'], 0.5, 1_000),
      intervalSeconds: 10,
      at: new Date('2026-01-05T10:15:00Z'),
    });
    // A beat after a long silence is credited only for the heartbeat TTL (15 s): 15 CPU seconds.
    await recorder.record({
      agentId,
      pcpus: 2,
      load: load([small, large, theirs], 0.5, 0),
      intervalSeconds: 600,
      at: new Date('2026-01-05T11:05:00Z'),
    });
    // An agent's first heartbeat has no interval: nothing.
    await recorder.record({
      agentId,
      pcpus: 2,
      load: load([small], 1, 1_000),
      intervalSeconds: null,
      at: new Date('2026-01-05T10:20:00Z'),
    });

    const tenHour = '?since=2026-01-05T10:00:00Z&until=2026-01-05T11:00:00Z';
    expect(await usage(a.cookie, tenHour)).toMatchObject({ cpuSeconds: 5, instructions: 5_000 });
    expect(await usage(b.cookie, tenHour)).toMatchObject({ cpuSeconds: 5, instructions: 5_000 });
    const both = '?since=2026-01-05T10:00:00Z&until=2026-01-05T12:00:00Z';
    expect(await usage(a.cookie, both)).toMatchObject({ cpuSeconds: 12.5, instructions: 5_000 });
    const rows: Array<{ domain_id: string; cpu_seconds: number }> = await db.query(
      `SELECT "domain_id", "cpu_seconds" FROM "usage_hourly" WHERE "domain_id" = ANY($1) AND "hour" = '2026-01-05T10:00:00Z'`,
      [[small, large, elsewhere]],
    );
    expect(Object.fromEntries(rows.map((r) => [r.domain_id, r.cpu_seconds]))).toEqual({
      [small]: 1.25,
      [large]: 3.75,
    });
  });

  it('credits each placed domain exactly its agent-measured share when the heartbeat carries one', async () => {
    const a = await api.signUp();
    const agentId = `agent-${randomBytes(3).toString('hex')}`;
    const busy = await newDomain(a.cookie, 'busy', 1);
    const idle = await newDomain(a.cookie, 'idle', 4);
    const elsewhere = await newDomain(a.cookie, 'elsewhere', 1);
    await db.query(`UPDATE "domains" SET "agent_id" = $1, "state" = 'running' WHERE "id" = ANY($2)`, [
      agentId,
      [busy, idle],
    ]);
    await db.query(`UPDATE "domains" SET "agent_id" = 'another-agent' WHERE "id" = $1`, [elsewhere]);
    const figures = (domainId: string, cpuShare: number, instructionsPerSecond: number) => ({
      domainId,
      cpuShare,
      memoryMiB: 64,
      instructionsPerSecond,
    });
    // 10 s: the 1-vCPU domain used 0.9 of a pCPU, the 4-vCPU one nearly nothing — vCPUs do not matter.
    await app.get(UsageRecorder).record({
      agentId,
      pcpus: 2,
      load: {
        ...load([busy, idle, elsewhere], 0.5, 1_000),
        domains: [figures(busy, 0.9, 900), figures(idle, 0.01, 10), figures(elsewhere, 1, 1_000)],
      },
      intervalSeconds: 10,
      at: new Date('2026-02-03T08:30:00Z'),
    });
    const rows: Array<{ domain_id: string; cpu_seconds: number; instructions: string }> = await db.query(
      `SELECT "domain_id", "cpu_seconds", "instructions" FROM "usage_hourly" WHERE "domain_id" = ANY($1)`,
      [[busy, idle, elsewhere]],
    );
    expect(
      Object.fromEntries(rows.map((r) => [r.domain_id, [r.cpu_seconds, Number(r.instructions)]])),
    ).toEqual({
      [busy]: [9, 9_000],
      [idle]: [0.1, 100],
    });
  });

  it('records usage from real HTTP heartbeats, on the database clock', async () => {
    const { cookie, session } = await api.signUp();
    const agentId = `agent-${randomBytes(3).toString('hex')}`;
    const enrolled = await api.call('POST', '/api/agents/enrol', {
      body: { agentId, hostname: 'h', enrolmentSecret: SECRET, capacity: { pcpus: 4, memoryMiB: 1024 } },
    });
    expect(enrolled.status).toBe(201);
    const token = enrolled.body.credential as string;
    const id = await newDomain(cookie, 'beating', 2);
    await db.query(`UPDATE "domains" SET "agent_id" = $1, "state" = 'running' WHERE "id" = $2`, [
      agentId,
      id,
    ]);
    const beat = { capacity: { pcpus: 4, memoryMiB: 1024 }, load: load([id], 0.25, 2_000) };
    // Enrolment set last_heartbeat_at; pretend that was 4 s ago.
    await db.query(`UPDATE "agents" SET "last_heartbeat_at" = now() - interval '4 seconds' WHERE "id" = $1`, [
      agentId,
    ]);
    expect((await api.call('POST', '/api/agents/heartbeat', { token, body: beat })).status).toBe(204);
    const now = await usage(cookie, '');
    // 4 s (plus however long the request took, on a loaded machine up to a second or two) × 0.25 × 4 pCPUs
    // = 1 CPU second per second; 2 000 instructions per second.
    expect(now.tenantId).toBe(session.tenant.id);
    expect(now.cpuSeconds).toBeGreaterThanOrEqual(4);
    expect(now.cpuSeconds).toBeLessThan(6);
    expect(now.instructions).toBeGreaterThanOrEqual(8_000);
    expect(now.instructions).toBeLessThan(12_000);
    expect(Date.parse(now.since)).toBe(Date.UTC(new Date().getUTCFullYear(), new Date().getUTCMonth(), 1));
    // The domain has been running since the UPDATE above: a sliver of a domain-hour.
    expect(now.domainHours).toBeGreaterThan(0);
    expect(now.domainHours).toBeLessThan(0.01);
  });

  it('lists every tenant for platform admins only, and refuses bad windows', async () => {
    const a = await api.signUp();
    expect((await api.call('GET', '/api/admin/usage', { cookie: a.cookie })).status).toBe(403);
    const admin = await api.signUpAdmin(db);
    const all = await api.call('GET', '/api/admin/usage?since=2026-01-01T00:00:00Z', {
      cookie: admin.cookie,
    });
    expect(all.status).toBe(200);
    const mine = (all.body as TenantUsage[]).find((u) => u.tenantId === a.session.tenant.id);
    expect(mine).toMatchObject({
      domainHours: 0,
      cpuSeconds: 0,
      instructions: 0,
      since: '2026-01-01T00:00:00.000Z',
    });

    const backwards = await api.call(
      'GET',
      '/api/usage?since=2026-02-01T00:00:00Z&until=2026-01-01T00:00:00Z',
      {
        cookie: a.cookie,
      },
    );
    expect(backwards.status).toBe(400);
    expect(backwards.body.message).toContain('must be before until');
    expect((await api.call('GET', '/api/usage?since=last-week', { cookie: a.cookie })).status).toBe(400);
    expect((await api.call('GET', '/api/usage?tenantId=x', { cookie: a.cookie })).status).toBe(400);
  });

  it('defaults the window to this UTC month and never past now', () => {
    const now = new Date('2026-03-17T12:00:00Z');
    expect(usageWindow({}, now)).toEqual({ since: new Date('2026-03-01T00:00:00Z'), until: now });
    expect(usageWindow({ until: '2027-01-01T00:00:00Z' }, now).until).toEqual(now);
    expect(() => usageWindow({ since: '2026-04-01T00:00:00Z' }, now)).toThrow(/must be before until/);
  });
});
