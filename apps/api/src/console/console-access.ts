/** Who opened a console socket or asked for a console log, as the API's authentication resolved it. */
export interface ConsolePrincipal {
  userId: string;
  tenantId: string;
  platformAdmin: boolean;
}

/** Credentials a browser or a client sends: the session cookie header, or an API token. */
export interface ConsoleCredentials {
  cookie?: string;
  token?: string;
}

/** What a principal may do with one domain's console. */
export interface ConsoleGrant {
  tenantId: string;
  /** Sees output, cannot type or resize. */
  readOnly: boolean;
}

/**
 * The console's view of authentication and authorization, implemented over the API's auth service and
 * domains. `grant` returns undefined both for a missing domain and for one the principal may not see,
 * so that other tenants' domains are indistinguishable from missing ones.
 */
export interface ConsoleAccess {
  authenticate(credentials: ConsoleCredentials): Promise<ConsolePrincipal | undefined>;
  grant(principal: ConsolePrincipal, domainId: string): Promise<ConsoleGrant | undefined>;
}

export const CONSOLE_ACCESS = Symbol('CONSOLE_ACCESS');
