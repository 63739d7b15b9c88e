import { Module } from '@nestjs/common';
import { AgentsModule } from '../agents/agents.module';
import { DatabaseModule } from '../database/database.module';
import { QueuesModule } from '../queues/queues.module';
import { AdminFleetController } from './admin-fleet.controller';
import { DeadLettersController } from './dead-letters.controller';
import { FleetViews } from './fleet-view.service';

/** /api/admin/* for platform admins (usage is in UsageModule): fleet, cordoning, dead letters. */
@Module({
  imports: [DatabaseModule, AgentsModule, QueuesModule],
  controllers: [AdminFleetController, DeadLettersController],
  providers: [FleetViews],
})
export class AdminModule {}
