import { Controller, Get, Query } from '@nestjs/common';
import type { RequestPrincipal, TenantUsage } from '@xeno/contracts';
import { Principal } from '../auth/public.decorator';
import { PlatformAdminOnly } from '../auth/require-role.decorator';
import { UsageReport } from './usage-report.service';
import { UsageWindowDto, usageWindow } from './usage-window.dto';

/** The caller's tenant's usage (any member may read it). */
@Controller('usage')
export class UsageController {
  constructor(private readonly report: UsageReport) {}

  @Get()
  get(@Principal() principal: RequestPrincipal, @Query() query: UsageWindowDto): Promise<TenantUsage> {
    return this.report.forTenant(principal.tenantId, usageWindow(query));
  }
}

/** Every tenant's usage, for platform admins. */
@Controller('admin/usage')
@PlatformAdminOnly()
export class AdminUsageController {
  constructor(private readonly report: UsageReport) {}

  @Get()
  list(@Query() query: UsageWindowDto): Promise<TenantUsage[]> {
    return this.report.forAllTenants(usageWindow(query));
  }
}
