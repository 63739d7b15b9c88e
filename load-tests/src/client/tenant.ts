import type {
  CreateDomainRequest,
  CreatedApiToken,
  DomainAction,
  DomainActionView,
  DomainState,
  DomainView,
  SessionResponse,
} from '@xeno/contracts';
import { randomUUID } from 'node:crypto';
import { io, type Socket } from 'socket.io-client';
import { ApiError, HttpClient } from './http-client';

/**
 * One tenant of a load run: signed up fresh (its own quota, its own domains), then acting with a personal
 * API token exactly as a script would. State changes arrive on the /events socket; a slow backstop poll
 * covers a missed push, so waiting never depends on the push path alone.
 */
export class LoadTenant {
  private events: Socket | undefined;
  private readonly waiters = new Set<() => void>();

  private constructor(
    readonly api: HttpClient,
    readonly tenantId: string,
    readonly email: string,
  ) {}

  static async signUp(baseUrl: string, label: string): Promise<LoadTenant> {
    const anonymous = new HttpClient(baseUrl);
    const email = `${label}-${randomUUID().slice(0, 8)}@load.test`;
    const password = `load-${randomUUID()}`;
    const { body, cookie } = await retryWhenThrottled(() =>
      anonymous.postForCookie<SessionResponse>('/api/auth/signup', {
        email,
        password,
        tenantName: `load ${label}`,
      }),
    );
    if (!cookie) throw new Error('sign-up set no session cookie');
    const token = await anonymous
      .withCredentials({ cookie })
      .post<CreatedApiToken>('/api/tokens', { name: 'load test', expiresInDays: 1 });
    return new LoadTenant(anonymous.withCredentials({ token: token.token }), body.tenant.id, email);
  }

  createDomain(request: CreateDomainRequest): Promise<DomainView> {
    return this.api.post<DomainView>('/api/domains', request);
  }

  getDomain(id: string): Promise<DomainView> {
    return this.api.get<DomainView>(`/api/domains/${id}`);
  }

  act(id: string, action: DomainAction): Promise<DomainActionView> {
    return this.api.post<DomainActionView>(
      `/api/domains/${id}/actions`,
      { action },
      { 'idempotency-key': randomUUID() },
    );
  }

  /** Resolves with the domain once it is in `state`; rejects if it lands in a state it cannot leave by itself. */
  async waitForState(id: string, state: DomainState, timeoutMs: number): Promise<DomainView> {
    this.listenForEvents();
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const domain = await this.getDomain(id);
      if (domain.state === state) return domain;
      if (
        domain.state === 'error' ||
        domain.state === 'crashed' ||
        (state === 'running' && domain.state === 'stopped')
      )
        throw new Error(
          `domain ${domain.name} is ${domain.state}${domain.stateDetail ? `: ${domain.stateDetail}` : ''}`,
        );
      const left = deadline - Date.now();
      if (left <= 0)
        throw new Error(
          `domain ${domain.name} still ${domain.state} after ${timeoutMs} ms (wanted ${state})`,
        );
      await this.nextEventOr(Math.min(left, 1_000));
    }
  }

  close(): void {
    this.events?.close();
    this.events = undefined;
  }

  private listenForEvents(): void {
    if (this.events) return;
    this.events = io(new URL('/events', this.api.baseUrl).toString(), {
      transports: ['websocket'],
      auth: { token: this.api.auth.token },
    });
    this.events.on('domain', () => {
      for (const wake of this.waiters) wake();
      this.waiters.clear();
    });
  }

  private nextEventOr(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.waiters.delete(wake);
        resolve();
      }, ms);
      const wake = () => {
        clearTimeout(timer);
        resolve();
      };
      this.waiters.add(wake);
    });
  }
}

/**
 * Sign-up is rate limited per client address, and a load generator is one address: like any well-behaved
 * client it waits and retries on 429 (sign-up time is not part of any measured figure).
 */
async function retryWhenThrottled<T>(call: () => Promise<T>, attempts = 20): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (error) {
      if (!(error instanceof ApiError) || error.status !== 429 || attempt >= attempts) throw error;
      await new Promise((resolve) => setTimeout(resolve, (error.retryAfterS ?? 5) * 1000));
    }
  }
}
