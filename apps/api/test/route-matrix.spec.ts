import type { INestApplication } from '@nestjs/common';
import { agentHeartbeatKey, agentLifecycleQueue, type AgentHeartbeat } from '@xeno/contracts';
import { Redis } from 'ioredis';
import { randomBytes, randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AUDIT_SPEC, NOT_AUDITED } from '../src/audit/audited.decorator';
import type { ApiConfig } from '../src/config/api-config';
import { apiClient, type ApiAnswer } from './api-client';
import { appRoutes, expressRouteKeys, type AppRoute } from './app-routes';
import { startTestApp, testApiConfig } from './api-test-app';

/**
 * The forbidden matrix. Every route of the app is called by tenant A's owner with tenant B's ids, and must
 * answer 404 (another tenant's resource looks missing), 403 (platform-admin routes), or — for routes
 * without ids — answer without any of B's ids in the body. A new route fails here until it either
 * behaves so or is listed below with the reason it differs; so does one with a path parameter or a body
 * the matrix does not know how to fill.
 */

/** Routes anyone may call, with what A's cookie gets there and why that is fine. */
const PUBLIC_ROUTES: Record<string, { status: number | 'any'; why: string; disposableSession?: true }> = {
  'GET /api/health': { status: 'any', why: 'dependency status only, no tenant data' },
  'POST /api/auth/signup': { status: 'any', why: 'creates a new tenant; takes no ids' },
  'POST /api/auth/login': { status: 'any', why: 'takes credentials, no ids' },
  'POST /api/auth/logout': { status: 204, why: "ends the caller's own session", disposableSession: true },
  'POST /api/auth/accept-invite': { status: 404, why: 'takes a secret token; a wrong one is not found' },
  'POST /api/agents/enrol': { status: 403, why: 'needs the enrolment secret' },
  'POST /api/agents/heartbeat': {
    status: 401,
    why: 'needs an agent credential, which a user session is not',
  },
  'GET /metrics': { status: 200, why: 'fleet-wide counts by state and route pattern, never ids' },
};

let app: INestApplication;
let config: ApiConfig;
let api: ReturnType<typeof apiClient>;
let redis: Redis;

interface Victim {
  cookie: string;
  tenantId: string;
  ownerId: string;
  memberId: string;
  domainId: string;
  tokenId: string;
  token: string;
  inviteId: string;
}
let attacker: { cookie: string; email: string };
let victim: Victim;
let agentId: string;

beforeAll(async () => {
  config = testApiConfig();
  let baseUrl: string;
  ({ app, baseUrl } = await startTestApp(config));
  api = apiClient(baseUrl);
  redis = new Redis(config.redisUrl);
  const signedUp = await api.signUp();
  attacker = { cookie: signedUp.cookie, email: signedUp.session.user.email };
  victim = await makeVictim();
  agentId = `agent-${randomBytes(3).toString('hex')}`;
  const beat: AgentHeartbeat = {
    agentId,
    hostname: 'matrix',
    pid: 1,
    capacity: { pcpus: 2, totalMemoryBytes: 2 ** 30, freeMemoryBytes: 2 ** 30 },
    startedAt: new Date().toISOString(),
    timestamp: new Date().toISOString(),
  };
  await redis.set(agentHeartbeatKey(config.redisPrefix, agentId), JSON.stringify(beat), 'PX', 120_000);
});
afterAll(async () => {
  redis?.disconnect();
  await app?.close();
});

async function makeVictim(): Promise<Victim> {
  const owner = await api.signUp();
  const cookie = owner.cookie;
  const domain = await api.call('POST', '/api/domains', {
    cookie,
    body: { name: 'victim', imageId: 'xenolite', memoryMiB: 64 },
  });
  const token = await api.call('POST', '/api/tokens', { cookie, body: { name: 'victim' } });
  const memberInvite = await api.call('POST', '/api/tenant/invites', {
    cookie,
    body: { email: `member-${randomBytes(4).toString('hex')}@example.test` },
  });
  const joined = await api.call('POST', '/api/auth/accept-invite', {
    body: { token: memberInvite.body.token, password: 'member password 1' },
  });
  const pending = await api.call('POST', '/api/tenant/invites', {
    cookie,
    body: { email: `pending-${randomBytes(4).toString('hex')}@example.test` },
  });
  for (const answer of [domain, token, memberInvite, joined, pending])
    expect(answer.status, JSON.stringify(answer.body)).toBe(201);
  return {
    cookie,
    tenantId: owner.session.tenant.id,
    ownerId: owner.session.user.id,
    memberId: joined.body.user.id,
    domainId: domain.body.id,
    tokenId: token.body.id,
    token: token.body.token,
    inviteId: pending.body.id,
  };
}

/** B's value for a path parameter of a route; unknown ones fail the test, naming what to add. */
function paramValue(route: AppRoute, param: string): string {
  const path = route.path;
  if (param === 'id' && path.startsWith('/api/domains/')) return victim.domainId;
  if (param === 'id' && path.startsWith('/api/tokens/')) return victim.tokenId;
  if (param === 'id' && path.startsWith('/api/tenant/members/')) return victim.memberId;
  if (param === 'id' && path.startsWith('/api/tenant/invites/')) return victim.inviteId;
  if (param === 'id' && path.startsWith('/api/admin/tenants/')) return victim.tenantId;
  if (param === 'id' && path.startsWith('/api/admin/domains/')) return victim.domainId;
  if (param === 'agentId') return agentId;
  if (param === 'queue') return agentLifecycleQueue(agentId);
  if (param === 'jobId') return randomUUID();
  throw new Error(`the route matrix has no value for :${param} in ${route.key}: add one to paramValue()`);
}

/** Valid bodies, so that validation (400) does not answer before the ownership check does. */
function sampleBody(route: AppRoute): unknown {
  switch (route.key) {
    case 'POST /api/domains':
      return { name: `matrix-${randomBytes(3).toString('hex')}`, imageId: 'xenolite', memoryMiB: 64 };
    case 'POST /api/domains/:id/actions':
      return { action: 'destroy' };
    case 'POST /api/tokens':
      return { name: 'matrix' };
    case 'POST /api/tenant/invites':
      return { email: `matrix-${randomBytes(3).toString('hex')}@example.test` };
    case 'POST /api/auth/signup':
      return {
        email: `matrix-${randomBytes(3).toString('hex')}@example.test`,
        password: 'correct horse battery',
        tenantName: 'matrix',
      };
    case 'POST /api/auth/login':
      return { email: 'nobody@example.test', password: 'whatever it is' };
    case 'POST /api/auth/accept-invite':
      return { token: 'xi_not-a-real-invite', password: 'a long enough password' };
    case 'POST /api/agents/enrol':
      return {
        agentId: 'matrix',
        hostname: 'h',
        enrolmentSecret: 'wrong',
        capacity: { pcpus: 1, memoryMiB: 64 },
      };
    case 'POST /api/agents/heartbeat':
      return {
        capacity: { pcpus: 1, memoryMiB: 64 },
        load: { memoryUsedMiB: 0, cpuBusy: 0, domainCount: 0, instructionsPerSecond: 0, domainIds: [] },
      };
    default:
      return undefined;
  }
}

/** Another session of A's, for routes that end the session they are called with. */
async function attackerSession(): Promise<string> {
  const login = await api.call('POST', '/api/auth/login', {
    body: { email: attacker.email, password: 'correct horse battery' },
  });
  return `xeno_session=${/xeno_session=([^;]+)/.exec(login.setCookie ?? '')![1]}`;
}

function victimIds(): string[] {
  return [victim.tenantId, victim.ownerId, victim.memberId, victim.domainId, victim.tokenId, victim.inviteId];
}

function leaks(answer: ApiAnswer): string[] {
  const text = JSON.stringify(answer.body ?? '');
  return victimIds().filter((id) => text.includes(id));
}

const DOCS = /^(GET|HEAD) \/api\/docs/;

describe('forbidden matrix: every route, another tenant', () => {
  it('enumerates the same routes Express serves', () => {
    const declared = appRoutes(app).map((r) => r.key);
    const served = expressRouteKeys(app).filter((key) => !DOCS.test(key));
    expect([...new Set(served)].sort()).toEqual(declared);
    expect(declared.length).toBeGreaterThan(30);
  });

  it("answers 404 for B's ids, 403 on admin routes, and never shows B's data to A", async () => {
    const failures: string[] = [];
    const checked: string[] = [];
    // Reads first: A's own refused attempts below are recorded in A's audit log with the ids A tried.
    const reads = (route: AppRoute) => route.method === 'GET' && !route.path.includes(':');
    const routes = appRoutes(app);
    for (const route of [...routes.filter(reads), ...routes.filter((r) => !reads(r))]) {
      const params = [...route.path.matchAll(/:([A-Za-z0-9_]+)/g)].map((m) => m[1]!);
      const path = params.reduce(
        (p, name) => p.replace(`:${name}`, encodeURIComponent(paramValue(route, name))),
        route.path,
      );
      const publicRule = PUBLIC_ROUTES[route.key];
      const cookie = publicRule?.disposableSession ? await attackerSession() : attacker.cookie;
      const answer = await api.call(route.method, path, { cookie, body: sampleBody(route) });
      const got = `${route.key} → ${answer.status} ${JSON.stringify(answer.body)?.slice(0, 200)}`;
      if (route.isPublic) {
        if (!publicRule) failures.push(`${route.key} is public but not in PUBLIC_ROUTES (say why it may be)`);
        else if (publicRule.status !== 'any' && answer.status !== publicRule.status)
          failures.push(`expected ${publicRule.status}: ${got}`);
        if (leaks(answer).length) failures.push(`leaks B's ids: ${got}`);
      } else if (route.path.startsWith('/api/admin/')) {
        if (answer.status !== 403) failures.push(`expected 403: ${got}`);
      } else if (params.length > 0) {
        if (answer.status !== 404) failures.push(`expected 404: ${got}`);
      } else {
        if (answer.status < 200 || answer.status >= 300) failures.push(`expected 2xx: ${got}`);
        if (leaks(answer).length) failures.push(`leaks B's ids: ${got}`);
        if (route.method === 'GET') {
          // Asking for B's tenant explicitly: refused (404, or 400 for an unknown parameter) or ignored.
          const probe = await api.call('GET', `${path}?tenantId=${victim.tenantId}`, {
            cookie: attacker.cookie,
          });
          const refused = probe.status === 404 || probe.status === 400;
          if (!refused && (probe.status >= 300 || leaks(probe).length))
            failures.push(
              `?tenantId=B: ${route.key} → ${probe.status} ${JSON.stringify(probe.body)?.slice(0, 200)}`,
            );
        }
      }
      checked.push(route.key);
    }
    expect(failures).toEqual([]);
    expect(checked).toContain('DELETE /api/domains/:id');
    expect(checked).toContain('POST /api/admin/dead-letters/:queue/:jobId/retry');
  });

  it("left all of B's resources as they were", async () => {
    expect(
      (await api.call('GET', `/api/domains/${victim.domainId}`, { cookie: victim.cookie })).body.state,
    ).toBe('pending');
    expect((await api.call('GET', '/api/auth/me', { token: victim.token })).status).toBe(200);
    const members = (await api.call('GET', '/api/tenant/members', { cookie: victim.cookie })).body;
    expect(members.map((m: { id: string }) => m.id)).toEqual([victim.ownerId, victim.memberId]);
    const invites = (await api.call('GET', '/api/tenant/invites', { cookie: victim.cookie })).body;
    expect(invites.map((i: { id: string }) => i.id)).toContain(victim.inviteId);
    // Nothing A tried was recorded as an act in B's tenant.
    const audit = (await api.call('GET', '/api/audit?limit=200', { cookie: victim.cookie })).body.entries;
    const attackerId = (await api.call('GET', '/api/auth/me', { cookie: attacker.cookie })).body.user.id;
    expect(audit.filter((e: { actorUserId: string | null }) => e.actorUserId === attackerId)).toEqual([]);
    const fleet = await api.signUpAdmin(app.get(DataSource));
    const agents = (await api.call('GET', '/api/admin/fleet', { cookie: fleet.cookie })).body.agents;
    expect(agents.find((a: { agentId: string }) => a.agentId === agentId).state).toBe('ready');
  });

  it('every mutating route is audited, or says why not', () => {
    const unaccounted = appRoutes(app)
      .filter((route) => route.method !== 'GET')
      .filter(
        (route) =>
          !Reflect.getMetadata(AUDIT_SPEC, route.handler) && !Reflect.getMetadata(NOT_AUDITED, route.handler),
      )
      .map((route) => route.key);
    expect(unaccounted).toEqual([]);
  });
});
