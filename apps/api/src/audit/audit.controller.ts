import { BadRequestException, Controller, Get, NotFoundException, Query } from '@nestjs/common';
import type { AuditPage, RequestPrincipal } from '@xeno/contracts';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, IsString, IsUUID, Max, MaxLength, Min } from 'class-validator';
import { DataSource } from 'typeorm';
import { Principal } from '../auth/public.decorator';
import { TenantEntity } from '../tenants/tenant.entity';
import { parseAuditCursor } from './audit-cursor';
import { AUDIT_PAGE_DEFAULT, AUDIT_PAGE_MAX, AuditLog } from './audit-log.service';

export class AuditQueryDto {
  /** Platform admins: whose log to read (default: their own tenant's). */
  @IsOptional()
  @IsUUID()
  tenantId?: string;

  @IsOptional()
  @IsString()
  @MaxLength(100)
  before?: string;

  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(AUDIT_PAGE_MAX)
  limit?: number;
}

/** The audit log of the caller's tenant; platform admins may read any tenant's with ?tenantId=. */
@Controller('audit')
export class AuditController {
  constructor(
    private readonly audit: AuditLog,
    private readonly dataSource: DataSource,
  ) {}

  @Get()
  async page(@Principal() principal: RequestPrincipal, @Query() query: AuditQueryDto): Promise<AuditPage> {
    const tenantId = await this.readableTenant(principal, query.tenantId);
    const cursor = query.before === undefined ? null : parseAuditCursor(query.before);
    if (typeof cursor === 'string') throw new BadRequestException(cursor);
    return this.audit.page(tenantId, cursor, query.limit ?? AUDIT_PAGE_DEFAULT);
  }

  /** Another tenant's log is "not found" to anyone but a platform admin, like every other tenant resource. */
  private async readableTenant(principal: RequestPrincipal, asked: string | undefined): Promise<string> {
    if (asked === undefined || asked === principal.tenantId) return principal.tenantId;
    const visible =
      principal.role === 'platform-admin' &&
      (await this.dataSource.getRepository(TenantEntity).existsBy({ id: asked }));
    if (!visible) throw new NotFoundException('tenant not found');
    return asked;
  }
}
