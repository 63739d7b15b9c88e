import { Body, Controller, Get, HttpCode, Post, Req, Res, UseGuards } from '@nestjs/common';
import { Throttle, ThrottlerGuard } from '@nestjs/throttler';
import { SESSION_COOKIE, type RequestPrincipal, type SessionResponse } from '@xeno/contracts';
import { LogInDto, SignUpDto } from './auth.dto';
import { AuthService, type StartedSession } from './auth.service';
import { Principal, Public, type AuthenticatedRequest } from './public.decorator';

/** The part of Express's response the session cookie needs (express types are not a dependency). */
interface CookieResponse {
  cookie(name: string, value: string, options: Record<string, unknown>): void;
  clearCookie(name: string, options: Record<string, unknown>): void;
}

/** Per client address: enough for people, too few for password guessing. */
export const AUTH_THROTTLE = { limit: 20, ttl: 60_000 };

@Controller('auth')
@UseGuards(ThrottlerGuard)
@Throttle({ default: AUTH_THROTTLE })
export class AuthController {
  constructor(private readonly auth: AuthService) {}

  @Public()
  @Post('signup')
  async signUp(
    @Body() body: SignUpDto,
    @Res({ passthrough: true }) res: CookieResponse,
  ): Promise<SessionResponse> {
    return setSessionCookie(res, await this.auth.signUp(body));
  }

  @Public()
  @Post('login')
  @HttpCode(200)
  async logIn(
    @Body() body: LogInDto,
    @Res({ passthrough: true }) res: CookieResponse,
  ): Promise<SessionResponse> {
    return setSessionCookie(res, await this.auth.logIn(body));
  }

  @Public()
  @Post('logout')
  @HttpCode(204)
  async logOut(
    @Req() req: AuthenticatedRequest,
    @Res({ passthrough: true }) res: CookieResponse,
  ): Promise<void> {
    const cookie = req.headers.cookie;
    await this.auth.logOut(Array.isArray(cookie) ? cookie.join('; ') : cookie);
    res.clearCookie(SESSION_COOKIE, { path: '/', httpOnly: true, sameSite: 'lax' });
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
