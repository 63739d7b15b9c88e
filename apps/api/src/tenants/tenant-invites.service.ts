import {
  BadRequestException,
  ConflictException,
  GoneException,
  Injectable,
  NotFoundException,
  UnauthorizedException,
} from '@nestjs/common';
import type { CreatedInvite, CreateInviteRequest, InviteView, RequestPrincipal } from '@xeno/contracts';
import { randomBytes } from 'node:crypto';
import { DataSource, IsNull } from 'typeorm';
import { hashSecret } from '../auth/secrets';
import { PasswordHasher } from '../users/password-hasher.service';
import { UserEntity } from '../users/user.entity';
import { TenantInviteEntity } from './tenant-invite.entity';
import { TenantEntity } from './tenant.entity';
import { INVITE_DEFAULT_HOURS } from './tenants.dto';

/** Invite tokens start with this, so a leaked one is recognisable. */
export const INVITE_TOKEN_PREFIX = 'xi_';
const NEW_PASSWORD = { min: 10, max: 200 };

/** Who joined by accepting an invite, for the session that follows. */
export interface JoinedMember {
  user: UserEntity;
  tenant: TenantEntity;
  /** True when the account already existed (it moved from another tenant, where it was a member). */
  existing: boolean;
}

/**
 * Tenant invitations. The owner creates one for an email and gets a one-time token; whoever holds it
 * joins as a member: a new account is created with the given password (sign-up), or an existing account
 * proves its password (log-in) and moves here — allowed only for members, because an owner's or platform
 * admin's tenant would be left without them (a user belongs to exactly one tenant).
 */
@Injectable()
export class TenantInvites {
  constructor(
    private readonly dataSource: DataSource,
    private readonly hasher: PasswordHasher,
  ) {}

  async create(principal: RequestPrincipal, request: CreateInviteRequest): Promise<CreatedInvite> {
    const email = request.email.toLowerCase();
    const member = await this.dataSource
      .getRepository(UserEntity)
      .existsBy({ email, tenantId: principal.tenantId });
    if (member) throw new ConflictException(`${email} is already a member of this tenant`);
    const token = INVITE_TOKEN_PREFIX + randomBytes(32).toString('base64url');
    const hours = request.expiresInHours ?? INVITE_DEFAULT_HOURS;
    const repo = this.dataSource.getRepository(TenantInviteEntity);
    const row = await repo.save(
      repo.create({
        tenantId: principal.tenantId,
        email,
        tokenHash: hashSecret(token),
        invitedBy: principal.userId,
        expiresAt: new Date(Date.now() + hours * 3_600_000),
        acceptedAt: null,
        acceptedBy: null,
        revokedAt: null,
      }),
    );
    return { ...inviteView(row), token };
  }

  /** The tenant's invites that are not revoked, newest first (accepted ones show when). */
  async list(tenantId: string): Promise<InviteView[]> {
    const rows = await this.dataSource
      .getRepository(TenantInviteEntity)
      .find({ where: { tenantId, revokedAt: IsNull() }, order: { createdAt: 'DESC' } });
    return rows.map(inviteView);
  }

  /** Revokes an invite not yet accepted. Another tenant's invite is "not found". */
  async revoke(tenantId: string, inviteId: string): Promise<void> {
    const repo = this.dataSource.getRepository(TenantInviteEntity);
    const invite = await repo.findOneBy({ id: inviteId, tenantId, revokedAt: IsNull() });
    if (!invite) throw new NotFoundException('invite not found');
    if (invite.acceptedAt) throw new ConflictException('this invite was already accepted');
    await repo.update({ id: invite.id }, { revokedAt: new Date() });
  }

  async accept(token: string, password: string): Promise<JoinedMember> {
    return this.dataSource.transaction(async (manager) => {
      const invite = await manager
        .getRepository(TenantInviteEntity)
        .createQueryBuilder('invite')
        .setLock('pessimistic_write')
        .where('invite.token_hash = :hash', { hash: hashSecret(token) })
        .getOne();
      if (!invite || invite.revokedAt)
        throw new NotFoundException('invite not found (it may have been revoked)');
      if (invite.acceptedAt) throw new ConflictException('this invite was already used');
      if (invite.expiresAt.getTime() <= Date.now())
        throw new GoneException(`this invite expired at ${invite.expiresAt.toISOString()}`);
      const users = manager.getRepository(UserEntity);
      let user = await users.findOneBy({ email: invite.email });
      const existing = user !== null;
      if (user) {
        if (!(await this.hasher.verify(user.passwordHash, password)))
          throw new UnauthorizedException(`wrong password for ${invite.email}`);
        if (user.tenantId === invite.tenantId)
          throw new ConflictException(`${invite.email} is already a member of this tenant`);
        if (user.role !== 'member')
          throw new ConflictException(
            `${invite.email} is the ${user.role} of another tenant and cannot leave it to join this one`,
          );
        user.tenantId = invite.tenantId;
        user = await users.save(user);
      } else {
        if (password.length < NEW_PASSWORD.min || password.length > NEW_PASSWORD.max)
          throw new BadRequestException(
            `password must be ${NEW_PASSWORD.min}..${NEW_PASSWORD.max} characters for a new account`,
          );
        user = await users.save(
          users.create({
            tenantId: invite.tenantId,
            email: invite.email,
            passwordHash: await this.hasher.hash(password),
            role: 'member',
          }),
        );
      }
      invite.acceptedAt = new Date();
      invite.acceptedBy = user.id;
      await manager.save(invite);
      const tenant = await manager.getRepository(TenantEntity).findOneByOrFail({ id: invite.tenantId });
      return { user, tenant, existing };
    });
  }
}

export function inviteView(row: TenantInviteEntity): InviteView {
  return {
    id: row.id,
    email: row.email,
    createdAt: row.createdAt.toISOString(),
    expiresAt: row.expiresAt.toISOString(),
    acceptedAt: row.acceptedAt?.toISOString() ?? null,
  };
}
