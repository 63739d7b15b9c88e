import { ConflictException, Injectable, NotFoundException } from '@nestjs/common';
import type { MemberView, RequestPrincipal } from '@xeno/contracts';
import { DataSource } from 'typeorm';
import { UserEntity } from '../users/user.entity';

/** The users of a tenant. Removing one deletes the account (its sessions and tokens go with it). */
@Injectable()
export class TenantMembers {
  constructor(private readonly dataSource: DataSource) {}

  async list(tenantId: string): Promise<MemberView[]> {
    const users = await this.dataSource
      .getRepository(UserEntity)
      .find({ where: { tenantId }, order: { createdAt: 'ASC' } });
    return users.map(memberView);
  }

  /** Another tenant's user is "not found"; the caller cannot remove themselves (the tenant needs its owner). */
  async remove(principal: RequestPrincipal, userId: string): Promise<void> {
    const repo = this.dataSource.getRepository(UserEntity);
    const user = await repo.findOneBy({ id: userId, tenantId: principal.tenantId });
    if (!user) throw new NotFoundException('member not found');
    if (user.id === principal.userId)
      throw new ConflictException('you cannot remove yourself from the tenant');
    if (user.role !== 'member') throw new ConflictException(`the tenant's ${user.role} cannot be removed`);
    await repo.delete({ id: user.id });
  }
}

export function memberView(user: UserEntity): MemberView {
  return {
    id: user.id,
    email: user.email,
    role: user.role,
    tenantId: user.tenantId,
    createdAt: user.createdAt.toISOString(),
  };
}
