import { Inject, Injectable } from '@nestjs/common';
import { agentHeartbeatPattern } from '@xeno/contracts';
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
