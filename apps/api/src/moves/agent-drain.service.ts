import { HttpException, Injectable, NotFoundException } from '@nestjs/common';
import { MOVE_RULE, type DrainAgentResponse, type RequestPrincipal } from '@xeno/contracts';
import { DataSource, In } from 'typeorm';
import { AgentRegistry } from '../agents/agent-registry.service';
import { ON_AGENT_STATES } from '../domains/domain-event-applier.service';
import { DomainEntity } from '../domains/domain.entity';
import { DomainMoves } from './domain-moves.service';

/**
 * Drains an agent: it becomes `draining` (placement skips it, as for cordoned) and every domain on it is
 * moved to another agent, one move each. Domains that cannot move now (mid-action, no room elsewhere) are
 * reported with the reason and stay where they are; draining again later picks them up.
 */
@Injectable()
export class AgentDrain {
  constructor(
    private readonly dataSource: DataSource,
    private readonly registry: AgentRegistry,
    private readonly moves: DomainMoves,
  ) {}

  async drain(principal: Pick<RequestPrincipal, 'userId'>, agentId: string): Promise<DrainAgentResponse> {
    const live = await this.registry.liveAgents();
    if (!live.some((agent) => agent.heartbeat.agentId === agentId))
      throw new NotFoundException(`no live agent ${agentId}`);
    await this.registry.setAdminState(agentId, 'draining');
    const domains = await this.dataSource.getRepository(DomainEntity).find({
      where: { agentId, state: In([...ON_AGENT_STATES]) },
      order: { createdAt: 'ASC' },
    });
    const response: DrainAgentResponse = { agentId, state: 'draining', moves: [], notMoved: [] };
    for (const domain of domains) {
      if (domain.state === 'migrating') continue; // already on its way off
      if (!MOVE_RULE.from.includes(domain.state)) {
        response.notMoved.push({ domainId: domain.id, reason: `it is ${domain.state}` });
        continue;
      }
      try {
        response.moves.push(await this.moves.move(principal, domain.id, undefined));
      } catch (error) {
        if (!(error instanceof HttpException)) throw error;
        response.notMoved.push({ domainId: domain.id, reason: error.message });
      }
    }
    return response;
  }
}
