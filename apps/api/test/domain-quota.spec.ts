import type { INestApplication } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DomainCreation, type NewDomain } from '../src/domains/domain-creation.service';
import { DomainEntity } from '../src/domains/domain.entity';
import { TenantEntity } from '../src/tenants/tenant.entity';
import { createTestApp, testApiConfig } from './api-test-app';

const domain = (name: string, memoryMiB = 16, vcpus = 1): NewDomain => ({
  name,
  imageId: 'xenolite',
  memoryMiB,
  vcpus,
  weight: 256,
  cmdline: '',
});

describe('domain creation against the tenant quota (real Postgres)', () => {
  let app: INestApplication;
  let creation: DomainCreation;
  const newTenant = (quota: Partial<TenantEntity>) =>
    app
      .get(DataSource)
      .getRepository(TenantEntity)
      .save({ name: 'quota-test', ...quota });
  const countDomains = (tenantId: string) =>
    app.get(DataSource).getRepository(DomainEntity).countBy({ tenantId });

  beforeAll(async () => {
    app = await createTestApp(testApiConfig());
    creation = app.get(DomainCreation);
  });
  afterAll(() => app.close());

  it('lets exactly maxDomains of many concurrent creates through', async () => {
    const tenant = await newTenant({ maxDomains: 3 });
    const results = await Promise.allSettled(
      Array.from({ length: 8 }, (_, i) => creation.create(tenant.id, domain(`d${i}`))),
    );
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(3);
    const refusals = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(refusals).toHaveLength(5);
    for (const refusal of refusals) {
      expect(refusal.reason.getStatus()).toBe(422);
      expect(refusal.reason.message).toBe('quota exceeded: domains 4 > 3');
    }
    expect(await countDomains(tenant.id)).toBe(3);
  });

  it('holds the memory limit under concurrency too', async () => {
    const tenant = await newTenant({ maxMemoryMiB: 100 });
    const results = await Promise.allSettled(
      Array.from({ length: 6 }, (_, i) => creation.create(tenant.id, domain(`m${i}`, 30))),
    );
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(3);
    expect(await countDomains(tenant.id)).toBe(3);
  });

  it('counts only the tenant’s own domains', async () => {
    const full = await newTenant({ maxDomains: 1 });
    const other = await newTenant({ maxDomains: 1 });
    await creation.create(full.id, domain('only'));
    await expect(creation.create(other.id, domain('only'))).resolves.toMatchObject({
      tenantId: other.id,
      state: 'pending',
    });
  });

  it('answers 404 for an unknown tenant', async () => {
    await expect(creation.create('00000000-0000-4000-8000-000000000000', domain('x'))).rejects.toMatchObject({
      status: 404,
    });
  });
});
