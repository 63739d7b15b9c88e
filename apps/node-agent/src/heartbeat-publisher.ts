import { agentHeartbeatKey, type AgentHeartbeat, type AgentLoad, type HostCapacity } from '@xeno/contracts';
import type { Redis } from 'ioredis';
import os from 'node:os';
import type { AgentConfig } from './agent-config';
import { readHostCapacity } from './host-capacity';
import type { JsonLogger } from './json-logger';

/** What a heartbeat reports: the capacity the agent hands out, and (once it hosts domains) its load. */
export interface HeartbeatSource {
  capacity(): HostCapacity;
  load(): Promise<AgentLoad | undefined>;
}

/** The operating system's view, for an agent that hosts no domains. */
export const OS_HEARTBEAT_SOURCE: HeartbeatSource = {
  capacity: readHostCapacity,
  load: async () => undefined,
};

/**
 * Refreshes this agent's heartbeat key (value: AgentHeartbeat JSON, expiring after the TTL) on a
 * fixed interval. While Redis is unreachable beats are skipped, and the outage is logged once.
 */
export class HeartbeatPublisher {
  private readonly key: string;
  private readonly startedAt = new Date().toISOString();
  private timer: NodeJS.Timeout | undefined;
  private failing = false;
  private lastLoad: AgentLoad | undefined;

  constructor(
    private readonly redis: Redis,
    private readonly config: AgentConfig,
    private readonly logger: JsonLogger,
    private readonly source: HeartbeatSource = OS_HEARTBEAT_SOURCE,
  ) {
    this.key = agentHeartbeatKey(config.redisPrefix, config.agentId);
  }

  start(): void {
    void this.beat();
    this.timer = setInterval(() => void this.beat(), this.config.heartbeatIntervalMs);
  }

  /** Stops beating and removes the key, so the control plane sees the agent leave at once. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.redis.del(this.key).catch(() => undefined);
  }

  async heartbeat(): Promise<AgentHeartbeat> {
    const load = await this.currentLoad();
    return {
      agentId: this.config.agentId,
      hostname: os.hostname(),
      pid: process.pid,
      capacity: this.source.capacity(),
      ...(load ? { load } : {}),
      startedAt: this.startedAt,
      timestamp: new Date().toISOString(),
    };
  }

  /**
   * The load, or the last one measured when the host is too busy to answer within a third of the
   * interval (a worker restoring or booting a domain answers late): the beat itself must never be late,
   * or the control plane takes a busy agent for a dead one.
   */
  private async currentLoad(): Promise<AgentLoad | undefined> {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<'late'>((resolve) => {
      timer = setTimeout(() => resolve('late'), Math.max(100, this.config.heartbeatIntervalMs / 3));
    });
    try {
      const load = await Promise.race([this.source.load(), late]);
      if (load === 'late') return this.lastLoad;
      this.lastLoad = load;
      return load;
    } finally {
      clearTimeout(timer);
    }
  }

  async beat(): Promise<void> {
    try {
      await this.redis.set(
        this.key,
        JSON.stringify(await this.heartbeat()),
        'PX',
        this.config.heartbeatTtlMs,
      );
      if (this.failing) this.logger.info('heartbeats resumed');
      this.failing = false;
    } catch (error) {
      if (!this.failing) this.logger.warn('heartbeat failed; retrying', { error: String(error) });
      this.failing = true;
    }
  }
}
