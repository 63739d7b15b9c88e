import { Module } from '@nestjs/common';
import { DatabaseModule } from '../database/database.module';
import { UsersModule } from '../users/users.module';
import { TenantController } from './tenant.controller';
import { TenantInvites } from './tenant-invites.service';
import { TenantMembers } from './tenant-members.service';

/** The caller's tenant: members and invitations (accepting one is an auth route). */
@Module({
  imports: [DatabaseModule, UsersModule],
  controllers: [TenantController],
  providers: [TenantMembers, TenantInvites],
  exports: [TenantInvites],
})
export class TenantsModule {}
