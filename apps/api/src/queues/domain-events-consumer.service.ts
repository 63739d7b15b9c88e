import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import {
  bullmqPrefix,
  DOMAIN_EVENTS_QUEUE,
  RECONCILE_JOB_NAME,
  type AgentDomainEvent,
  type AgentReconcileReport,
} from '@xeno/contracts';
import type { Job } from 'bullmq';
import type { Redis } from 'ioredis';
import { API_CONFIG, type ApiConfig } from '../config/api-config';
import { DomainEventApplier } from '../domains/domain-event-applier.service';
import { Metrics } from '../metrics/metrics';
import { MoveProgress } from '../moves/move-progress.service';
import { ApiWorker } from './api-worker';
import { LifecycleDispatcher } from './lifecycle-dispatcher.service';
import { REDIS_CLIENT } from '../redis/redis-client';
import { redisConnectionOptions } from '../redis/redis-connection-options';
import { randomUUID } from 'node:crypto';

/**
 * Consumes what agents report on the durable DOMAIN_EVENTS_QUEUE and records it in Postgres. A job is
 * acknowledged only after its transaction committed, so an API restart or a database blip retries it
 * (applying an event twice is harmless). Orphans found by a reconcile — domains an agent runs that the
 * API placed elsewhere or deleted — are destroyed on that agent.
 */
@Injectable()
export class DomainEventsConsumer implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(DomainEventsConsumer.name);
  private worker: ApiWorker | undefined;

  constructor(
    @Inject(API_CONFIG) private readonly config: ApiConfig,
    private readonly applier: DomainEventApplier,
    private readonly dispatcher: LifecycleDispatcher,
    @Inject(REDIS_CLIENT) private readonly redis: Redis,
    private readonly metrics: Metrics,
    private readonly moves: MoveProgress,
  ) {}

  onApplicationBootstrap(): void {
    this.worker = new ApiWorker(
      this.redis,
      DOMAIN_EVENTS_QUEUE,
      (job) => this.handle(job),
      {
        connection: redisConnectionOptions(this.config.redisUrl),
        prefix: bullmqPrefix(this.config.redisPrefix),
        // One at a time: an agent's events for a domain must apply in the order it sent them (a `starting`
        // applied after its `running` would leave the domain looking stuck).
        concurrency: 1,
      },
      (worker) => {
        worker.on('failed', (job, error) => {
          this.metrics.jobFailures.inc({ queue: DOMAIN_EVENTS_QUEUE });
          this.logger.warn(
            `domain event ${job?.id ?? '?'} failed (${job?.attemptsMade ?? 0} attempts): ${error.message}`,
          );
        });
        worker.on('error', (error) => this.logger.warn(`domain events worker: ${error.message}`));
      },
    );
    this.worker.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.worker?.close();
  }

  private async handle(job: Job): Promise<void> {
    if (job.name === RECONCILE_JOB_NAME) {
      const report = job.data as AgentReconcileReport;
      const { orphans } = await this.applier.reconcile(report);
      for (const domainId of orphans)
        await this.dispatcher.dispatch(report.agentId, {
          kind: 'domain.destroy',
          actionId: randomUUID(),
          domainId,
        });
      return;
    }
    // A move's events come from two agents for one action: the move protocol applies them.
    if (await this.moves.apply(job.data as AgentDomainEvent)) return;
    const result = await this.applier.apply(job.data as AgentDomainEvent);
    if (!result.applied)
      this.logger.debug(
        `ignored ${job.name} for ${(job.data as AgentDomainEvent).domainId}: ${result.reason}`,
      );
  }
}
