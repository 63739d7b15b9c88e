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
import { Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import { API_CONFIG, type ApiConfig } from '../config/api-config';
import { DomainEventApplier } from '../domains/domain-event-applier.service';
import { Metrics } from '../metrics/metrics';
import { MoveProgress } from '../moves/move-progress.service';
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
  private worker: Worker | undefined;
  private stopping = false;

  constructor(
    @Inject(API_CONFIG) private readonly config: ApiConfig,
    private readonly applier: DomainEventApplier,
    private readonly dispatcher: LifecycleDispatcher,
    @Inject(REDIS_CLIENT) private readonly redis: Redis,
    private readonly metrics: Metrics,
    private readonly moves: MoveProgress,
  ) {}

  onApplicationBootstrap(): void {
    // A BullMQ worker started against an unreachable Redis leaves connection promises that reject after
    // close() (unhandled ECONNREFUSED); the shared client already retries, so start once it is ready.
    if (this.redis.status === 'ready') this.startWorker();
    else this.redis.once('ready', this.startWorker);
  }

  private readonly startWorker = (): void => {
    if (this.worker || this.stopping) return;
    // Connection options rather than a client: the worker then owns its connections and closes them in
    // order on close(), which a shared client closed under it mid-command does not allow.
    this.worker = new Worker(DOMAIN_EVENTS_QUEUE, (job) => this.handle(job), {
      connection: redisConnectionOptions(this.config.redisUrl),
      prefix: bullmqPrefix(this.config.redisPrefix),
      // One at a time: an agent's events for a domain must apply in the order it sent them (a `starting`
      // applied after its `running` would leave the domain looking stuck).
      concurrency: 1,
    });
    this.worker.on('failed', (job, error) => {
      this.metrics.jobFailures.inc({ queue: DOMAIN_EVENTS_QUEUE });
      this.logger.warn(
        `domain event ${job?.id ?? '?'} failed (${job?.attemptsMade ?? 0} attempts): ${error.message}`,
      );
    });
    this.worker.on('error', (error) => this.logger.warn(`domain events worker: ${error.message}`));
  };

  async onApplicationShutdown(): Promise<void> {
    this.stopping = true;
    this.redis.off('ready', this.startWorker);
    if (!this.worker) return;
    // Closing while BullMQ still initialises its blocking connection makes it disconnect() rather than
    // QUIT, which rejects its fire-and-forget init commands (unhandled "Connection is closed"); let the
    // initialisation finish first — briefly: with Redis unreachable it never finishes.
    await Promise.race([
      this.worker.waitUntilReady().catch(() => undefined),
      new Promise((resolve) => setTimeout(resolve, 2_000).unref()),
    ]);
    await this.worker.close().catch(() => undefined);
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
