import { Injectable, NotFoundException } from '@nestjs/common';
import type { AgentView, FleetDomainView, FleetView } from '@xeno/contracts';
import { DataSource, In, IsNull, Not } from 'typeorm';
import { AgentRegistry } from '../agents/agent-registry.service';
import { FleetAgents } from '../agents/fleet-agents.service';
import { DomainEntity } from '../domains/domain.entity';

/**
 * The platform admin's view of the fleet: every agent with the domains placed on it (any tenant), and the
 * admin states. Cordoning is recorded where placement reads it (AgentRegistry, in Redis): a cordoned agent
 * keeps its domains and gets no new ones, because choosePlacement only takes `ready` agents.
 */
@Injectable()
export class FleetViews {
  constructor(
    private readonly agents: FleetAgents,
    private readonly registry: AgentRegistry,
    private readonly dataSource: DataSource,
  ) {}

  async view(): Promise<FleetView> {
    const agents = await this.agents.list();
    const domains = agents.length
      ? await this.dataSource.getRepository(DomainEntity).find({
          where: { agentId: In(agents.map((a) => a.agentId)) },
          order: { createdAt: 'ASC' },
        })
      : [];
    const byAgent = new Map<string, FleetDomainView[]>();
    for (const domain of domains) {
      const list = byAgent.get(domain.agentId!) ?? [];
      list.push({
        id: domain.id,
        tenantId: domain.tenantId,
        name: domain.name,
        state: domain.state,
        memoryMiB: domain.memoryMiB,
        vcpus: domain.vcpus,
      });
      byAgent.set(domain.agentId!, list);
    }
    return { agents: agents.map((agent) => ({ ...agent, domains: byAgent.get(agent.agentId) ?? [] })) };
  }

  /** Cordons an agent or makes it ready again; 404 for an agent the control plane does not know. */
  async setCordoned(agentId: string, cordoned: boolean): Promise<AgentView> {
    if (!(await this.agents.get(agentId))) throw new NotFoundException(`agent ${agentId} not found`);
    await this.registry.setAdminState(agentId, cordoned ? 'cordoned' : 'ready');
    return (await this.agents.get(agentId))!;
  }

  /** Every agent id whose lifecycle queue may hold dead letters: known agents and any a domain points at. */
  async queueOwners(): Promise<string[]> {
    const [agents, placed] = await Promise.all([
      this.agents.list(),
      this.dataSource
        .getRepository(DomainEntity)
        .createQueryBuilder('domain')
        .select('DISTINCT domain.agent_id', 'agentId')
        .where({ agentId: Not(IsNull()) })
        .getRawMany<{ agentId: string }>(),
    ]);
    return [...new Set([...agents.map((a) => a.agentId), ...placed.map((p) => p.agentId)])].sort();
  }
}
