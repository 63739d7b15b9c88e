import type { INestApplication } from '@nestjs/common';
import { SESSION_COOKIE, type CreatedInvite, type MemberView } from '@xeno/contracts';
import { randomBytes } from 'node:crypto';
import { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiClient, type ApiAnswer } from './api-client';
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

const email = () => `invitee-${randomBytes(4).toString('hex')}@example.test`;
const PASSWORD = 'a long enough password';

function cookieOf(answer: ApiAnswer): string {
  const match = new RegExp(`${SESSION_COOKIE}=([^;]+)`).exec(answer.setCookie ?? '');
  if (!match) throw new Error(`no session cookie (${answer.status} ${JSON.stringify(answer.body)})`);
  return `${SESSION_COOKIE}=${match[1]}`;
}

async function invite(cookie: string, to = email()): Promise<CreatedInvite> {
  const answer = await api.call('POST', '/api/tenant/invites', { cookie, body: { email: to } });
  expect(answer.status).toBe(201);
  return answer.body as CreatedInvite;
}

/** An owner, and a member who joined through an invite. */
async function tenantWithMember() {
  const owner = await api.signUp();
  const invited = await invite(owner.cookie);
  const accepted = await api.call('POST', '/api/auth/accept-invite', {
    body: { token: invited.token, password: PASSWORD },
  });
  expect(accepted.status).toBe(201);
  return { owner, invited, member: { cookie: cookieOf(accepted), id: accepted.body.user.id as string } };
}

describe('tenant invites', () => {
  it('an owner invites; the token joins a new account as a member and logs it in, once', async () => {
    const owner = await api.signUp();
    const to = email();
    const invited = await invite(owner.cookie, to.toUpperCase());
    expect(invited).toMatchObject({ email: to, acceptedAt: null });
    expect(invited.token).toMatch(/^xi_/);
    const stored = await app
      .get(DataSource)
      .query(`SELECT "token_hash" FROM "tenant_invites" WHERE "id" = $1`, [invited.id]);
    expect(stored[0].token_hash).not.toContain(invited.token);
    expect(Date.parse(invited.expiresAt) - Date.parse(invited.createdAt)).toBeCloseTo(168 * 3_600_000, -4);

    const accepted = await api.call('POST', '/api/auth/accept-invite', {
      body: { token: invited.token, password: PASSWORD },
    });
    expect(accepted.status).toBe(201);
    expect(accepted.body.user).toMatchObject({
      email: to,
      role: 'member',
      tenantId: owner.session.tenant.id,
    });
    expect(accepted.body.tenant.id).toBe(owner.session.tenant.id);
    const me = await api.call('GET', '/api/auth/me', { cookie: cookieOf(accepted) });
    expect(me.body.user.email).toBe(to);
    const login = await api.call('POST', '/api/auth/login', { body: { email: to, password: PASSWORD } });
    expect(login.status).toBe(200);

    const again = await api.call('POST', '/api/auth/accept-invite', {
      body: { token: invited.token, password: PASSWORD },
    });
    expect(again.status).toBe(409);
    expect(again.body.message).toBe('this invite was already used');
    const unknown = await api.call('POST', '/api/auth/accept-invite', {
      body: { token: 'xi_nope', password: PASSWORD },
    });
    expect(unknown.status).toBe(404);

    const members = (await api.call('GET', '/api/tenant/members', { cookie: owner.cookie }))
      .body as MemberView[];
    expect(members.map((m) => [m.email, m.role])).toEqual([
      [owner.session.user.email, 'owner'],
      [to, 'member'],
    ]);
    const invites = (await api.call('GET', '/api/tenant/invites', { cookie: owner.cookie })).body;
    expect(invites).toHaveLength(1);
    expect(invites[0].acceptedAt).not.toBeNull();
    expect(invites[0].token).toBeUndefined();
    const audit = (await api.call('GET', '/api/audit?limit=3', { cookie: owner.cookie })).body.entries;
    expect(audit.map((e: { action: string }) => e.action)).toEqual([
      'auth.login',
      'tenant.invite.accept',
      'tenant.invite.create',
    ]);
  });

  it('refuses expired, revoked and malformed invites with specific errors', async () => {
    const owner = await api.signUp();
    const expired = await invite(owner.cookie);
    await app
      .get(DataSource)
      .query(`UPDATE "tenant_invites" SET "expires_at" = now() - interval '1 minute' WHERE "id" = $1`, [
        expired.id,
      ]);
    const late = await api.call('POST', '/api/auth/accept-invite', {
      body: { token: expired.token, password: PASSWORD },
    });
    expect(late.status).toBe(410);
    expect(late.body.message).toMatch(/^this invite expired at /);

    const revoked = await invite(owner.cookie);
    expect(
      (await api.call('DELETE', `/api/tenant/invites/${revoked.id}`, { cookie: owner.cookie })).status,
    ).toBe(204);
    expect(
      (
        await api.call('POST', '/api/auth/accept-invite', {
          body: { token: revoked.token, password: PASSWORD },
        })
      ).status,
    ).toBe(404);
    expect(
      (await api.call('DELETE', `/api/tenant/invites/${revoked.id}`, { cookie: owner.cookie })).status,
    ).toBe(404);

    const short = await invite(owner.cookie);
    const weak = await api.call('POST', '/api/auth/accept-invite', {
      body: { token: short.token, password: 'short' },
    });
    expect(weak.status).toBe(400);
    expect(weak.body.message).toContain('password must be 10..200 characters');
    expect(
      (
        await api.call('POST', '/api/tenant/invites', {
          cookie: owner.cookie,
          body: { email: 'not-an-email' },
        })
      ).status,
    ).toBe(400);
    const tooLong = await api.call('POST', '/api/tenant/invites', {
      cookie: owner.cookie,
      body: { email: email(), expiresInHours: 721 },
    });
    expect(tooLong.status).toBe(400);
    const self = await api.call('POST', '/api/tenant/invites', {
      cookie: owner.cookie,
      body: { email: owner.session.user.email },
    });
    expect(self.status).toBe(409);
  });

  it('lets an existing member of another tenant join with their password (log-in), but never an owner', async () => {
    const { member } = await tenantWithMember();
    const memberEmail = (await api.call('GET', '/api/auth/me', { cookie: member.cookie })).body.user.email;
    const other = await api.signUp();
    const toMember = await invite(other.cookie, memberEmail);
    const wrong = await api.call('POST', '/api/auth/accept-invite', {
      body: { token: toMember.token, password: 'wrong password!' },
    });
    expect(wrong.status).toBe(401);
    const moved = await api.call('POST', '/api/auth/accept-invite', {
      body: { token: toMember.token, password: PASSWORD },
    });
    expect(moved.status).toBe(201);
    expect(moved.body.user).toMatchObject({
      id: member.id,
      tenantId: other.session.tenant.id,
      role: 'member',
    });

    const owner = await api.signUp();
    const toOwner = await invite(other.cookie, owner.session.user.email);
    const refused = await api.call('POST', '/api/auth/accept-invite', {
      body: { token: toOwner.token, password: 'correct horse battery' },
    });
    expect(refused.status).toBe(409);
    expect(refused.body.message).toContain('is the owner of another tenant');
  });
});

describe('roles inside a tenant', () => {
  it('members use domains and their own tokens; only the owner invites and removes (403)', async () => {
    const { owner, member, invited } = await tenantWithMember();
    // Domains are the tenant's: a member creates one, the owner sees it and can act on it.
    const domain = await api.call('POST', '/api/domains', {
      cookie: member.cookie,
      body: { name: 'shared', imageId: 'xenolite', memoryMiB: 64 },
    });
    expect(domain.status).toBe(201);
    expect((await api.call('GET', `/api/domains/${domain.body.id}`, { cookie: owner.cookie })).status).toBe(
      200,
    );
    expect((await api.call('GET', '/api/tenant/members', { cookie: member.cookie })).status).toBe(200);
    expect((await api.call('GET', '/api/audit', { cookie: member.cookie })).status).toBe(200);
    expect((await api.call('GET', '/api/usage', { cookie: member.cookie })).status).toBe(200);

    for (const [method, path, body] of [
      ['POST', '/api/tenant/invites', { email: email() }],
      ['GET', '/api/tenant/invites', undefined],
      ['DELETE', `/api/tenant/invites/${invited.id}`, undefined],
      ['DELETE', `/api/tenant/members/${owner.session.user.id}`, undefined],
      ['GET', '/api/admin/usage', undefined],
    ] as const) {
      const answer = await api.call(method, path, { cookie: member.cookie, body });
      expect(answer.status, `${method} ${path}`).toBe(403);
    }
    // Tokens are personal: the owner cannot see or revoke the member's.
    const token = await api.call('POST', '/api/tokens', { cookie: member.cookie, body: { name: 'mine' } });
    expect((await api.call('DELETE', `/api/tokens/${token.body.id}`, { cookie: owner.cookie })).status).toBe(
      404,
    );
    expect((await api.call('GET', '/api/tokens', { cookie: owner.cookie })).body).toEqual([]);
    expect((await api.call('GET', '/api/auth/me', { token: token.body.token })).status).toBe(200);
  });

  it("the owner removes a member (their sessions and tokens end), not themselves nor other tenants' users", async () => {
    const { owner, member } = await tenantWithMember();
    const token = (await api.call('POST', '/api/tokens', { cookie: member.cookie, body: { name: 'cli' } }))
      .body.token;
    const stranger = await api.signUp();
    expect(
      (await api.call('DELETE', `/api/tenant/members/${stranger.session.user.id}`, { cookie: owner.cookie }))
        .status,
    ).toBe(404);
    const self = await api.call('DELETE', `/api/tenant/members/${owner.session.user.id}`, {
      cookie: owner.cookie,
    });
    expect(self.status).toBe(409);
    expect(
      (await api.call('DELETE', `/api/tenant/members/${member.id}`, { cookie: owner.cookie })).status,
    ).toBe(204);
    expect((await api.call('GET', '/api/auth/me', { cookie: member.cookie })).status).toBe(401);
    expect((await api.call('GET', '/api/auth/me', { token })).status).toBe(401);
    const members = (await api.call('GET', '/api/tenant/members', { cookie: owner.cookie }))
      .body as MemberView[];
    expect(members.map((m) => m.id)).toEqual([owner.session.user.id]);
  });
});
