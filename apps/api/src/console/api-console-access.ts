import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { AuthService } from '../auth/auth.service';
import { DomainEntity } from '../domains/domain.entity';
import type { ConsoleAccess, ConsoleCredentials, ConsoleGrant, ConsolePrincipal } from './console-access';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The console gateway's authentication and authorization over the API's own: the same session cookie
 * or API token as the HTTP routes, and a domain is granted only to its tenant's users and platform
 * admins. Anything else — another tenant's domain, a missing one, a malformed id — is the same
 * `undefined`, so a console cannot be used to probe which domains exist.
 */
@Injectable()
export class ApiConsoleAccess implements ConsoleAccess {
  constructor(
    private readonly auth: AuthService,
    private readonly dataSource: DataSource,
  ) {}

  async authenticate(credentials: ConsoleCredentials): Promise<ConsolePrincipal | undefined> {
    const principal = await this.auth.principalFromCookieOrToken(
      credentials.cookie,
      credentials.token ? `Bearer ${credentials.token}` : undefined,
    );
    if (!principal) return undefined;
    return {
      userId: principal.userId,
      tenantId: principal.tenantId,
      platformAdmin: principal.role === 'platform-admin',
    };
  }

  async grant(principal: ConsolePrincipal, domainId: string): Promise<ConsoleGrant | undefined> {
    if (!UUID.test(domainId)) return undefined;
    const domain = await this.dataSource
      .getRepository(DomainEntity)
      .findOne({ where: { id: domainId }, select: { id: true, tenantId: true } });
    if (!domain) return undefined;
    if (domain.tenantId !== principal.tenantId && !principal.platformAdmin) return undefined;
    return { tenantId: domain.tenantId, readOnly: false };
  }
}
