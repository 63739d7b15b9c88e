import { SetMetadata, createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { RequestPrincipal } from '@xeno/contracts';

export const IS_PUBLIC = 'xeno:isPublic';

/** Routes anyone may call (health, sign up, log in); every other route needs a principal. */
export const Public = (): MethodDecorator & ClassDecorator => SetMetadata(IS_PUBLIC, true);

/** The request as the auth guard leaves it. */
export interface AuthenticatedRequest {
  headers: Record<string, string | string[] | undefined>;
  principal?: RequestPrincipal;
}

/** The caller resolved by AuthGuard; only on non-public routes. */
export const Principal = createParamDecorator(
  (_data: unknown, context: ExecutionContext): RequestPrincipal => {
    const principal = context.switchToHttp().getRequest<AuthenticatedRequest>().principal;
    if (!principal) throw new Error('Principal used on a public route');
    return principal;
  },
);
