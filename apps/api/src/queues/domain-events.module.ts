import { Module } from '@nestjs/common';
import { AgentsModule } from '../agents/agents.module';
import { DatabaseModule } from '../database/database.module';
import { DomainsModule } from '../domains/domains.module';
import { MovesModule } from '../moves/moves.module';
import { DomainEventsConsumer } from './domain-events-consumer.service';
import { LostAgentSweeper } from './lost-agent-sweeper.service';
import { RescheduleQueue } from './reschedule-queue.service';
import { RedisModule } from '../redis/redis.module';
import { QueuesModule } from './queues.module';

/** The API's side of the agent protocol: agents' reports recorded, agents that went down noticed. */
@Module({
  imports: [DatabaseModule, AgentsModule, DomainsModule, MovesModule, QueuesModule, RedisModule],
  providers: [DomainEventsConsumer, LostAgentSweeper, RescheduleQueue],
  exports: [LostAgentSweeper],
})
export class DomainEventsModule {}
