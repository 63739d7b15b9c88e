import { AuditEntryEntity } from '../audit/audit-entry.entity';
import { ApiTokenEntity } from '../auth/api-token.entity';
import { SessionEntity } from '../auth/session.entity';
import { DomainActionEntity } from '../domains/domain-action.entity';
import { DomainEntity } from '../domains/domain.entity';
import { TenantInviteEntity } from '../tenants/tenant-invite.entity';
import { TenantEntity } from '../tenants/tenant.entity';
import { UserEntity } from '../users/user.entity';

/** Every TypeORM entity of the control plane. */
export const ENTITIES = [
  TenantEntity,
  UserEntity,
  DomainEntity,
  DomainActionEntity,
  SessionEntity,
  ApiTokenEntity,
  AuditEntryEntity,
  TenantInviteEntity,
];
