import { Body, Controller, Delete, Get, HttpCode, Param, ParseUUIDPipe, Post } from '@nestjs/common';
import type { CreatedInvite, InviteView, MemberView, RequestPrincipal } from '@xeno/contracts';
import { Audited } from '../audit/audited.decorator';
import { Principal } from '../auth/public.decorator';
import { RequireRole } from '../auth/require-role.decorator';
import { TenantInvites } from './tenant-invites.service';
import { TenantMembers } from './tenant-members.service';
import { CreateInviteDto } from './tenants.dto';

/**
 * The caller's own tenant: its members (everyone may see them) and the owner's administration — invites
 * and removing members (403 for members: the tenant is theirs to see, not to run). A platform admin runs
 * the Platform tenant as its owner.
 */
@Controller('tenant')
export class TenantController {
  constructor(
    private readonly members: TenantMembers,
    private readonly invites: TenantInvites,
  ) {}

  @Get('members')
  listMembers(@Principal() principal: RequestPrincipal): Promise<MemberView[]> {
    return this.members.list(principal.tenantId);
  }

  @Delete('members/:id')
  @HttpCode(204)
  @RequireRole('owner', 'platform-admin')
  @Audited({ action: 'tenant.member.remove', target: ({ params }) => `user:${params.id}` })
  removeMember(
    @Principal() principal: RequestPrincipal,
    @Param('id', ParseUUIDPipe) id: string,
  ): Promise<void> {
    return this.members.remove(principal, id);
  }

  @Get('invites')
  @RequireRole('owner', 'platform-admin')
  listInvites(@Principal() principal: RequestPrincipal): Promise<InviteView[]> {
    return this.invites.list(principal.tenantId);
  }

  /** The only answer that contains the invite's token. */
  @Post('invites')
  @RequireRole('owner', 'platform-admin')
  @Audited({
    action: 'tenant.invite.create',
    target: ({ result }) => result && `invite:${result.id}`,
    outcome: ({ result }) => ({ result: 'ok', detail: `for ${result.email}` }),
  })
  createInvite(
    @Principal() principal: RequestPrincipal,
    @Body() body: CreateInviteDto,
  ): Promise<CreatedInvite> {
    return this.invites.create(principal, body);
  }

  @Delete('invites/:id')
  @HttpCode(204)
  @RequireRole('owner', 'platform-admin')
  @Audited({ action: 'tenant.invite.revoke', target: ({ params }) => `invite:${params.id}` })
  revokeInvite(
    @Principal() principal: RequestPrincipal,
    @Param('id', ParseUUIDPipe) id: string,
  ): Promise<void> {
    return this.invites.revoke(principal.tenantId, id);
  }
}
