import { Body, Controller, Get, HttpCode, Param, ParseUUIDPipe, Post } from '@nestjs/common';
import type {
  DrainAgentResponse,
  MoveDomainResponse,
  RebalancePlan,
  RequestPrincipal,
} from '@xeno/contracts';
import { Audited } from '../audit/audited.decorator';
import { Principal } from '../auth/public.decorator';
import { PlatformAdminOnly } from '../auth/require-role.decorator';
import { AgentDrain } from './agent-drain.service';
import { DomainMoves } from './domain-moves.service';
import { MoveDomainDto } from './moves.dto';
import { Rebalance } from './rebalance.service';

/** Moving domains between agents: platform admins only, across tenants. */
@Controller('admin')
@PlatformAdminOnly()
export class MovesController {
  constructor(
    private readonly moves: DomainMoves,
    private readonly drains: AgentDrain,
    private readonly rebalance: Rebalance,
  ) {}

  @Post('domains/:id/move')
  @HttpCode(202)
  @Audited({ action: 'domain.move', target: ({ params }) => `domain:${params.id}` })
  move(
    @Principal() principal: RequestPrincipal,
    @Param('id', ParseUUIDPipe) id: string,
    @Body() body: MoveDomainDto,
  ): Promise<MoveDomainResponse> {
    return this.moves.move(principal, id, body.targetAgentId);
  }

  @Post('agents/:agentId/drain')
  @HttpCode(202)
  @Audited({ action: 'agent.drain', target: ({ params }) => `agent:${params.agentId}` })
  drain(
    @Principal() principal: RequestPrincipal,
    @Param('agentId') agentId: string,
  ): Promise<DrainAgentResponse> {
    return this.drains.drain(principal, agentId);
  }

  @Get('rebalance')
  proposeRebalance(): Promise<RebalancePlan> {
    return this.rebalance.propose();
  }

  @Post('rebalance')
  @HttpCode(202)
  @Audited({ action: 'fleet.rebalance', target: () => 'fleet' })
  applyRebalance(@Principal() principal: RequestPrincipal): Promise<RebalancePlan> {
    return this.rebalance.apply(principal);
  }
}
