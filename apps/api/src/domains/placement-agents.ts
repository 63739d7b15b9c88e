import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { AgentRegistry } from '../agents/agent-registry.service';
import type { PlacementAgent } from '../placement/placement-agent';
import { DomainEntity } from './domain.entity';

/** Where domain actions get the agents placement chooses from (a port, so tests and admins can narrow it). */
export abstract class PlacementAgents {
  abstract list(): Promise<PlacementAgent[]>;
}

/** States in which a domain holds memory on its agent. */
const RESERVING_STATES = ['scheduling', 'starting', 'running', 'paused', 'stopping', 'migrating'];

/**
 * Live agents from their heartbeats: capacity as the agent reports what it can hand out, CPU load from its
 * last report, and reserved memory counted from what Postgres says is placed there — authoritative, and
 * up to date the moment a start is accepted (an agent's report lags by a heartbeat).
 */
@Injectable()
export class HeartbeatPlacementAgents extends PlacementAgents {
  constructor(
    private readonly registry: AgentRegistry,
    private readonly dataSource: DataSource,
  ) {
    super();
  }

  async list(): Promise<PlacementAgent[]> {
    const agents = await this.registry.liveAgents();
    if (agents.length === 0) return [];
    const rows = await this.dataSource
      .getRepository(DomainEntity)
      .createQueryBuilder('domain')
      .select('domain.agent_id', 'agentId')
      .addSelect('COALESCE(SUM(domain.memory_mib), 0)::int', 'reserved')
      .where('domain.agent_id IN (:...ids)', { ids: agents.map((a) => a.heartbeat.agentId) })
      .andWhere('domain.state IN (:...states)', { states: RESERVING_STATES })
      .groupBy('domain.agent_id')
      .getRawMany<{ agentId: string; reserved: number }>();
    const reserved = new Map(rows.map((r) => [r.agentId, r.reserved]));
    return agents.map(({ heartbeat: beat, state }) => ({
      agentId: beat.agentId,
      state,
      capacity: {
        pcpus: beat.capacity.pcpus,
        memoryMiB: Math.floor(beat.capacity.totalMemoryBytes / 2 ** 20),
      },
      reservedMemoryMiB: reserved.get(beat.agentId) ?? 0,
      cpuBusy: beat.load?.cpuBusy ?? 0,
    }));
  }
}
