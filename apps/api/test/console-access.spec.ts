import type { INestApplication } from '@nestjs/common';
import { SESSION_COOKIE, type SessionResponse } from '@xeno/contracts';
import { randomBytes } from 'node:crypto';
import { io as connect, type Socket } from 'socket.io-client';
import { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DomainEntity } from '../src/domains/domain.entity';
import { startTestApp, testApiConfig } from './api-test-app';

/*
 * The console gateway as AppModule wires it: authenticated by the API's own sessions, and a domain is
 * attachable only by its tenant — another tenant's domain answers exactly like a missing one.
 */
let app: INestApplication;
let baseUrl: string;
const sockets: Socket[] = [];

beforeAll(async () => {
  ({ app, baseUrl } = await startTestApp(testApiConfig()));
});

afterAll(async () => {
  for (const socket of sockets) socket.close();
  await app?.close();
});

async function signUp(): Promise<{ cookie: string; tenantId: string }> {
  const response = await fetch(`${baseUrl}/api/auth/signup`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      email: `console-${randomBytes(4).toString('hex')}@test.local`,
      password: 'correct horse battery',
      tenantName: 'Console Co',
    }),
  });
  expect(response.status).toBe(201);
  const match = new RegExp(`${SESSION_COOKIE}=([^;]+)`).exec(response.headers.get('set-cookie') ?? '');
  const session = (await response.json()) as SessionResponse;
  return { cookie: `${SESSION_COOKIE}=${match![1]}`, tenantId: session.tenant.id };
}

async function domainOf(tenantId: string): Promise<string> {
  const repo = app.get(DataSource).getRepository(DomainEntity);
  const saved = await repo.save(
    repo.create({
      tenantId,
      name: `d-${randomBytes(3).toString('hex')}`,
      imageId: 'xenolite',
      memoryMiB: 32,
      vcpus: 1,
    }),
  );
  return saved.id;
}

function consoleSocket(cookie?: string, auth: Record<string, string> = {}): Socket {
  const socket = connect(`${baseUrl}/console`, {
    transports: ['websocket'],
    forceNew: true,
    extraHeaders: cookie ? { cookie } : {},
    auth,
  });
  sockets.push(socket);
  return socket;
}

describe('console access through the API sessions', () => {
  it('lets a tenant attach to its own domain and refuses another tenant as if the domain did not exist', async () => {
    const alice = await signUp();
    const bob = await signUp();
    const alicesDomain = await domainOf(alice.tenantId);

    const own = await consoleSocket(alice.cookie).emitWithAck('attach', { domainId: alicesDomain });
    expect(own).toMatchObject({ ok: true, readOnly: false });

    const bobs = consoleSocket(bob.cookie);
    const foreign = await bobs.emitWithAck('attach', { domainId: alicesDomain });
    const missing = await bobs.emitWithAck('attach', { domainId: '00000000-0000-4000-8000-000000000000' });
    expect(foreign).toEqual({ ok: false, error: 'domain not found' });
    expect(foreign).toEqual(missing);
  });

  it('refuses a socket without a valid session', async () => {
    const socket = consoleSocket(`${SESSION_COOKIE}=forged`);
    const error = await new Promise<Error>((resolve) => socket.on('connect_error', resolve));
    expect(error.message).toMatch(/unauthori|not authenticated|credentials/i);
  });
});

describe('console share links', () => {
  const share = (domainId: string, cookie: string, body: unknown = {}) =>
    fetch(`${baseUrl}/api/domains/${domainId}/console/share`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', cookie },
      body: JSON.stringify(body),
    });

  it('are created by the domain tenant and attach read-only; others get 404, bad lifetimes 400', async () => {
    const alice = await signUp();
    const bob = await signUp();
    const domainId = await domainOf(alice.tenantId);

    const created = await share(domainId, alice.cookie, { ttlSeconds: 600 });
    expect(created.status).toBe(201);
    const link = (await created.json()) as { token: string; domainId: string; expiresAt: string };
    expect(link.domainId).toBe(domainId);
    expect(Date.parse(link.expiresAt)).toBeGreaterThan(Date.now());

    const viewer = consoleSocket(undefined, { share: link.token });
    expect(await viewer.emitWithAck('attach', { domainId })).toEqual({ ok: true, readOnly: true });
    expect(await viewer.emitWithAck('input', 'x')).toEqual({ ok: false, error: 'read-only viewer' });

    const foreign = await share(domainId, bob.cookie);
    const missing = await share('00000000-0000-4000-8000-000000000000', bob.cookie);
    expect(foreign.status).toBe(404);
    expect(await foreign.json()).toEqual(await missing.json());

    const tooLong = await share(domainId, alice.cookie, { ttlSeconds: 10 ** 9 });
    expect(tooLong.status).toBe(400);
    expect(((await tooLong.json()) as { message: string }).message).toMatch(/ttlSeconds must be an integer/);
  });
});
