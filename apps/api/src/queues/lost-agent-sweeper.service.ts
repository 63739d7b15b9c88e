import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { HEARTBEAT_TTL_MS } from '@xeno/contracts';
import { DataSource } from 'typeorm';
import { AgentRegistry } from '../agents/agent-registry.service';
import { API_CONFIG, type ApiConfig } from '../config/api-config';
import { DomainEventApplier, ON_AGENT_STATES } from '../domains/domain-event-applier.service';
import { DomainEntity } from '../domains/domain.entity';
import { RescheduleQueue } from './reschedule-queue.service';

/**
 * Notices agents that went down: every few seconds, domains placed on an agent without a live heartbeat
 * (its key expired after three missed beats) become `lost`, and are restarted elsewhere through the
 * control queue when the policy says so (LOST_DOMAIN_POLICY=restart, the default; `keep` leaves them lost
 * for an admin).
 */
@Injectable()
export class LostAgentSweeper implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(LostAgentSweeper.name);
  private timer: NodeJS.Timeout | undefined;
  private sweeping: Promise<void> | undefined;

  constructor(
    @Inject(API_CONFIG) private readonly config: ApiConfig,
    private readonly registry: AgentRegistry,
    private readonly applier: DomainEventApplier,
    private readonly dataSource: DataSource,
    private readonly reschedule: RescheduleQueue,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(
      () => {
        if (!this.sweeping) this.sweeping = this.sweep().then(() => (this.sweeping = undefined));
      },
      Math.max(250, Math.floor(HEARTBEAT_TTL_MS / 3)),
    );
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.sweeping;
  }

  /** One pass; returns the domains it marked lost. */
  async sweep(): Promise<DomainEntity[]> {
    // Postgres unreachable at boot: DatabaseLifecycle retries the connection; until then there is nothing
    // to compare (and a query would make the driver try to connect on its own).
    if (!this.dataSource.isInitialized) return [];
    try {
      const live = new Set((await this.registry.liveHeartbeats()).map((b) => b.agentId));
      const rows = await this.dataSource
        .getRepository(DomainEntity)
        .createQueryBuilder('domain')
        .select('DISTINCT domain.agent_id', 'agentId')
        .where('domain.agent_id IS NOT NULL')
        .andWhere('domain.state IN (:...states)', { states: ON_AGENT_STATES })
        .getRawMany<{ agentId: string }>();
      const lost: DomainEntity[] = [];
      for (const { agentId } of rows) {
        if (live.has(agentId)) continue;
        const domains = await this.applier.markAgentLost(agentId);
        this.logger.warn(`agent ${agentId} is down: ${domains.length} domain(s) lost`);
        lost.push(...domains);
      }
      if (this.config.lostDomainPolicy === 'restart')
        // Queued, not done here: the control queue's worker restarts them (durably, once, on any instance).
        for (const domain of lost)
          await this.reschedule
            .restartLost(domain)
            .catch((error: unknown) =>
              this.logger.warn(`queueing the restart of lost ${domain.id}: ${String(error)}`),
            );
      return lost;
    } catch (error) {
      // Postgres or Redis briefly away: the next pass tries again.
      this.logger.warn(`lost-agent sweep failed: ${error instanceof Error ? error.message : String(error)}`);
      return [];
    }
  }
}
