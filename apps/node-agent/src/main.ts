import { ImageStore } from '@xeno/images';
import { Redis } from 'ioredis';
import path from 'node:path';
import { findProjectRoot } from '../../../tools/infra';
import type { AgentLoad } from '@xeno/contracts';
import { loadAgentConfig } from './agent-config';
import { ApiEnrolment } from './api-enrolment';
import { ApiHeartbeats } from './api-heartbeats';
import { DomainAgent } from './domain-agent';
import { HeartbeatPublisher, type HeartbeatSource } from './heartbeat-publisher';
import { PartitionedDomainHost } from './host/pcpu-partitions';
import { WorkerDomainHost } from './host/worker-domain-host';
import { JsonLogger } from './json-logger';

/*
 * The node agent: Domain 0 of one emulated host. It runs the host (x86-core + xen-core) in a worker
 * thread, takes lifecycle jobs from its BullMQ queue, relays consoles and reports domain events through
 * Redis, and announces itself with heartbeats carrying its capacity and load. Redis outages are ridden
 * out (ioredis reconnects; events wait in a bounded queue); domains keep running meanwhile.
 */

/** Guest memory the host can hand out: its size less what xen-core keeps for itself (see bench:host). */
function guestMemoryMiB(hostMemoryMiB: number): number {
  return hostMemoryMiB - 16 - Math.ceil(hostMemoryMiB / 64);
}

function main(): void {
  const config = loadAgentConfig();
  const logger = new JsonLogger({ agentId: config.agentId });
  const reconnecting = { retryStrategy: (attempt: number) => Math.min(attempt * 250, 5_000) };
  const redis = new Redis(config.redisUrl, {
    ...reconnecting,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
  });
  const subscriber = new Redis(config.redisUrl, reconnecting);
  const queueConnection = new Redis(config.redisUrl, { ...reconnecting, maxRetriesPerRequest: null });
  for (const client of [subscriber, queueConnection]) client.on('error', () => undefined); // reported below

  const root = findProjectRoot();
  const images = new ImageStore(root, process.env.DATA_DIR ? path.resolve(process.env.DATA_DIR) : undefined);
  // One worker thread per pCPU, each an emulated host with its share of the memory (see pcpu-partitions.ts).
  const partitionMiB = Math.floor(config.hostMemoryMiB / config.pcpus);
  const host = new PartitionedDomainHost(
    Array.from({ length: config.pcpus }, () => ({
      host: new WorkerDomainHost({ memoryMiB: partitionMiB }),
      guestMemoryMiB: guestMemoryMiB(partitionMiB),
    })),
  );
  const HOST_PCPUS = config.pcpus;
  const agent = new DomainAgent({
    agentId: config.agentId,
    redisPrefix: config.redisPrefix,
    dataDir: config.dataDir,
    redis,
    subscriber,
    queueConnection,
    host,
    images,
    logger,
  });
  const usableMiB = guestMemoryMiB(partitionMiB) * config.pcpus;
  const source: HeartbeatSource = {
    capacity: () => ({
      pcpus: HOST_PCPUS,
      totalMemoryBytes: usableMiB * 2 ** 20,
      freeMemoryBytes: usableMiB * 2 ** 20,
    }),
    // DomainAgent.load measures since its previous call, so the Redis beat measures and the API beat reuses it.
    load: async () => (lastLoad = await agent.load(HOST_PCPUS).catch(() => undefined)),
  };
  let lastLoad: AgentLoad | undefined;
  const heartbeats = new HeartbeatPublisher(redis, config, logger, source);
  const enrolment = new ApiEnrolment({
    apiUrl: config.apiUrl,
    agentId: config.agentId,
    dataDir: config.dataDir,
    enrolmentSecret: config.enrolmentSecret,
  });
  const apiHeartbeats = new ApiHeartbeats(
    enrolment,
    async () =>
      lastLoad ? { capacity: { pcpus: HOST_PCPUS, memoryMiB: usableMiB }, load: lastLoad } : undefined,
    config.heartbeatIntervalMs,
    logger,
  );
  logger.info('agent starting', {
    apiUrl: config.apiUrl,
    pid: process.pid,
    hostMemoryMiB: config.hostMemoryMiB,
    guestMemoryMiB: usableMiB,
    dataDir: config.dataDir,
  });

  // ioredis reconnects by itself; before the first connection we say once that we are waiting,
  // afterwards the publisher reports outages.
  let connectedOnce = false;
  let waitingReported = false;
  redis.on('error', (error: Error) => {
    if (connectedOnce || waitingReported) return;
    waitingReported = true;
    logger.warn('Redis unreachable; waiting for it', { error: error.message });
  });
  redis.on('ready', () => {
    if (connectedOnce) {
      logger.info('Redis back; reporting what runs here');
      void agent
        .reconcile()
        .catch((error: unknown) => logger.warn('reconcile failed', { error: String(error) }));
      return;
    }
    connectedOnce = true;
    logger.info('connected to Redis; taking jobs and publishing heartbeats', {
      intervalMs: config.heartbeatIntervalMs,
    });
    void agent.start().then(
      () => {
        heartbeats.start();
        apiHeartbeats.start();
      },
      (error: unknown) => {
        logger.error('could not start taking jobs', { error: String(error) });
        void shutdown('start-up failed', 1);
      },
    );
  });
  host.on('failed', () => void shutdown('domain host failed', 1));

  let stopping = false;
  const shutdown = async (reason: string, code = 0): Promise<void> => {
    if (stopping) return;
    stopping = true;
    logger.info('agent stopping', { reason });
    await Promise.all([heartbeats.stop(), apiHeartbeats.stop()]);
    await agent
      .close()
      .catch((error: unknown) => logger.warn('closing the job worker failed', { error: String(error) }));
    await host.close().catch(() => undefined);
    for (const client of [queueConnection, subscriber, redis]) {
      if (client.status === 'ready') await client.quit().catch(() => undefined);
      if (client.status !== 'end') client.disconnect();
    }
    logger.info('agent stopped');
    process.exit(code);
  };
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
  process.once('SIGINT', () => void shutdown('SIGINT'));
  // Started by the launcher with an IPC channel: if the launcher dies, do not outlive it.
  process.once('disconnect', () => void shutdown('launcher gone'));
}

main();
