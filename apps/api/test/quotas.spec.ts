import type { INestApplication } from '@nestjs/common';
import { DEFAULT_TENANT_QUOTA, type QuotaView } from '@xeno/contracts';
import { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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

describe('quotas', () => {
  it("shows the tenant's limits and what its domains hold", async () => {
    const owner = await api.signUp();
    const empty = await api.call('GET', '/api/quota', { cookie: owner.cookie });
    expect(empty.body).toEqual({
      tenantId: owner.session.tenant.id,
      limits: DEFAULT_TENANT_QUOTA,
      used: { domains: 0, memoryMiB: 0, vcpus: 0 },
    } satisfies QuotaView);
    await api.call('POST', '/api/domains', {
      cookie: owner.cookie,
      body: { name: 'counted', imageId: 'xenolite', memoryMiB: 96, vcpus: 2 },
    });
    const used = (await api.call('GET', '/api/quota', { cookie: owner.cookie })).body as QuotaView;
    expect(used.used).toEqual({ domains: 1, memoryMiB: 96, vcpus: 2 });
  });

  it("platform admins set any tenant's limits (audited in that tenant), which creates then obey", async () => {
    const owner = await api.signUp();
    const admin = await api.signUpAdmin(app.get(DataSource));
    const path = `/api/admin/tenants/${owner.session.tenant.id}/quota`;
    const limits = { maxDomains: 1, maxMemoryMiB: 128, maxVcpus: 2 };
    const put = await api.call('PUT', path, { cookie: admin.cookie, body: limits });
    expect(put.status).toBe(200);
    expect(put.body.limits).toEqual(limits);
    expect((await api.call('GET', path, { cookie: admin.cookie })).body.limits).toEqual(limits);
    expect((await api.call('GET', '/api/quota', { cookie: owner.cookie })).body.limits).toEqual(limits);

    const first = await api.call('POST', '/api/domains', {
      cookie: owner.cookie,
      body: { name: 'one', imageId: 'xenolite', memoryMiB: 64 },
    });
    expect(first.status).toBe(201);
    const second = await api.call('POST', '/api/domains', {
      cookie: owner.cookie,
      body: { name: 'two', imageId: 'xenolite', memoryMiB: 64 },
    });
    expect(second.status).toBe(422);
    expect(second.body.message).toBe('quota exceeded: domains 2 > 1');

    const audit = (await api.call('GET', '/api/audit?limit=5', { cookie: owner.cookie })).body.entries;
    const change = audit.find((e: { action: string }) => e.action === 'tenant.quota.update');
    expect(change).toMatchObject({
      actorUserId: admin.session.user.id,
      tenantId: owner.session.tenant.id,
      result: 'ok',
      detail: 'domains 1, memory 128 MiB, vCPUs 2',
    });
  });

  it('refuses bad limits (400), unknown tenants (404) and anyone but platform admins (403)', async () => {
    const owner = await api.signUp();
    const admin = await api.signUpAdmin(app.get(DataSource));
    const path = `/api/admin/tenants/${owner.session.tenant.id}/quota`;
    const negative = await api.call('PUT', path, {
      cookie: admin.cookie,
      body: { maxDomains: -1, maxMemoryMiB: 1, maxVcpus: 1 },
    });
    expect(negative.status).toBe(400);
    expect(JSON.stringify(negative.body.message)).toContain('maxDomains must not be less than 0');
    const partial = await api.call('PUT', path, { cookie: admin.cookie, body: { maxDomains: 3 } });
    expect(partial.status).toBe(400);
    const missing = await api.call('GET', '/api/admin/tenants/00000000-0000-4000-8000-000000000000/quota', {
      cookie: admin.cookie,
    });
    expect(missing.status).toBe(404);
    const self = await api.call('PUT', path, {
      cookie: owner.cookie,
      body: { maxDomains: 100, maxMemoryMiB: 100_000, maxVcpus: 100 },
    });
    expect(self.status).toBe(403);
    expect((await api.call('GET', '/api/quota', { cookie: owner.cookie })).body.limits).toEqual(
      DEFAULT_TENANT_QUOTA,
    );
  });
});
