import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { bullmqPrefix, CONTROL_QUEUE } from '@xeno/contracts';
import { Queue, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import { DataSource } from 'typeorm';
import { AuditLog } from '../audit/audit-log.service';
import { API_CONFIG, type ApiConfig } from '../config/api-config';
import { DomainActions } from '../domains/domain-actions.service';
import { DomainEntity } from '../domains/domain.entity';
import { REDIS_CLIENT } from '../redis/redis-client';
import { redisConnectionOptions } from '../redis/redis-connection-options';
import { ApiWorker } from './api-worker';

const RESTART_LOST = 'restart-lost';

interface RestartLostJob {
  domainId: string;
}

/**
 * The control queue: rescheduling work the control plane does on its own, durable in Redis and done by
 * whichever API instance takes the job — today restarting the domains of an agent that went down. A
 * sweep that marked a domain lost only enqueues its restart, so an API crash between the two loses
 * nothing, and several API instances never restart the same domain twice (one job per loss, and the job
 * acts only on a domain that is still lost).
 */
@Injectable()
export class RescheduleQueue implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(RescheduleQueue.name);
  private readonly queue: Queue;
  private worker: ApiWorker | undefined;

  constructor(
    @Inject(API_CONFIG) private readonly config: ApiConfig,
    @Inject(REDIS_CLIENT) private readonly redis: Redis,
    private readonly dataSource: DataSource,
    private readonly actions: DomainActions,
    private readonly audit: AuditLog,
  ) {
    this.queue = new Queue(CONTROL_QUEUE, {
      connection: redisConnectionOptions(config.redisUrl),
      prefix: bullmqPrefix(config.redisPrefix),
    });
    this.queue.on('error', (error) => this.logger.warn(`control queue: ${error.message}`));
  }

  /** Restart this lost domain elsewhere (retried with backoff while no agent can take it). */
  async restartLost(domain: DomainEntity, lostAt = new Date()): Promise<void> {
    const data: RestartLostJob = { domainId: domain.id };
    await this.queue.add(RESTART_LOST, data, {
      jobId: `${RESTART_LOST}-${domain.id}-${lostAt.getTime()}`,
      attempts: 5,
      backoff: { type: 'exponential', delay: 2_000 },
      removeOnComplete: { count: 1_000 },
      removeOnFail: false,
    });
  }

  onApplicationBootstrap(): void {
    this.worker = new ApiWorker(
      this.redis,
      CONTROL_QUEUE,
      (job) => this.handle(job),
      {
        connection: redisConnectionOptions(this.config.redisUrl),
        prefix: bullmqPrefix(this.config.redisPrefix),
        concurrency: 1,
      },
      (worker) => {
        worker.on('error', (error) => this.logger.warn(`control worker: ${error.message}`));
        worker.on('failed', (job, error) =>
          this.logger.warn(
            `control job ${job?.id ?? '?'} (attempt ${job?.attemptsMade ?? 0}): ${error.message}`,
          ),
        );
      },
    );
    this.worker.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.worker?.close();
    await this.queue.close().catch(() => undefined);
  }

  private async handle(job: Job): Promise<void> {
    if (job.name !== RESTART_LOST) throw new Error(`unknown control job ${job.name}`);
    const { domainId } = job.data as RestartLostJob;
    const domain = await this.dataSource.getRepository(DomainEntity).findOneBy({ id: domainId });
    // Restarted already (an earlier attempt, another instance) or acted on by someone since: done.
    if (!domain || domain.state !== 'lost') return;
    const action = await this.actions.restartLost(domain);
    // The control plane acted on its own: no actor, in the domain's tenant log.
    await this.audit.record({
      actorUserId: null,
      tenantId: domain.tenantId,
      action: 'domain.action.restart-lost',
      target: `domain:${domain.id}`,
      result: action.status !== 'failed' ? 'ok' : 'failed',
      detail: action.error ?? `action ${action.id} ${action.status}`,
    });
    // No agent could take it now (the domain is lost again): fail the job so BullMQ tries again with
    // backoff — an agent may join or free memory meanwhile. Out of attempts it stays lost, a dead letter.
    if (action.status === 'failed') throw new Error(`lost ${domain.id} not restarted: ${action.error}`);
  }
}
