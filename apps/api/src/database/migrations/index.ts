import { CreateTenantsAndUsers1764100000000 } from './1764100000000-create-tenants-and-users';

/**
 * Every migration, oldest first. Listed as classes rather than a file glob so the same list works
 * from dist/ (node) and from sources (vitest). Add new migrations at the end; never edit old ones.
 */
export const MIGRATIONS = [CreateTenantsAndUsers1764100000000];
