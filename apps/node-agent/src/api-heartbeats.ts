import type { AgentHeartbeatRequest } from '@xeno/contracts';
import type { ApiEnrolment } from './api-enrolment';
import type { JsonLogger } from './json-logger';

/**
 * Sends the agent's capacity and load to the API on a fixed interval (the agents table and the fleet view's
 * source; the Redis heartbeat key stays for liveness and placement). An API outage is logged once, and beats
 * resume by themselves.
 */
export class ApiHeartbeats {
  private timer: NodeJS.Timeout | undefined;
  private inFlight: Promise<void> | undefined;
  private failing = false;

  constructor(
    private readonly enrolment: ApiEnrolment,
    private readonly report: () => Promise<AgentHeartbeatRequest | undefined>,
    private readonly intervalMs: number,
    private readonly logger: JsonLogger,
  ) {}

  start(): void {
    const tick = (): void => {
      this.inFlight ??= this.beat().finally(() => (this.inFlight = undefined));
    };
    tick();
    this.timer = setInterval(tick, this.intervalMs);
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.inFlight;
  }

  async beat(): Promise<void> {
    try {
      const request = await this.report();
      if (!request) return;
      await this.enrolment.heartbeat(request);
      if (this.failing) this.logger.info('API heartbeats resumed');
      this.failing = false;
    } catch (error) {
      if (!this.failing) this.logger.warn('API heartbeat failed; retrying', { error: String(error) });
      this.failing = true;
    }
  }
}
