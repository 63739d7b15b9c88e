import { CreateTenantsAndUsers1764100000000 } from './1764100000000-create-tenants-and-users';
import { CreateDomainsAndQuotas1764200000000 } from './1764200000000-create-domains-and-quotas';
import { CreateSessionsAndApiTokens1764300000000 } from './1764300000000-create-sessions-and-api-tokens';
import { CreateDomainActions1764500000000 } from './1764500000000-create-domain-actions';
import { CreateAgents1764600000000 } from './1764600000000-create-agents';
import { CreateAuditLog1764710000000 } from './1764710000000-create-audit-log';
import { CreateUsageAccounting1764720000000 } from './1764720000000-create-usage-accounting';
import { CreateTenantInvites1764730000000 } from './1764730000000-create-tenant-invites';

/**
 * Every migration, oldest first. Listed as classes rather than a file glob so the same list works
 * from dist/ (node) and from sources (vitest). Add new migrations at the end; never edit old ones.
 */
export const MIGRATIONS = [
  CreateTenantsAndUsers1764100000000,
  CreateDomainsAndQuotas1764200000000,
  CreateSessionsAndApiTokens1764300000000,
  CreateDomainActions1764500000000,
  CreateAgents1764600000000,
  CreateAuditLog1764710000000,
  CreateUsageAccounting1764720000000,
  CreateTenantInvites1764730000000,
];
