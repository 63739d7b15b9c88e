import { Body, Controller, Get, Param, ParseUUIDPipe, Put } from '@nestjs/common';
import type { QuotaView, RequestPrincipal, UpdateQuotaRequest } from '@xeno/contracts';
import { IsInt, Max, Min } from 'class-validator';
import { Audited } from '../audit/audited.decorator';
import { Principal } from '../auth/public.decorator';
import { PlatformAdminOnly } from '../auth/require-role.decorator';
import { DOMAIN_LIMITS } from '../domains/domains.dto';
import { Quotas } from './quota-view.service';

export class UpdateQuotaDto implements UpdateQuotaRequest {
  @IsInt()
  @Min(0)
  @Max(10_000)
  maxDomains!: number;

  @IsInt()
  @Min(0)
  @Max(10_000 * DOMAIN_LIMITS.maxMemoryMiB)
  maxMemoryMiB!: number;

  @IsInt()
  @Min(0)
  @Max(10_000 * DOMAIN_LIMITS.maxVcpus)
  maxVcpus!: number;
}

/** The caller's tenant's quota (any member may read it). */
@Controller('quota')
export class QuotaController {
  constructor(private readonly quotas: Quotas) {}

  @Get()
  get(@Principal() principal: RequestPrincipal): Promise<QuotaView> {
    return this.quotas.view(principal.tenantId);
  }
}

/** Platform admins read and set any tenant's quota. */
@Controller('admin/tenants/:id/quota')
@PlatformAdminOnly()
export class AdminQuotaController {
  constructor(private readonly quotas: Quotas) {}

  @Get()
  get(@Param('id', ParseUUIDPipe) tenantId: string): Promise<QuotaView> {
    return this.quotas.view(tenantId);
  }

  @Put()
  @Audited({
    action: 'tenant.quota.update',
    target: ({ params }) => `tenant:${params.id}`,
    // In the changed tenant's log, so its owner sees who changed their limits.
    subject: ({ principal, result }) =>
      result
        ? { actorUserId: principal?.userId ?? null, tenantId: (result as QuotaView).tenantId }
        : undefined,
    outcome: ({ result }) => {
      const { maxDomains, maxMemoryMiB, maxVcpus } = (result as QuotaView).limits;
      return { result: 'ok', detail: `domains ${maxDomains}, memory ${maxMemoryMiB} MiB, vCPUs ${maxVcpus}` };
    },
  })
  update(@Param('id', ParseUUIDPipe) tenantId: string, @Body() body: UpdateQuotaDto): Promise<QuotaView> {
    return this.quotas.update(tenantId, body);
  }
}
