import { Body, Controller, Get, HttpCode, Post, Req, Res, UseGuards } from '@nestjs/common';
import { Throttle, ThrottlerGuard } from '@nestjs/throttler';
import { SESSION_COOKIE, type RequestPrincipal, type SessionResponse } from '@xeno/contracts';
import { Audited, type AuditedCall, type AuditSubject } from '../audit/audited.decorator';
import { AcceptInviteDto } from '../tenants/tenants.dto';
import { TenantInvites } from '../tenants/tenant-invites.service';
import { LogInDto, SignUpDto } from './auth.dto';
import { AuthService, LoginRefused, type StartedSession } from './auth.service';
import { Principal, Public, type AuthenticatedRequest } from './public.decorator';

/** The part of Express's response the session cookie needs (express types are not a dependency). */
interface CookieResponse {
  cookie(name: string, value: string, options: Record<string, unknown>): void;
  clearCookie(name: string, options: Record<string, unknown>): void;
}

/** Sign-up and log-in have no caller yet: the new session names who it is. */
function sessionSubject({ result }: AuditedCall): AuditSubject | undefined {
  const session = result as SessionResponse | undefined;
  return session ? { actorUserId: session.user.id, tenantId: session.user.tenantId } : undefined;
}

/** Per client address: enough for people, too few for password guessing. */
export const AUTH_THROTTLE = { limit: 20, ttl: 60_000 };

@Controller('auth')
@UseGuards(ThrottlerGuard)
@Throttle({ default: AUTH_THROTTLE })
export class AuthController {
  constructor(
    private readonly auth: AuthService,
    private readonly invites: TenantInvites,
  ) {}

  @Public()
  @Post('signup')
  @Audited({
    action: 'auth.signup',
    subject: sessionSubject,
    target: ({ result }) => result && `tenant:${result.tenant.id}`,
  })
  async signUp(
    @Body() body: SignUpDto,
    @Res({ passthrough: true }) res: CookieResponse,
  ): Promise<SessionResponse> {
    return setSessionCookie(res, await this.auth.signUp(body));
  }

  @Public()
  @Post('login')
  @HttpCode(200)
  @Audited({
    action: 'auth.login',
    // A wrong password for an existing account goes in that account's tenant log (actor unknown); an
    // unknown email is recorded with no tenant, so it shows in no tenant's log (the throttler limits guessing).
    subject: (call) =>
      sessionSubject(call) ??
      (call.error instanceof LoginRefused && call.error.account
        ? { actorUserId: null, tenantId: call.error.account.tenantId }
        : undefined),
    target: ({ result, error }) =>
      result
        ? `user:${result.user.id}`
        : error instanceof LoginRefused && error.account
          ? `user:${error.account.userId}`
          : null,
  })
  async logIn(
    @Body() body: LogInDto,
    @Res({ passthrough: true }) res: CookieResponse,
  ): Promise<SessionResponse> {
    return setSessionCookie(res, await this.auth.logIn(body));
  }

  /**
   * Answers 204 without a body; the ended session's owner is returned only for the audit record (a 204
   * never carries the value to the client).
   */
  @Public()
  @Post('logout')
  @HttpCode(204)
  @Audited({
    action: 'auth.logout',
    subject: ({ result }) => (result as AuditSubject | undefined) ?? undefined,
  })
  async logOut(
    @Req() req: AuthenticatedRequest,
    @Res({ passthrough: true }) res: CookieResponse,
  ): Promise<AuditSubject | undefined> {
    const cookie = req.headers.cookie;
    const ended = await this.auth.logOut(Array.isArray(cookie) ? cookie.join('; ') : cookie);
    res.clearCookie(SESSION_COOKIE, { path: '/', httpOnly: true, sameSite: 'lax' });
    return ended && { actorUserId: ended.userId, tenantId: ended.tenantId };
  }

  /** Joins the invite's tenant as a member (a new account, or an existing member's) and logs in. */
  @Public()
  @Post('accept-invite')
  @Audited({
    action: 'tenant.invite.accept',
    subject: sessionSubject,
    target: ({ result }) => result && `user:${result.user.id}`,
  })
  async acceptInvite(
    @Body() body: AcceptInviteDto,
    @Res({ passthrough: true }) res: CookieResponse,
  ): Promise<SessionResponse> {
    const joined = await this.invites.accept(body.token, body.password);
    return setSessionCookie(res, await this.auth.startSession(joined.user, joined.tenant));
  }

  @Get('me')
  me(@Principal() principal: RequestPrincipal): Promise<SessionResponse> {
    return this.auth.me(principal);
  }
}

function setSessionCookie(res: CookieResponse, session: StartedSession): SessionResponse {
  res.cookie(SESSION_COOKIE, session.secret, {
    httpOnly: true,
    sameSite: 'lax',
    secure: process.env.NODE_ENV === 'production',
    path: '/',
    expires: session.expiresAt,
  });
  return session.view;
}
