import { Module } from '@nestjs/common';
import { AgentsModule } from '../agents/agents.module';
import { DatabaseModule } from '../database/database.module';
import { ImagesModule } from '../images/images.module';
import { QueuesModule } from '../queues/queues.module';
import { RedisModule } from '../redis/redis.module';
import { DomainStatePublisher } from './domain-state-publisher';
import { DomainActions } from './domain-actions.service';
import { DomainCreation } from './domain-creation.service';
import { DomainEventApplier } from './domain-event-applier.service';
import { LostMoveSnapshots } from './lost-move-snapshots';
import { DomainsController } from './domains.controller';
import { HeartbeatPlacementAgents, PlacementAgents } from './placement-agents';

@Module({
  imports: [DatabaseModule, AgentsModule, ImagesModule, QueuesModule, RedisModule],
  controllers: [DomainsController],
  providers: [
    DomainCreation,
    DomainActions,
    DomainEventApplier,
    DomainStatePublisher,
    LostMoveSnapshots,
    { provide: PlacementAgents, useClass: HeartbeatPlacementAgents },
  ],
  exports: [DomainCreation, DomainActions, DomainEventApplier, DomainStatePublisher, PlacementAgents],
})
export class DomainsModule {}
