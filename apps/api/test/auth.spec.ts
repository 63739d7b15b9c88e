import type { INestApplication } from '@nestjs/common';
import { SESSION_COOKIE, type CreatedApiToken, type SessionResponse } from '@xeno/contracts';
import { createHash, randomBytes } from 'node:crypto';
import { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuthService } from '../src/auth/auth.service';
import { startTestApp, testApiConfig } from './api-test-app';

let app: INestApplication;
let baseUrl: string;

beforeAll(async () => {
  ({ app, baseUrl } = await startTestApp(testApiConfig()));
});
afterAll(async () => {
  await app?.close();
});

function uniqueEmail(): string {
  return `user-${randomBytes(4).toString('hex')}@example.test`;
}

async function call(
  method: string,
  path: string,
  options: { body?: unknown; cookie?: string; token?: string } = {},
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
): Promise<{ status: number; body: any; setCookie: string | null }> {
  const headers: Record<string, string> = {};
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  if (options.cookie) headers.cookie = options.cookie;
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  const response = await fetch(baseUrl + path, {
    method,
    headers,
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
  });
  const text = await response.text();
  return {
    status: response.status,
    body: text ? JSON.parse(text) : undefined,
    setCookie: response.headers.get('set-cookie'),
  };
}

/** `xeno_session=<secret>` from a Set-Cookie header. */
function sessionCookie(setCookie: string | null): string {
  const match = new RegExp(`${SESSION_COOKIE}=([^;]+)`).exec(setCookie ?? '');
  if (!match) throw new Error(`no session cookie in ${setCookie}`);
  return `${SESSION_COOKIE}=${match[1]}`;
}

async function signUp(
  email = uniqueEmail(),
): Promise<{ cookie: string; session: SessionResponse; email: string }> {
  const response = await call('POST', '/api/auth/signup', {
    body: { email, password: 'correct horse battery', tenantName: 'Acme' },
  });
  expect(response.status).toBe(201);
  return { cookie: sessionCookie(response.setCookie), session: response.body, email };
}

describe('accounts: sign up, log in, sessions', () => {
  it('sign up creates a tenant and its owner, sets an httpOnly session cookie, and /me answers with it', async () => {
    const email = uniqueEmail();
    const response = await call('POST', '/api/auth/signup', {
      body: { email: email.toUpperCase(), password: 'correct horse battery', tenantName: 'Acme' },
    });
    expect(response.status).toBe(201);
    expect(response.setCookie).toMatch(/HttpOnly/i);
    expect(response.body.user).toMatchObject({ email, role: 'owner' });
    expect(response.body.tenant).toMatchObject({ name: 'Acme', id: response.body.user.tenantId });

    const me = await call('GET', '/api/auth/me', { cookie: sessionCookie(response.setCookie) });
    expect(me.status).toBe(200);
    expect(me.body).toEqual(response.body);
  });

  it('stores only the hash of the session secret', async () => {
    const { cookie, session } = await signUp();
    const secret = cookie.split('=')[1]!;
    const rows = await app
      .get(DataSource)
      .query(`SELECT secret_hash FROM sessions WHERE user_id = $1`, [session.user.id]);
    expect(rows).toEqual([{ secret_hash: createHash('sha256').update(secret).digest('hex') }]);
  });

  it('refuses a second account with the same email (409)', async () => {
    const { email } = await signUp();
    const again = await call('POST', '/api/auth/signup', {
      body: { email, password: 'another password', tenantName: 'Other' },
    });
    expect(again.status).toBe(409);
  });

  it('rejects unknown fields and bad values with 400 naming them', async () => {
    const extra = await call('POST', '/api/auth/signup', {
      body: {
        email: uniqueEmail(),
        password: 'correct horse battery',
        tenantName: 'A',
        role: 'platform-admin',
      },
    });
    expect(extra.status).toBe(400);
    expect(JSON.stringify(extra.body.message)).toContain('property role should not exist');
    const short = await call('POST', '/api/auth/signup', {
      body: { email: uniqueEmail(), password: 'short', tenantName: 'A' },
    });
    expect(short.status).toBe(400);
    expect(JSON.stringify(short.body.message)).toContain('password');
  });

  it('logs in with the right password, refuses a wrong one and an unknown email alike (401)', async () => {
    const { email } = await signUp();
    const ok = await call('POST', '/api/auth/login', { body: { email, password: 'correct horse battery' } });
    expect(ok.status).toBe(200);
    expect((await call('GET', '/api/auth/me', { cookie: sessionCookie(ok.setCookie) })).status).toBe(200);
    const wrong = await call('POST', '/api/auth/login', { body: { email, password: 'wrong password!' } });
    const unknown = await call('POST', '/api/auth/login', { body: { email: uniqueEmail(), password: 'x' } });
    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(401);
    expect(wrong.body.message).toBe(unknown.body.message);
  });

  it('logout ends the session server-side', async () => {
    const { cookie } = await signUp();
    expect((await call('POST', '/api/auth/logout', { cookie })).status).toBe(204);
    expect((await call('GET', '/api/auth/me', { cookie })).status).toBe(401);
  });

  it('guards routes: no credentials, a forged cookie or a forged token get 401; health stays public', async () => {
    expect((await call('GET', '/api/auth/me')).status).toBe(401);
    expect((await call('GET', '/api/auth/me', { cookie: `${SESSION_COOKIE}=forged` })).status).toBe(401);
    expect((await call('GET', '/api/auth/me', { token: 'xt_forged' })).status).toBe(401);
    expect((await call('GET', '/api/tokens')).status).toBe(401);
    expect((await call('GET', '/api/health')).status).toBe(200);
  });
});

describe('personal API tokens', () => {
  it('are shown once, authenticate as Bearer, are listed without the secret, and stop working when revoked', async () => {
    const { cookie, session } = await signUp();
    const created = await call('POST', '/api/tokens', { cookie, body: { name: 'ci', expiresInDays: 30 } });
    expect(created.status).toBe(201);
    const token = (created.body as CreatedApiToken).token;
    expect(token).toMatch(/^xt_/);
    expect(token.startsWith(created.body.prefix)).toBe(true);

    const me = await call('GET', '/api/auth/me', { token });
    expect(me.status).toBe(200);
    expect(me.body.user.id).toBe(session.user.id);

    const list = await call('GET', '/api/tokens', { token });
    expect(list.body).toHaveLength(1);
    expect(list.body[0]).toMatchObject({ id: created.body.id, name: 'ci' });
    expect(list.body[0].lastUsedAt).not.toBeNull();
    expect(JSON.stringify(list.body)).not.toContain(token);

    const stored = await app
      .get(DataSource)
      .query(`SELECT secret_hash FROM api_tokens WHERE id = $1`, [created.body.id]);
    expect(stored[0].secret_hash).toBe(createHash('sha256').update(token).digest('hex'));

    expect((await call('DELETE', `/api/tokens/${created.body.id}`, { cookie })).status).toBe(204);
    expect((await call('GET', '/api/auth/me', { token })).status).toBe(401);
    expect((await call('GET', '/api/tokens', { cookie })).body).toEqual([]);
  });

  it("another user's token id is not found (404), and it keeps working", async () => {
    const alice = await signUp();
    const bob = await signUp();
    const created = await call('POST', '/api/tokens', { cookie: alice.cookie, body: { name: 'mine' } });
    expect((await call('DELETE', `/api/tokens/${created.body.id}`, { cookie: bob.cookie })).status).toBe(404);
    expect((await call('GET', '/api/auth/me', { token: created.body.token })).status).toBe(200);
  });
});

describe('AuthService.principalFromCookieOrToken (for the console gateway)', () => {
  it('resolves a cookie header or an Authorization header into the same principal', async () => {
    const { cookie, session } = await signUp();
    const created = await call('POST', '/api/tokens', { cookie, body: { name: 'socket' } });
    const auth = app.get(AuthService);
    const expected = { userId: session.user.id, tenantId: session.tenant.id, role: 'owner' };
    expect(await auth.principalFromCookieOrToken(`other=1; ${cookie}`, undefined)).toEqual({
      ...expected,
      via: 'session',
    });
    expect(await auth.principalFromCookieOrToken(undefined, `Bearer ${created.body.token}`)).toEqual({
      ...expected,
      via: 'token',
    });
    expect(await auth.principalFromCookieOrToken('garbage', 'Basic abc')).toBeUndefined();
  });
});

describe('auth throttling', () => {
  it('answers 429 once a client exceeds the auth route limit', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 25; i++) {
      statuses.push(
        (await call('POST', '/api/auth/login', { body: { email: uniqueEmail(), password: 'x' } })).status,
      );
    }
    expect(statuses).toContain(429);
    expect(statuses.filter((status) => status === 401).length).toBeLessThanOrEqual(20);
  });
});
