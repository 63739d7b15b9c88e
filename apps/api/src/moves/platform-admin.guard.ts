import { ForbiddenException, Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import type { AuthenticatedRequest } from '../auth/public.decorator';

/** Admin routes: the global AuthGuard resolved the caller; only platform admins pass (403 otherwise). */
@Injectable()
export class PlatformAdminGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    const principal = context.switchToHttp().getRequest<AuthenticatedRequest>().principal;
    if (principal?.role !== 'platform-admin') throw new ForbiddenException('platform admins only');
    return true;
  }
}
