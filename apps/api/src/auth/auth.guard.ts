import {
  ForbiddenException,
  Injectable,
  UnauthorizedException,
  type CanActivate,
  type ExecutionContext,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AuthService } from './auth.service';
import { IS_PUBLIC, type AuthenticatedRequest } from './public.decorator';
import { REQUIRED_ROLES } from './require-role.decorator';
import type { UserRole } from '@xeno/contracts';

/**
 * Global guard: resolves the session cookie or Bearer token into request.principal, or answers 401; then
 * enforces @RequireRole (403). One guard for both, so the role check can never run before authentication.
 */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly auth: AuthService,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (context.getType() !== 'http') return true;
    const isPublic = this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, [
      context.getHandler(),
      context.getClass(),
    ]);
    if (isPublic) return true;
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const principal = await this.auth.principalFromCookieOrToken(
      singleHeader(request.headers.cookie),
      singleHeader(request.headers.authorization),
    );
    if (!principal) throw new UnauthorizedException('log in or send an API token');
    request.principal = principal;
    const roles = this.reflector.getAllAndOverride<UserRole[] | undefined>(REQUIRED_ROLES, [
      context.getHandler(),
      context.getClass(),
    ]);
    if (roles && !roles.includes(principal.role))
      throw new ForbiddenException(`only ${roles.join(' or ')} may do this`);
    return true;
  }
}

function singleHeader(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value.join('; ') : value;
}
