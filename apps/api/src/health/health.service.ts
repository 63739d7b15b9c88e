import { Inject, Injectable } from '@nestjs/common';
import type { HealthReport } from '@xeno/contracts';
import { AgentRegistry } from '../agents/agent-registry.service';
import { API_CONFIG, type ApiConfig } from '../config/api-config';
import { DatabaseLifecycle } from '../database/database-lifecycle.service';
import { RedisLifecycle } from '../redis/redis-lifecycle.service';

@Injectable()
export class HealthService {
  constructor(
    private readonly database: DatabaseLifecycle,
    private readonly redis: RedisLifecycle,
    private readonly agents: AgentRegistry,
    @Inject(API_CONFIG) private readonly config: ApiConfig,
  ) {}

  async check(): Promise<HealthReport> {
    const [dbUp, redisUp] = await Promise.all([this.database.ping(), this.redis.ping()]);
    const agents = redisUp ? await this.agents.countLive().catch(() => 0) : 0;
    return {
      service: 'xenoserver-api',
      status: dbUp && redisUp ? 'ok' : 'degraded',
      db: dbUp ? 'up' : 'down',
      redis: redisUp ? 'up' : 'down',
      agents,
      version: this.config.version,
    };
  }
}
