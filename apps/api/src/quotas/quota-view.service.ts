import { Injectable, NotFoundException } from '@nestjs/common';
import type { QuotaView, TenantQuota } from '@xeno/contracts';
import { DataSource, type EntityManager } from 'typeorm';
import { usageOf } from '../domains/domain-creation.service';
import { TenantEntity } from '../tenants/tenant.entity';

/**
 * A tenant's quota and what its domains hold against it. Changing the limits locks the tenant row, as
 * domain creation does, so a change and a create never interleave. Limits may be set below current use:
 * nothing is removed, further creates are refused until the tenant is under them again.
 */
@Injectable()
export class Quotas {
  constructor(private readonly dataSource: DataSource) {}

  view(tenantId: string): Promise<QuotaView> {
    return this.dataSource.transaction((manager) => this.viewIn(manager, tenantId, false));
  }

  update(tenantId: string, limits: TenantQuota): Promise<QuotaView> {
    return this.dataSource.transaction(async (manager) => {
      await this.viewIn(manager, tenantId, true);
      await manager
        .getRepository(TenantEntity)
        .update(
          { id: tenantId },
          { maxDomains: limits.maxDomains, maxMemoryMiB: limits.maxMemoryMiB, maxVcpus: limits.maxVcpus },
        );
      return this.viewIn(manager, tenantId, false);
    });
  }

  private async viewIn(manager: EntityManager, tenantId: string, lock: boolean): Promise<QuotaView> {
    const query = manager
      .getRepository(TenantEntity)
      .createQueryBuilder('tenant')
      .where('tenant.id = :tenantId', {
        tenantId,
      });
    if (lock) query.setLock('pessimistic_write');
    const tenant = await query.getOne();
    if (!tenant) throw new NotFoundException('tenant not found');
    return {
      tenantId,
      limits: { maxDomains: tenant.maxDomains, maxMemoryMiB: tenant.maxMemoryMiB, maxVcpus: tenant.maxVcpus },
      used: await usageOf(manager, tenantId),
    };
  }
}
