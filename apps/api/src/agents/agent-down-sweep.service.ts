import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { AGENT_FLEET_CONFIG, type AgentFleetConfig } from './agent-fleet-config';
import { AgentStore } from './agent-store.service';

/**
 * Periodically records agents whose HTTP heartbeats stopped as `down` in the agents table (the fleet view's
 * source). Their domains are handled by LostAgentSweeper (queues/), which watches the Redis heartbeat keys
 * the same agents let expire. The UPDATE … RETURNING is atomic, so with several API processes each newly-down
 * agent is logged by exactly one of them.
 */
@Injectable()
export class AgentDownSweep implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(AgentDownSweep.name);
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;

  constructor(
    private readonly store: AgentStore,
    @Inject(AGENT_FLEET_CONFIG) private readonly config: AgentFleetConfig,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => {
      this.running ??= this.sweep()
        .then(() => undefined)
        .finally(() => (this.running = undefined));
    }, this.config.sweepIntervalMs);
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }

  /** One pass; returns the agents that just went down. Database outages are logged and retried next pass. */
  async sweep(): Promise<string[]> {
    let down: string[];
    try {
      down = await this.store.markSilentAgentsDown(this.config.downAfterMs);
    } catch (error) {
      this.logger.warn(`agent sweep skipped: ${String(error)}`);
      return [];
    }
    for (const agentId of down) this.logger.warn(`agent ${agentId} missed its heartbeats: down`);
    return down;
  }
}
