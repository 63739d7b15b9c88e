import { ConflictException, Controller, Get, HttpCode, NotFoundException, Param, Post } from '@nestjs/common';
import type { DeadLetterList, DeadLetterRetry } from '@xeno/contracts';
import { Audited } from '../audit/audited.decorator';
import { PlatformAdminOnly } from '../auth/require-role.decorator';
import { LifecycleDispatcher } from '../queues/lifecycle-dispatcher.service';
import { FleetViews } from './fleet-view.service';

/** Platform admins: lifecycle jobs that exhausted their retries, and putting one back. */
@Controller('admin/dead-letters')
@PlatformAdminOnly()
export class DeadLettersController {
  constructor(
    private readonly dispatcher: LifecycleDispatcher,
    private readonly fleet: FleetViews,
  ) {}

  @Get()
  async list(): Promise<DeadLetterList> {
    return { jobs: await this.dispatcher.deadLetters(await this.fleet.queueOwners()) };
  }

  @Post(':queue/:jobId/retry')
  @HttpCode(202)
  @Audited({ action: 'dead-letter.retry', target: ({ params }) => `job:${params.queue}/${params.jobId}` })
  async retry(@Param('queue') queue: string, @Param('jobId') jobId: string): Promise<DeadLetterRetry> {
    const outcome = await this.dispatcher.retryDeadLetter(queue, jobId);
    if (!outcome) throw new NotFoundException(`no job ${jobId} on queue ${queue}`);
    if (outcome === 'not failed')
      throw new ConflictException(`job ${jobId} on ${queue} is not a dead letter`);
    return { queue, jobId, state: 'waiting' };
  }
}
