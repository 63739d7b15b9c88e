import { Inject, Injectable } from '@nestjs/common';
import {
  agentAdminStateKey,
  agentHeartbeatPattern,
  parseAgentHeartbeat,
  type AgentHeartbeat,
  type AgentState,
} from '@xeno/contracts';
import type { Redis } from 'ioredis';
import { API_CONFIG, type ApiConfig } from '../config/api-config';
import { REDIS_CLIENT } from '../redis/redis-client';

/**
 * Which node agents are alive, read from their heartbeat keys. A key expires when its agent stops
 * refreshing it, so "live" is simply "the key exists". SCAN is fine at today's cluster sizes; a
 * sorted-set index can replace it when placement needs the list often.
 */
@Injectable()
export class AgentRegistry {
  constructor(
    @Inject(REDIS_CLIENT) private readonly redis: Redis,
    @Inject(API_CONFIG) private readonly config: ApiConfig,
  ) {}

  async countLive(): Promise<number> {
    return (await this.liveKeys()).length;
  }

  /** The current heartbeat of every live agent, by agent id (unparseable values are skipped). */
  async liveHeartbeats(): Promise<AgentHeartbeat[]> {
    const keys = await this.liveKeys();
    if (keys.length === 0) return [];
    const values = await this.redis.mget(keys);
    return values.flatMap((raw) => {
      const beat = parseAgentHeartbeat(raw);
      return beat ? [beat] : [];
    });
  }

  /** Live agents with the state admins gave them (ready unless cordoned or draining). */
  async liveAgents(): Promise<Array<{ heartbeat: AgentHeartbeat; state: AgentState }>> {
    const [beats, states] = await Promise.all([
      this.liveHeartbeats(),
      this.redis.hgetall(agentAdminStateKey(this.config.redisPrefix)),
    ]);
    return beats.map((heartbeat) => ({ heartbeat, state: adminState(states[heartbeat.agentId]) }));
  }

  /** The admin state of every agent that has one (cordoned or draining), live or not. */
  async adminStates(): Promise<Map<string, 'cordoned' | 'draining'>> {
    const states = await this.redis.hgetall(agentAdminStateKey(this.config.redisPrefix));
    const known = Object.entries(states).flatMap(([agentId, value]) => {
      const state = adminState(value);
      return state === 'cordoned' || state === 'draining' ? [[agentId, state] as const] : [];
    });
    return new Map(known);
  }

  /** Cordon, drain (both keep the agent's domains where they are; no new ones) or make ready again. */
  async setAdminState(agentId: string, state: 'ready' | 'cordoned' | 'draining'): Promise<void> {
    const key = agentAdminStateKey(this.config.redisPrefix);
    if (state === 'ready') await this.redis.hdel(key, agentId);
    else await this.redis.hset(key, agentId, state);
  }

  private async liveKeys(): Promise<string[]> {
    const keys = new Set<string>(); // SCAN may return a key twice
    const pattern = agentHeartbeatPattern(this.config.redisPrefix);
    let cursor = '0';
    do {
      const [next, batch] = await this.redis.scan(cursor, 'MATCH', pattern, 'COUNT', 200);
      cursor = next;
      for (const key of batch) keys.add(key);
    } while (cursor !== '0');
    return [...keys];
  }
}

function adminState(value: string | undefined): AgentState {
  return value === 'cordoned' || value === 'draining' ? value : 'ready';
}
