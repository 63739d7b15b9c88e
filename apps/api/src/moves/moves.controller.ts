import { Body, Controller, Get, HttpCode, Param, ParseUUIDPipe, Post, UseGuards } from '@nestjs/common';
import type {
  DrainAgentResponse,
  MoveDomainResponse,
  RebalancePlan,
  RequestPrincipal,
} from '@xeno/contracts';
import { Principal } from '../auth/public.decorator';
import { AgentDrain } from './agent-drain.service';
import { DomainMoves } from './domain-moves.service';
import { MoveDomainDto } from './moves.dto';
import { PlatformAdminGuard } from './platform-admin.guard';
import { Rebalance } from './rebalance.service';

/** Moving domains between agents: platform admins only, across tenants. */
@UseGuards(PlatformAdminGuard)
@Controller('admin')
export class MovesController {
  constructor(
    private readonly moves: DomainMoves,
    private readonly drains: AgentDrain,
    private readonly rebalance: Rebalance,
  ) {}

  @Post('domains/:id/move')
  @HttpCode(202)
  move(
    @Principal() principal: RequestPrincipal,
    @Param('id', ParseUUIDPipe) id: string,
    @Body() body: MoveDomainDto,
  ): Promise<MoveDomainResponse> {
    return this.moves.move(principal, id, body.targetAgentId);
  }

  @Post('agents/:agentId/drain')
  @HttpCode(202)
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
  applyRebalance(@Principal() principal: RequestPrincipal): Promise<RebalancePlan> {
    return this.rebalance.apply(principal);
  }
}
