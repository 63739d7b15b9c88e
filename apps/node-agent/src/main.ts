import { Redis } from 'ioredis';
import { loadAgentConfig } from './agent-config';
import { HeartbeatPublisher } from './heartbeat-publisher';
import { readHostCapacity } from './host-capacity';
import { JsonLogger } from './json-logger';

/*
 * The node agent, minimal for now: it announces itself and its host's capacity through Redis
 * heartbeats. Running domains (x86-core + xen-core in worker threads) comes later.
 */
function main(): void {
  const config = loadAgentConfig();
  const logger = new JsonLogger({ agentId: config.agentId });
  const redis = new Redis(config.redisUrl, {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    retryStrategy: (attempt) => Math.min(attempt * 250, 5_000),
  });
  const heartbeats = new HeartbeatPublisher(redis, config, logger);
  logger.info('agent starting', { apiUrl: config.apiUrl, pid: process.pid, capacity: readHostCapacity() });

  // ioredis reconnects by itself; before the first connection we say once that we are waiting,
  // afterwards the publisher reports outages.
  let connectedOnce = false;
  let waitingReported = false;
  redis.on('error', (error: Error) => {
    if (connectedOnce || waitingReported) return;
    waitingReported = true;
    logger.warn('Redis unreachable; waiting for it', { error: error.message });
  });
  redis.once('ready', () => {
    connectedOnce = true;
    logger.info('connected to Redis; publishing heartbeats', { intervalMs: config.heartbeatIntervalMs });
    heartbeats.start();
  });

  let stopping = false;
  const shutdown = async (reason: string): Promise<void> => {
    if (stopping) return;
    stopping = true;
    logger.info('agent stopping', { reason });
    await heartbeats.stop();
    if (redis.status === 'ready') await redis.quit().catch(() => undefined);
    if (redis.status !== 'end') redis.disconnect();
    logger.info('agent stopped');
    process.exit(0);
  };
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
  process.once('SIGINT', () => void shutdown('SIGINT'));
  // Started by the launcher with an IPC channel: if the launcher dies, do not outlive it.
  process.once('disconnect', () => void shutdown('launcher gone'));
}

main();
