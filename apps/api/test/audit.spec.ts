import type { INestApplication } from '@nestjs/common';
import type { AuditEntry, AuditPage } from '@xeno/contracts';
import { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAuditCursor } from '../src/audit/audit-cursor';
import { apiClient } from './api-client';
import { startTestApp, testApiConfig } from './api-test-app';

let app: INestApplication;
let api: ReturnType<typeof apiClient>;

beforeAll(async () => {
  let baseUrl: string;
  ({ app, baseUrl } = await startTestApp(testApiConfig()));
  api = apiClient(baseUrl);
});
afterAll(async () => {
  await app?.close();
});

async function auditOf(cookie: string, query = ''): Promise<AuditPage> {
  const answer = await api.call('GET', `/api/audit${query}`, { cookie });
  expect(answer.status).toBe(200);
  return answer.body as AuditPage;
}

/** action/result/target of each entry, oldest first, for readable comparisons. */
const summary = (entries: AuditEntry[]) =>
  [...entries].reverse().map((e) => `${e.action} ${e.result}${e.target ? ` ${e.target}` : ''}`);

describe('audit log', () => {
  it("records a tenant's mutating requests — accepted, refused and failed — newest first", async () => {
    const { cookie, session } = await api.signUp();
    const tenantId = session.tenant.id;
    const userId = session.user.id;

    const wrong = await api.call('POST', '/api/auth/login', {
      body: { email: session.user.email, password: 'not the password at all' },
    });
    expect(wrong.status).toBe(401);
    const login = await api.call('POST', '/api/auth/login', {
      body: { email: session.user.email, password: 'correct horse battery' },
    });
    expect(login.status).toBe(200);
    const token = await api.call('POST', '/api/tokens', { cookie, body: { name: 'cli' } });
    expect(token.status).toBe(201);
    expect((await api.call('DELETE', `/api/tokens/${token.body.id}`, { cookie })).status).toBe(204);
    const domain = await api.call('POST', '/api/domains', {
      cookie,
      body: { name: 'audited', imageId: 'xenolite', memoryMiB: 64, vcpus: 1 },
    });
    expect(domain.status).toBe(201);
    const domainId = domain.body.id as string;
    // Refused by the state machine (409), then accepted but failed: there is no agent to place it on.
    expect(
      (await api.call('POST', `/api/domains/${domainId}/actions`, { cookie, body: { action: 'pause' } }))
        .status,
    ).toBe(409);
    const start = await api.call('POST', `/api/domains/${domainId}/actions`, {
      cookie,
      body: { action: 'start' },
    });
    expect(start.status).toBe(202);
    expect(start.body.status).toBe('failed');
    // A validation error is a refusal too.
    expect(
      (await api.call('POST', '/api/domains', { cookie, body: { name: 'Bad Name', imageId: 'xenolite' } }))
        .status,
    ).toBe(400);
    expect((await api.call('DELETE', `/api/domains/${domainId}`, { cookie })).status).toBe(204);

    const page = await auditOf(cookie);
    expect(summary(page.entries)).toEqual([
      `auth.signup ok tenant:${tenantId}`,
      `auth.login refused user:${userId}`,
      `auth.login ok user:${userId}`,
      `token.create ok token:${token.body.id}`,
      `token.revoke ok token:${token.body.id}`,
      `domain.create ok domain:${domainId}`,
      `domain.action.pause refused domain:${domainId}`,
      `domain.action.start failed domain:${domainId}`,
      'domain.create refused',
      `domain.delete ok domain:${domainId}`,
    ]);
    const byAction = new Map(page.entries.map((e) => [`${e.action} ${e.result}`, e]));
    expect(byAction.get('auth.login refused')).toMatchObject({
      actorUserId: null,
      tenantId,
      detail: 'wrong email or password',
    });
    expect(byAction.get('domain.action.pause refused')!.detail).toContain(
      'cannot pause a domain that is pending',
    );
    expect(byAction.get('domain.action.start failed')!.detail).toContain('no agent has room');
    expect(byAction.get('domain.create refused')!.detail).toContain('name must be');
    expect(byAction.get('domain.delete ok')).toMatchObject({ actorUserId: userId, tenantId });
    const times = page.entries.map((e) => Date.parse(e.at));
    expect(times).toEqual([...times].sort((a, b) => b - a));
    expect(page.before).toBeNull();

    // Logging out is recorded for the session's owner, though the route is public.
    expect((await api.call('POST', '/api/auth/logout', { cookie })).status).toBe(204);
    const relogged = await api.call('POST', '/api/auth/login', {
      body: { email: session.user.email, password: 'correct horse battery' },
    });
    const cookie2 = `xeno_session=${/xeno_session=([^;]+)/.exec(relogged.setCookie ?? '')![1]}`;
    const latest = (await auditOf(cookie2, '?limit=2')).entries;
    expect(latest.map((e) => `${e.action} ${e.result}`)).toEqual(['auth.login ok', 'auth.logout ok']);
    expect(latest[1]).toMatchObject({ actorUserId: userId, tenantId });
  });

  it('pages with the `before` cursor without repeating or skipping entries', async () => {
    const { cookie } = await api.signUp();
    for (let i = 0; i < 7; i++)
      expect((await api.call('POST', '/api/tokens', { cookie, body: { name: `t${i}` } })).status).toBe(201);
    const all = (await auditOf(cookie, '?limit=200')).entries;
    expect(all).toHaveLength(8); // sign-up and seven tokens
    const walked: AuditEntry[] = [];
    let before: string | null = null;
    do {
      const query: string = `?limit=3${before ? `&before=${encodeURIComponent(before)}` : ''}`;
      const page: AuditPage = await auditOf(cookie, query);
      expect(page.entries.length).toBeLessThanOrEqual(3);
      walked.push(...page.entries);
      before = page.before;
    } while (before);
    expect(walked.map((e) => e.id)).toEqual(all.map((e) => e.id));
    // A bare instant: strictly older entries.
    const older = await auditOf(cookie, `?before=${encodeURIComponent(all[2]!.at)}&limit=200`);
    expect(older.entries.every((e) => Date.parse(e.at) < Date.parse(all[2]!.at))).toBe(true);
  });

  it("refuses malformed cursors and limits, and hides another tenant's log (404) from all but admins", async () => {
    const a = await api.signUp();
    const b = await api.signUp();
    expect((await api.call('GET', '/api/audit?before=yesterday', { cookie: a.cookie })).status).toBe(400);
    expect((await api.call('GET', '/api/audit?limit=0', { cookie: a.cookie })).status).toBe(400);
    expect((await api.call('GET', '/api/audit?tenantId=nope', { cookie: a.cookie })).status).toBe(400);
    expect((await api.call('GET', '/api/audit')).status).toBe(401);

    const snoop = await api.call('GET', `/api/audit?tenantId=${b.session.tenant.id}`, { cookie: a.cookie });
    expect(snoop.status).toBe(404);
    expect((await auditOf(a.cookie)).entries.every((e) => e.tenantId === a.session.tenant.id)).toBe(true);

    const admin = await api.signUpAdmin(app.get(DataSource));
    const asAdmin = await auditOf(admin.cookie, `?tenantId=${b.session.tenant.id}`);
    expect(summary(asAdmin.entries)).toEqual([`auth.signup ok tenant:${b.session.tenant.id}`]);
    const missing = await api.call('GET', '/api/audit?tenantId=00000000-0000-4000-8000-000000000000', {
      cookie: admin.cookie,
    });
    expect(missing.status).toBe(404);
  });

  it('parses cursors strictly', () => {
    expect(parseAuditCursor('2026-01-02T03:04:05.678Z')).toEqual({
      at: new Date('2026-01-02T03:04:05.678Z'),
      id: null,
    });
    const id = '0b7e4f7a-2c1d-4c3e-9f00-123456789abc';
    expect(parseAuditCursor(`2026-01-02T03:04:05.678Z~${id}`)).toEqual({
      at: new Date('2026-01-02T03:04:05.678Z'),
      id,
    });
    expect(typeof parseAuditCursor('2026-01-02T03:04:05.678Z~not-a-uuid')).toBe('string');
    expect(typeof parseAuditCursor('soon')).toBe('string');
    expect(typeof parseAuditCursor(`2026-01-02T03:04:05.678Z~${id}~x`)).toBe('string');
  });
});
