import { SetMetadata } from '@nestjs/common';
import type { RequestPrincipal } from '@xeno/contracts';
import type { AuditResult } from './audit-entry.entity';

/** What an audit spec sees of the request it describes. */
export interface AuditedCall {
  principal: RequestPrincipal | undefined;
  params: Record<string, string>;
  // Bodies are whatever the route's DTO accepted (or, on a 400, whatever was sent).
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  body: any;
  /** The handler's answer; undefined when it threw. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  result: any;
  /** What the handler threw; undefined when it answered. */
  error: unknown;
}

/** Who acted and in whose log it goes, when that is not simply the logged-in caller. */
export interface AuditSubject {
  actorUserId: string | null;
  tenantId: string | null;
}

/**
 * How AuditInterceptor records a route. Only `action` is required; by default the actor and tenant are the
 * caller's, the target is absent, the result is `ok` when the handler answered, `refused` for a 4xx and
 * `failed` for anything else, and the detail is the error message.
 */
export interface AuditSpec {
  action: string | ((call: AuditedCall) => string);
  target?: (call: AuditedCall) => string | null | undefined;
  /** Overrides the caller (sign-up and log-in have none yet; admin acts may belong in another tenant's log). */
  subject?: (call: AuditedCall) => AuditSubject | undefined;
  /** For an answered call: a handler may answer 2xx and still report a failure (an action that failed). */
  outcome?: (call: AuditedCall) => { result: AuditResult; detail?: string | null } | undefined;
}

export const AUDIT_SPEC = 'xeno:audit';
export const NOT_AUDITED = 'xeno:notAudited';

/** Records every call of this route in the audit log (see AuditSpec). */
export const Audited = (spec: AuditSpec): MethodDecorator => SetMetadata(AUDIT_SPEC, spec);

/**
 * Marks a mutating route that is deliberately not audited, with the reason (the route-matrix test
 * requires every POST/PUT/PATCH/DELETE to carry @Audited or this).
 */
export const NotAudited = (reason: string): MethodDecorator => SetMetadata(NOT_AUDITED, reason);
