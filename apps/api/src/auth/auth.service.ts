import { ConflictException, Injectable, NotFoundException, UnauthorizedException } from '@nestjs/common';
import type {
  ApiTokenView,
  CreatedApiToken,
  RequestPrincipal,
  SessionResponse,
  SignUpRequest,
  LogInRequest,
  CreateApiTokenRequest,
} from '@xeno/contracts';
import { DataSource, IsNull } from 'typeorm';
import { TenantEntity } from '../tenants/tenant.entity';
import { PasswordHasher } from '../users/password-hasher.service';
import { UserEntity } from '../users/user.entity';
import { ApiTokenEntity } from './api-token.entity';
import {
  API_TOKEN_PREFIX,
  SESSION_LIFETIME_MS,
  bearerTokenFromHeader,
  hashSecret,
  newApiTokenSecret,
  newSessionSecret,
  sessionSecretFromCookieHeader,
} from './secrets';
import { SessionEntity } from './session.entity';

const UNIQUE_VIOLATION = '23505';
const TOKEN_PREFIX_SHOWN = API_TOKEN_PREFIX.length + 6;

/**
 * A refused log-in. `account` names the account when the email exists (for its tenant's audit log); the
 * client only ever sees the one message, so the answer does not reveal which emails have accounts.
 */
export class LoginRefused extends UnauthorizedException {
  constructor(readonly account: { userId: string; tenantId: string } | undefined) {
    super('wrong email or password');
  }
}

/** A new login: the secret goes into the cookie, never into the database. */
export interface StartedSession {
  secret: string;
  expiresAt: Date;
  view: SessionResponse;
}

@Injectable()
export class AuthService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly hasher: PasswordHasher,
  ) {}

  async signUp(request: SignUpRequest): Promise<StartedSession> {
    const email = request.email.toLowerCase();
    const passwordHash = await this.hasher.hash(request.password);
    const { user, tenant } = await this.dataSource
      .transaction(async (manager) => {
        const tenant = await manager.save(manager.create(TenantEntity, { name: request.tenantName }));
        const user = await manager.save(
          manager.create(UserEntity, { tenantId: tenant.id, email, passwordHash, role: 'owner' }),
        );
        return { user, tenant };
      })
      .catch((error: unknown) => {
        if ((error as { code?: string }).code === UNIQUE_VIOLATION) {
          throw new ConflictException('an account with this email already exists');
        }
        throw error;
      });
    return this.startSession(user, tenant);
  }

  async logIn(request: LogInRequest): Promise<StartedSession> {
    const user = await this.dataSource
      .getRepository(UserEntity)
      .findOne({ where: { email: request.email.toLowerCase() }, relations: { tenant: true } });
    // One message for unknown email and wrong password, so the login form does not reveal accounts.
    if (!user) throw new LoginRefused(undefined);
    if (!(await this.hasher.verify(user.passwordHash, request.password)))
      throw new LoginRefused({ userId: user.id, tenantId: user.tenantId });
    return this.startSession(user, user.tenant!);
  }

  /** Ends the session of the cookie; returns whose it was (undefined when there was none). */
  async logOut(cookieHeader: string | undefined): Promise<{ userId: string; tenantId: string } | undefined> {
    const secret = sessionSecretFromCookieHeader(cookieHeader);
    if (!secret) return undefined;
    const repo = this.dataSource.getRepository(SessionEntity);
    const session = await repo.findOne({
      where: { secretHash: hashSecret(secret) },
      relations: { user: true },
    });
    if (!session) return undefined;
    await repo.delete({ id: session.id });
    return session.user ? { userId: session.user.id, tenantId: session.user.tenantId } : undefined;
  }

  async me(principal: RequestPrincipal): Promise<SessionResponse> {
    const user = await this.dataSource
      .getRepository(UserEntity)
      .findOneOrFail({ where: { id: principal.userId }, relations: { tenant: true } });
    return sessionView(user, user.tenant!);
  }

  /**
   * The caller behind a session cookie or a Bearer token, or undefined. Exported for the console
   * gateway, which authenticates sockets from the same headers. The cookie wins when both are sent.
   */
  async principalFromCookieOrToken(
    cookieHeader: string | undefined,
    authorizationHeader: string | undefined,
  ): Promise<RequestPrincipal | undefined> {
    const sessionSecret = sessionSecretFromCookieHeader(cookieHeader);
    if (sessionSecret) {
      const principal = await this.principalFromSession(sessionSecret);
      if (principal) return principal;
    }
    const token = bearerTokenFromHeader(authorizationHeader);
    return token ? this.principalFromToken(token) : undefined;
  }

  async createToken(principal: RequestPrincipal, request: CreateApiTokenRequest): Promise<CreatedApiToken> {
    const token = newApiTokenSecret();
    const expiresAt =
      request.expiresInDays === undefined ? null : new Date(Date.now() + request.expiresInDays * 86_400_000);
    const repo = this.dataSource.getRepository(ApiTokenEntity);
    const row = await repo.save(
      repo.create({
        userId: principal.userId,
        name: request.name,
        prefix: token.slice(0, TOKEN_PREFIX_SHOWN),
        secretHash: hashSecret(token),
        expiresAt,
        lastUsedAt: null,
        revokedAt: null,
      }),
    );
    return { ...tokenView(row), token };
  }

  async listTokens(principal: RequestPrincipal): Promise<ApiTokenView[]> {
    const rows = await this.dataSource
      .getRepository(ApiTokenEntity)
      .find({ where: { userId: principal.userId, revokedAt: IsNull() }, order: { createdAt: 'ASC' } });
    return rows.map(tokenView);
  }

  /** Another user's token id is "not found", like a missing one. */
  async revokeToken(principal: RequestPrincipal, tokenId: string): Promise<void> {
    const result = await this.dataSource
      .getRepository(ApiTokenEntity)
      .update({ id: tokenId, userId: principal.userId, revokedAt: IsNull() }, { revokedAt: new Date() });
    if (!result.affected) throw new NotFoundException('token not found');
  }

  /** Logs a user in (after sign-up, log-in or accepting an invite). */
  async startSession(user: UserEntity, tenant: TenantEntity): Promise<StartedSession> {
    const secret = newSessionSecret();
    const expiresAt = new Date(Date.now() + SESSION_LIFETIME_MS);
    const repo = this.dataSource.getRepository(SessionEntity);
    await repo.insert(repo.create({ userId: user.id, secretHash: hashSecret(secret), expiresAt }));
    return { secret, expiresAt, view: sessionView(user, tenant) };
  }

  private async principalFromSession(secret: string): Promise<RequestPrincipal | undefined> {
    const row = await this.dataSource
      .getRepository(SessionEntity)
      .findOne({ where: { secretHash: hashSecret(secret) } });
    if (!row || row.expiresAt.getTime() <= Date.now()) return undefined;
    return this.principalOf(row.userId, 'session');
  }

  private async principalFromToken(token: string): Promise<RequestPrincipal | undefined> {
    const repo = this.dataSource.getRepository(ApiTokenEntity);
    const row = await repo.findOne({ where: { secretHash: hashSecret(token) } });
    if (!row || row.revokedAt !== null) return undefined;
    if (row.expiresAt !== null && row.expiresAt.getTime() <= Date.now()) return undefined;
    await repo.update({ id: row.id }, { lastUsedAt: new Date() });
    return this.principalOf(row.userId, 'token');
  }

  private async principalOf(
    userId: string,
    via: RequestPrincipal['via'],
  ): Promise<RequestPrincipal | undefined> {
    const user = await this.dataSource.getRepository(UserEntity).findOne({ where: { id: userId } });
    return user ? { userId: user.id, tenantId: user.tenantId, role: user.role, via } : undefined;
  }
}

function sessionView(user: UserEntity, tenant: TenantEntity): SessionResponse {
  return {
    user: {
      id: user.id,
      email: user.email,
      role: user.role,
      tenantId: user.tenantId,
      createdAt: user.createdAt.toISOString(),
    },
    tenant: { id: tenant.id, name: tenant.name, createdAt: tenant.createdAt.toISOString() },
  };
}

function tokenView(row: ApiTokenEntity): ApiTokenView {
  return {
    id: row.id,
    name: row.name,
    prefix: row.prefix,
    createdAt: row.createdAt.toISOString(),
    lastUsedAt: row.lastUsedAt?.toISOString() ?? null,
    expiresAt: row.expiresAt?.toISOString() ?? null,
  };
}
