/**
 * The agent as Domain 0: wires the DomainHost to the lifecycle queue, the console relay and the domain events,
 * reports what the guests do on their own (poweroff, crash, reboot), and sends a reconcile report whenever it
 * (re)connects so the API can mark domains it does not run as lost.
 */
import type { AgentLoad } from '@xeno/contracts';
import { measureLoad, type LoadSnapshot } from './agent-load';
import type { ImageStore } from '@xeno/images';
import type { Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { ActionJournal } from './action-journal';
import { ConsoleRelay } from './console-relay';
import { DomainEventPublisher } from './domain-event-publisher';
import type { DomainHost } from './host/domain-host';
import type { JsonLogger } from './json-logger';
import { LifecycleJobs } from './lifecycle-jobs';
import { startLifecycleWorker } from './lifecycle-worker';
import { RedisSnapshotStore } from './snapshot-store';

export interface DomainAgentOptions {
  agentId: string;
  redisPrefix: string;
  dataDir: string;
  /** Commands and streams. */
  redis: Redis;
  /** Pub/sub for console input. */
  subscriber: Redis;
  /** BullMQ (blocking commands; maxRetriesPerRequest null). */
  queueConnection: Redis;
  host: DomainHost;
  images: ImageStore;
  logger: JsonLogger;
}

export class DomainAgent {
  readonly events: DomainEventPublisher;
  readonly consoles: ConsoleRelay;
  private readonly jobs: LifecycleJobs;
  private worker: Worker | undefined;
  private lastLoad: LoadSnapshot | undefined;

  constructor(private readonly options: DomainAgentOptions) {
    const { agentId, redisPrefix, host, logger } = options;
    this.events = new DomainEventPublisher(options.queueConnection, redisPrefix, logger);
    this.consoles = new ConsoleRelay(options.redis, options.subscriber, redisPrefix, host);
    this.jobs = new LifecycleJobs(
      agentId,
      host,
      options.images,
      new ActionJournal(options.dataDir),
      this.consoles,
      this.events,
      new RedisSnapshotStore(options.redis),
    );
    host.on('exit', (domainId, reason, detail) => {
      void this.consoles.close(domainId);
      const state = reason === 'crash' || reason === 'watchdog' ? 'crashed' : 'stopped';
      this.events.publish({
        agentId,
        domainId,
        state,
        shutdownReason: reason,
        ...(detail ? { detail } : {}),
      });
    });
    host.on('rebooted', (domainId) =>
      this.events.publish({
        agentId,
        domainId,
        state: 'running',
        shutdownReason: 'reboot',
        detail: 'guest rebooted',
      }),
    );
    host.on('failed', (error) =>
      logger.error('domain host failed; its domains are gone', { error: String(error) }),
    );
  }

  /** Start consuming lifecycle jobs and report what runs here. */
  async start(): Promise<void> {
    await this.reconcile();
    this.worker = startLifecycleWorker(
      this.options.agentId,
      this.options.redisPrefix,
      this.options.queueConnection,
      this.jobs,
      this.options.logger,
    );
  }

  async reconcile(): Promise<void> {
    const { domains } = await this.options.host.stats();
    this.events.reconcile({
      agentId: this.options.agentId,
      domains: domains.map((d) => ({
        domainId: d.domainId,
        state: d.state === 'stopping' ? 'stopping' : d.state,
      })),
    });
  }

  /** Load for the heartbeat, measured since the previous call. */
  async load(pcpus: number): Promise<AgentLoad> {
    const { load, snapshot } = measureLoad(
      this.lastLoad,
      await this.options.host.stats(),
      performance.now(),
      pcpus,
    );
    this.lastLoad = snapshot;
    return load;
  }

  /** Stop taking jobs (the current one finishes), flush events; domains keep running until the host closes. */
  async stopAcceptingJobs(): Promise<void> {
    await this.worker?.close();
    await this.events.drain();
  }

  async close(): Promise<void> {
    await this.stopAcceptingJobs();
    await this.events.close();
  }
}
