/**
 * The BullMQ worker on this agent's lifecycle queue: one job at a time (domain actions are ordered), refusals
 * as UnrecoverableError so BullMQ does not retry them. Closing it waits for the current job to finish.
 */
import { agentLifecycleQueue, bullmqPrefix, type AgentJobResult } from '@xeno/contracts';
import { UnrecoverableError, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import type { JsonLogger } from './json-logger';
import { JobRefusedError, type LifecycleJobs } from './lifecycle-jobs';

export function startLifecycleWorker(
  agentId: string,
  redisPrefix: string,
  connection: Redis,
  jobs: LifecycleJobs,
  logger: JsonLogger,
): Worker {
  const worker = new Worker<unknown, AgentJobResult>(
    agentLifecycleQueue(agentId),
    async (job) => {
      try {
        return await jobs.handle(job.data);
      } catch (error) {
        if (error instanceof JobRefusedError) {
          logger.warn('job refused', { jobId: job.id, reason: error.message });
          throw new UnrecoverableError(error.message);
        }
        throw error;
      }
    },
    {
      connection,
      prefix: bullmqPrefix(redisPrefix),
      concurrency: 1,
      // A job caught active by a Redis (or agent) restart is handed out again once its lock lapses: 10 s
      // (renewed every 5 s while it runs) rather than BullMQ's 30 s, checked every 5 s. Running it again is
      // safe: handlers are idempotent by action id (the journal).
      lockDuration: 10_000,
      stalledInterval: 5_000,
    },
  );
  worker.on('error', (error) => logger.warn('lifecycle worker error', { error: String(error) }));
  worker.on('failed', (job, error) => {
    // Out of attempts on a transient failure (a refusal has reported itself already).
    if (!job || error instanceof UnrecoverableError || job.attemptsMade < (job.opts.attempts ?? 1)) return;
    jobs.gaveUp(job.data, `gave up after ${job.attemptsMade} attempts: ${error.message}`);
  });
  return worker;
}
