import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import {
  agentJobProblem,
  agentLifecycleQueue,
  bullmqPrefix,
  type AgentJob,
  type DeadLetterJob,
} from '@xeno/contracts';
import { Queue, type JobsOptions } from 'bullmq';
import { Redis } from 'ioredis';
import { API_CONFIG, type ApiConfig } from '../config/api-config';

/**
 * Transient failures (agent busy, Redis blip) are retried with exponential backoff; after the last attempt
 * BullMQ keeps the job as failed (removeOnFail: false), which is the dead-letter list admins see.
 * jobId = actionId makes a repeated dispatch of one action a no-op instead of a second boot.
 */
export const LIFECYCLE_JOB_OPTIONS: Readonly<JobsOptions> = {
  attempts: 5,
  backoff: { type: 'exponential', delay: 1_000 },
  removeOnComplete: { count: 1_000 },
  removeOnFail: false,
};

const LIFECYCLE_QUEUE_NAME = /^lifecycle-[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;

/** Whether a name is one of agentLifecycleQueue()'s (an agent id is letters, digits, dots, dashes, underscores). */
export function isLifecycleQueueName(name: string): boolean {
  return LIFECYCLE_QUEUE_NAME.test(name);
}

/** Produces AgentJobs onto each agent's lifecycle queue (one BullMQ queue per agent). */
@Injectable()
export class LifecycleDispatcher implements OnApplicationShutdown {
  private readonly queues = new Map<string, Queue>();
  // BullMQ needs maxRetriesPerRequest: null; the API's shared client fails fast instead, so it has its own.
  private readonly connection: Redis;

  constructor(@Inject(API_CONFIG) private readonly config: ApiConfig) {
    this.connection = new Redis(config.redisUrl, { maxRetriesPerRequest: null, lazyConnect: true });
  }

  /** Enqueues a validated job; a second dispatch with the same actionId leaves the first job alone. */
  async dispatch(agentId: string, job: AgentJob): Promise<void> {
    const problem = agentJobProblem(job);
    if (problem) throw new Error(`refusing to dispatch an invalid ${job.kind} job: ${problem}`);
    await this.queueFor(agentId).add(job.kind, job, { ...LIFECYCLE_JOB_OPTIONS, jobId: job.actionId });
  }

  /** Jobs that exhausted their retries on the given agents' queues, newest first. */
  async deadLetters(agentIds: readonly string[]): Promise<DeadLetterJob[]> {
    const lists = await Promise.all(
      agentIds.map(async (agentId) => {
        const queue = this.queueFor(agentId);
        const failed = await queue.getFailed(0, 199);
        return failed.map<DeadLetterJob>((job) => ({
          queue: queue.name,
          jobId: job.id ?? '',
          kind: job.name,
          actionId: String((job.data as Partial<AgentJob>).actionId ?? ''),
          domainId: String((job.data as Partial<AgentJob>).domainId ?? ''),
          attemptsMade: job.attemptsMade,
          failedReason: job.failedReason ?? '',
          failedAt: job.finishedOn ? new Date(job.finishedOn).toISOString() : null,
        }));
      }),
    );
    return lists.flat().sort((a, b) => (b.failedAt ?? '').localeCompare(a.failedAt ?? ''));
  }

  /** Jobs by state (waiting, active, delayed, failed…) on each named queue of this deployment. */
  async jobCounts(queueNames: readonly string[]): Promise<Map<string, Record<string, number>>> {
    const counts = await Promise.all(
      queueNames.map(
        async (name) =>
          [name, await this.queue(name).getJobCounts('waiting', 'active', 'delayed', 'failed')] as const,
      ),
    );
    return new Map(counts);
  }

  /**
   * Puts a dead letter back on its queue with its attempts reset. `undefined` when the queue is not a
   * lifecycle queue or has no such job; `'not failed'` when the job exists but is not a dead letter.
   */
  async retryDeadLetter(queueName: string, jobId: string): Promise<'retried' | 'not failed' | undefined> {
    if (!isLifecycleQueueName(queueName)) return undefined;
    const job = await this.queue(queueName).getJob(jobId);
    if (!job) return undefined;
    if (!(await job.isFailed())) return 'not failed';
    await job.retry('failed', { resetAttemptsMade: true, resetAttemptsStarted: true });
    return 'retried';
  }

  async onApplicationShutdown(): Promise<void> {
    await Promise.all([...this.queues.values()].map((queue) => queue.close()));
    // Never connected (no job was ever dispatched): nothing to say goodbye to.
    if (this.connection.status === 'wait') return this.connection.disconnect();
    await this.connection.quit().catch(() => this.connection.disconnect());
  }

  private queueFor(agentId: string): Queue {
    return this.queue(agentLifecycleQueue(agentId));
  }

  /** One Queue object per queue name, on the shared connection. */
  private queue(name: string): Queue {
    let queue = this.queues.get(name);
    if (!queue) {
      queue = new Queue(name, { connection: this.connection, prefix: bullmqPrefix(this.config.redisPrefix) });
      this.queues.set(name, queue);
    }
    return queue;
  }
}
