import { SetMetadata } from '@nestjs/common';
import type { UserRole } from '@xeno/contracts';

export const REQUIRED_ROLES = 'xeno:requiredRoles';

/**
 * Only callers with one of these roles may use the route (or controller); others get 403 — right for
 * rights *within* one's own tenant or the platform, where the resource is known to exist. Another tenant's
 * resources stay 404, by scoping queries to the caller's tenant.
 */
export const RequireRole = (...roles: UserRole[]): MethodDecorator & ClassDecorator =>
  SetMetadata(REQUIRED_ROLES, roles);

/** Platform admins only: every /api/admin/* controller. */
export const PlatformAdminOnly = (): MethodDecorator & ClassDecorator => RequireRole('platform-admin');
