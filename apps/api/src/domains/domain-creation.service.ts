import { Injectable, NotFoundException, UnprocessableEntityException } from '@nestjs/common';
import type { QuotaUsage } from '@xeno/contracts';
import { DataSource, type EntityManager } from 'typeorm';
import { TenantEntity } from '../tenants/tenant.entity';
import { DomainEntity } from './domain.entity';
import { quotaProblem } from './quota-check';

export interface NewDomain {
  name: string;
  imageId: string;
  memoryMiB: number;
  vcpus: number;
  weight: number;
  cmdline: string;
}

/**
 * Creates domains against the tenant's quota atomically: the tenant row is locked (FOR UPDATE) for the
 * check-and-insert, so concurrent creates of one tenant serialise and cannot both slip past a limit,
 * while other tenants are not blocked.
 */
@Injectable()
export class DomainCreation {
  constructor(private readonly dataSource: DataSource) {}

  create(tenantId: string, domain: NewDomain): Promise<DomainEntity> {
    return this.dataSource.transaction(async (manager) => {
      const tenant = await manager
        .getRepository(TenantEntity)
        .createQueryBuilder('tenant')
        .setLock('pessimistic_write')
        .where('tenant.id = :tenantId', { tenantId })
        .getOne();
      if (!tenant) throw new NotFoundException('tenant not found');
      const problem = quotaProblem(tenant, await usageOf(manager, tenantId), domain);
      if (problem) throw new UnprocessableEntityException(problem);
      return manager.save(
        manager.create(DomainEntity, { ...domain, tenantId, state: 'pending', agentId: null }),
      );
    });
  }
}

/** What a tenant's domains hold against its quota (every recorded domain counts, whatever its state). */
export async function usageOf(manager: EntityManager, tenantId: string): Promise<QuotaUsage> {
  const row = await manager
    .getRepository(DomainEntity)
    .createQueryBuilder('domain')
    .select('COUNT(*)::int', 'domains')
    .addSelect('COALESCE(SUM(domain.memory_mib), 0)::int', 'memoryMiB')
    .addSelect('COALESCE(SUM(domain.vcpus), 0)::int', 'vcpus')
    .where('domain.tenant_id = :tenantId', { tenantId })
    .getRawOne<QuotaUsage>();
  return row ?? { domains: 0, memoryMiB: 0, vcpus: 0 };
}
