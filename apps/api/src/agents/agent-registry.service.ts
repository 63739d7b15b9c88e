import { Inject, Injectable } from '@nestjs/common';
import { agentHeartbeatPattern } from '@xeno/contracts';
import type { Redis } from 'ioredis';
import { API_CONFIG, type ApiConfig } from '../config/api-config';
import { REDIS_CLIENT } from '../redis/redis-client';
import type { PlacementAgent } from '../placement/placement-agent';
import { AgentStore } from './agent-store.service';

/**
 * Which node agents are alive and what placement may use. Liveness for health is read from the Redis
 * heartbeat keys. A key expires when its agent stops
 * refreshing it, so "live" is simply "the key exists". SCAN is fine at today's cluster sizes; a
 * sorted-set index can replace it when placement needs the list often.
 */
@Injectable()
export class AgentRegistry {
  constructor(
    @Inject(REDIS_CLIENT) private readonly redis: Redis,
    @Inject(API_CONFIG) private readonly config: ApiConfig,
    private readonly store: AgentStore,
  ) {}

  /**
   * Every enrolled agent as placement sees it: state from Postgres (admin states, down from the sweep),
   * reserved memory summed from the domains placed there, CPU load from the last heartbeat.
   */
  async placementAgents(): Promise<PlacementAgent[]> {
    const agents = await this.store.list();
    return agents.map((agent) => ({
      agentId: agent.agentId,
      state: agent.state,
      capacity: agent.capacity,
      reservedMemoryMiB: agent.reservedMemoryMiB,
      cpuBusy: agent.load?.cpuBusy ?? 0,
    }));
  }

  async countLive(): Promise<number> {
    const keys = new Set<string>(); // SCAN may return a key twice
    const pattern = agentHeartbeatPattern(this.config.redisPrefix);
    let cursor = '0';
    do {
      const [next, batch] = await this.redis.scan(cursor, 'MATCH', pattern, 'COUNT', 200);
      cursor = next;
      for (const key of batch) keys.add(key);
    } while (cursor !== '0');
    return keys.size;
  }
}
