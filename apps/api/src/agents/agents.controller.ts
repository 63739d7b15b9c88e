import { Body, Controller, Headers, HttpCode, Post } from '@nestjs/common';
import type { AgentEnrolmentResponse } from '@xeno/contracts';
import { bearerTokenFromHeader } from '../auth/secrets';
import { Public } from '../auth/public.decorator';
import { AgentEnrolment } from './agent-enrolment.service';
import { AgentStore } from './agent-store.service';
import { AgentEnrolmentDto, AgentHeartbeatDto } from './agents.dto';
import { DomainStatsPublisher } from './domain-stats-publisher.service';

/** Routes the node agents call. Not user routes: they authenticate with the enrolment secret or a credential. */
@Public()
@Controller('agents')
export class AgentsController {
  constructor(
    private readonly enrolment: AgentEnrolment,
    private readonly store: AgentStore,
    private readonly stats: DomainStatsPublisher,
  ) {}

  @Post('enrol')
  enrol(@Body() body: AgentEnrolmentDto): Promise<AgentEnrolmentResponse> {
    return this.enrolment.enrol(body);
  }

  @Post('heartbeat')
  @HttpCode(204)
  async heartbeat(
    @Headers('authorization') authorization: string | undefined,
    @Body() body: AgentHeartbeatDto,
  ) {
    const agentId = await this.enrolment.authenticate(bearerTokenFromHeader(authorization));
    await this.store.heartbeat(agentId, body.capacity, body.load);
    await this.stats.publish(agentId, body.load.domains);
  }
}
