/**
 * Sends AgentDomainEvents and reconcile reports to the API through the durable DOMAIN_EVENTS_QUEUE. Events
 * wait in a bounded FIFO while Redis is unreachable and go out in order once it is back; each has a job id,
 * so one re-sent after an ambiguous failure (or by a retried job) is not delivered twice.
 */
import {
  bullmqPrefix,
  DOMAIN_EVENTS_QUEUE,
  RECONCILE_JOB_NAME,
  type AgentDomainEvent,
  type AgentReconcileReport,
} from '@xeno/contracts';
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { randomUUID } from 'node:crypto';
import type { JsonLogger } from './json-logger';

const MAX_BUFFERED = 10_000;
const RETRY_MS = 500;

interface Outgoing {
  name: string;
  jobId: string;
  data: AgentDomainEvent | AgentReconcileReport;
}

export class DomainEventPublisher {
  private readonly queue: Queue;
  private readonly buffer: Outgoing[] = [];
  private flushing: Promise<void> | undefined;
  private closed = false;
  /** Events given up because the buffer was full (the next reconcile report restores the state). */
  dropped = 0;

  constructor(
    connection: Redis,
    redisPrefix: string,
    private readonly logger: JsonLogger,
  ) {
    this.queue = new Queue(DOMAIN_EVENTS_QUEUE, { connection, prefix: bullmqPrefix(redisPrefix) });
    this.queue.on('error', () => undefined); // outages are handled (and logged) by flush
  }

  /** `dedupeKey`: events of a job use `<actionId>:<state>`, so a retried job does not report twice. */
  publish(event: Omit<AgentDomainEvent, 'at'>, dedupeKey?: string): void {
    const data: AgentDomainEvent = { ...event, at: new Date().toISOString() };
    this.enqueue({ name: event.state, jobId: `${event.domainId}:${dedupeKey ?? randomUUID()}`, data });
  }

  reconcile(report: Omit<AgentReconcileReport, 'at'>): void {
    const data = { ...report, at: new Date().toISOString() };
    this.enqueue({ name: RECONCILE_JOB_NAME, jobId: `reconcile:${report.agentId}:${randomUUID()}`, data });
  }

  get pending(): number {
    return this.buffer.length;
  }

  /** Resolves once everything buffered so far is in Redis. */
  async drain(): Promise<void> {
    while (this.flushing) await this.flushing;
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.queue.close().catch(() => undefined);
  }

  private enqueue(outgoing: Outgoing): void {
    this.buffer.push(outgoing);
    if (this.buffer.length > MAX_BUFFERED) {
      this.buffer.shift();
      this.dropped++;
    }
    this.flushing ??= this.flush().finally(() => (this.flushing = undefined));
  }

  private async flush(): Promise<void> {
    let failing = false;
    while (this.buffer.length > 0 && !this.closed) {
      const head = this.buffer[0];
      try {
        await this.queue.add(head.name, head.data, {
          jobId: head.jobId,
          removeOnComplete: 1_000,
          removeOnFail: 10_000,
        });
        if (this.buffer[0] === head) this.buffer.shift();
        if (failing) this.logger.info('domain events flowing again', { pending: this.buffer.length });
        failing = false;
      } catch (error) {
        if (!failing) this.logger.warn('cannot send domain events; buffering', { error: String(error) });
        failing = true;
        await new Promise((resolve) => setTimeout(resolve, RETRY_MS));
      }
    }
  }
}
