import { Inject, Injectable, Logger } from '@nestjs/common';
import {
  agentLoadChannel,
  domainStatsChannel,
  type AgentDomainLoad,
  type AgentLoad,
  type AgentLoadSample,
  type DomainStatsSample,
} from '@xeno/contracts';
import type { Redis } from 'ioredis';
import { DataSource } from 'typeorm';
import { API_CONFIG, type ApiConfig } from '../config/api-config';
import { REDIS_CLIENT } from '../redis/redis-client';

/**
 * Turns the per-domain figures of an agent's heartbeat into DomainStatsSamples on domainStatsChannel,
 * which every API instance pushes to the owning tenant's browsers (/events `stats`). Only domains the API
 * placed on that agent are announced: an agent cannot publish figures for another agent's (or tenant's)
 * domains. Like state announcements, a lost sample costs only a point on a graph, so failures are logged.
 */
@Injectable()
export class DomainStatsPublisher {
  private readonly logger = new Logger(DomainStatsPublisher.name);

  constructor(
    private readonly dataSource: DataSource,
    @Inject(REDIS_CLIENT) private readonly redis: Redis,
    @Inject(API_CONFIG) private readonly config: ApiConfig,
  ) {}

  /** The agent's own figures, for platform admins (no tenant sees another's agents). */
  async publishAgent(agentId: string, capacity: AgentLoadSample['capacity'], load: AgentLoad): Promise<void> {
    const sample: AgentLoadSample = { agentId, at: new Date().toISOString(), capacity, load };
    await this.redis
      .publish(agentLoadChannel(this.config.redisPrefix), JSON.stringify(sample))
      .catch((error: unknown) =>
        this.logger.warn(`could not announce the load of ${agentId}: ${String(error)}`),
      );
  }

  async publish(agentId: string, loads: readonly AgentDomainLoad[] | undefined): Promise<void> {
    if (!loads || loads.length === 0) return;
    try {
      const rows = (await this.dataSource.query(
        `SELECT "id", "tenant_id" FROM "domains" WHERE "agent_id" = $1 AND "id"::text = ANY($2::text[])`,
        [agentId, loads.map((l) => l.domainId)],
      )) as Array<{ id: string; tenant_id: string }>;
      const tenantOf = new Map(rows.map((r) => [r.id, r.tenant_id]));
      const at = new Date().toISOString();
      const channel = domainStatsChannel(this.config.redisPrefix);
      const pipeline = this.redis.pipeline();
      for (const load of loads) {
        const tenantId = tenantOf.get(load.domainId);
        if (!tenantId) continue;
        const sample: DomainStatsSample = {
          domainId: load.domainId,
          tenantId,
          at,
          cpuShare: load.cpuShare,
          memoryMiB: load.memoryMiB,
          instructionsPerSecond: load.instructionsPerSecond,
        };
        pipeline.publish(channel, JSON.stringify(sample));
      }
      await pipeline.exec();
    } catch (error) {
      this.logger.warn(`could not announce domain stats of agent ${agentId}: ${String(error)}`);
    }
  }
}
