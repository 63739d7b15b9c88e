import { Controller, Get, HttpCode, Param, Post } from '@nestjs/common';
import type { AgentView, FleetView } from '@xeno/contracts';
import { Audited } from '../audit/audited.decorator';
import { PlatformAdminOnly } from '../auth/require-role.decorator';
import { FleetViews } from './fleet-view.service';

const agentTarget = ({ params }: { params: Record<string, string> }) => `agent:${params.agentId}`;

/** Platform admins: the fleet and cordoning. Drain and move wait for domain snapshots (not built yet). */
@Controller('admin')
@PlatformAdminOnly()
export class AdminFleetController {
  constructor(private readonly fleet: FleetViews) {}

  @Get('fleet')
  view(): Promise<FleetView> {
    return this.fleet.view();
  }

  @Post('agents/:agentId/cordon')
  @HttpCode(200)
  @Audited({ action: 'agent.cordon', target: agentTarget })
  cordon(@Param('agentId') agentId: string): Promise<AgentView> {
    return this.fleet.setCordoned(agentId, true);
  }

  @Post('agents/:agentId/uncordon')
  @HttpCode(200)
  @Audited({ action: 'agent.uncordon', target: agentTarget })
  uncordon(@Param('agentId') agentId: string): Promise<AgentView> {
    return this.fleet.setCordoned(agentId, false);
  }
}
