import {
  HttpException,
  Injectable,
  type CallHandler,
  type ExecutionContext,
  type NestInterceptor,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { RequestPrincipal } from '@xeno/contracts';
import { from, lastValueFrom, type Observable } from 'rxjs';
import { AuditLog } from './audit-log.service';
import { AUDIT_SPEC, type AuditedCall, type AuditSpec } from './audited.decorator';

interface AuditedRequest {
  principal?: RequestPrincipal;
  params?: Record<string, string>;
  body?: unknown;
}

/**
 * Records each call of an @Audited route after it finished, answered or not, so refusals (4xx) and
 * failures are in the log next to successes. It runs after the auth guard: unauthenticated calls of
 * guarded routes are never recorded (there is nobody to attribute them to). The record is written before
 * the answer leaves, so a client that reads the log right after acting finds its entry.
 */
@Injectable()
export class AuditInterceptor implements NestInterceptor {
  constructor(
    private readonly reflector: Reflector,
    private readonly audit: AuditLog,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const spec =
      context.getType() === 'http'
        ? this.reflector.get<AuditSpec | undefined>(AUDIT_SPEC, context.getHandler())
        : undefined;
    if (!spec) return next.handle();
    const request = context.switchToHttp().getRequest<AuditedRequest>();
    return from(this.run(spec, request, next));
  }

  private async run(spec: AuditSpec, request: AuditedRequest, next: CallHandler): Promise<unknown> {
    const call = (result: unknown, error: unknown): AuditedCall => ({
      principal: request.principal,
      params: request.params ?? {},
      body: request.body,
      result,
      error,
    });
    try {
      const result = await lastValueFrom(next.handle(), { defaultValue: undefined });
      await this.write(spec, call(result, undefined));
      return result;
    } catch (error) {
      await this.write(spec, call(undefined, error));
      throw error;
    }
  }

  private async write(spec: AuditSpec, call: AuditedCall): Promise<void> {
    // A broken spec must not turn a finished act into an error answer: fall back to the plain facts.
    const safely = <T>(fn: () => T, fallback: T): T => {
      try {
        return fn();
      } catch {
        return fallback;
      }
    };
    const describe = spec.action;
    const action = typeof describe === 'string' ? describe : safely(() => describe(call), '?');
    const subject = safely(() => spec.subject?.(call), undefined) ?? {
      actorUserId: call.principal?.userId ?? null,
      tenantId: call.principal?.tenantId ?? null,
    };
    const target = safely(() => spec.target?.(call), undefined) ?? null;
    const outcome =
      call.error === undefined
        ? (safely(() => spec.outcome?.(call), undefined) ?? { result: 'ok' as const, detail: null })
        : errorOutcome(call.error);
    await this.audit.record({ ...subject, action, target, ...outcome });
  }
}

function errorOutcome(error: unknown): { result: 'refused' | 'failed'; detail: string } {
  if (error instanceof HttpException) {
    const response = error.getResponse();
    const message =
      typeof response === 'object' && response !== null && 'message' in response
        ? (response as { message: unknown }).message
        : error.message;
    const detail = Array.isArray(message) ? message.join('; ') : String(message);
    return { result: error.getStatus() < 500 ? 'refused' : 'failed', detail };
  }
  return { result: 'failed', detail: error instanceof Error ? error.message : String(error) };
}
