import { Body, Controller, Headers, HttpCode, Logger, Post } from '@nestjs/common';
import type { AgentEnrolmentResponse } from '@xeno/contracts';
import { Audited, NotAudited } from '../audit/audited.decorator';
import { bearerTokenFromHeader } from '../auth/secrets';
import { Public } from '../auth/public.decorator';
import { AgentEnrolment } from './agent-enrolment.service';
import { AgentStore } from './agent-store.service';
import { UsageRecorder } from '../usage/usage-recorder.service';
import { AgentEnrolmentDto, AgentHeartbeatDto } from './agents.dto';
import { DomainStatsPublisher } from './domain-stats-publisher.service';

/** Routes the node agents call. Not user routes: they authenticate with the enrolment secret or a credential. */
@Public()
@Controller('agents')
export class AgentsController {
  private readonly logger = new Logger(AgentsController.name);

  constructor(
    private readonly enrolment: AgentEnrolment,
    private readonly store: AgentStore,
    private readonly stats: DomainStatsPublisher,
    private readonly usage: UsageRecorder,
  ) {}

  @Post('enrol')
  @Audited({ action: 'agent.enrol', target: ({ body }) => `agent:${String(body?.agentId)}` })
  enrol(@Body() body: AgentEnrolmentDto): Promise<AgentEnrolmentResponse> {
    return this.enrolment.enrol(body);
  }

  @Post('heartbeat')
  @HttpCode(204)
  @NotAudited('every few seconds per agent: the agents table keeps the last one')
  async heartbeat(
    @Headers('authorization') authorization: string | undefined,
    @Body() body: AgentHeartbeatDto,
  ) {
    const agentId = await this.enrolment.authenticate(bearerTokenFromHeader(authorization));
    const beat = await this.store.heartbeat(agentId, body.capacity, body.load);
    // The heartbeat is recorded either way; a failed attribution costs one interval of usage figures.
    await this.usage
      .record({
        agentId,
        pcpus: body.capacity.pcpus,
        load: body.load,
        intervalSeconds: beat.intervalSeconds,
        at: beat.at,
      })
      .catch((error: unknown) => this.logger.warn(`usage of ${agentId} not recorded: ${String(error)}`));
    await this.stats.publish(agentId, body.load.domains);
    await this.stats.publishAgent(agentId, body.capacity, body.load);
  }
}
