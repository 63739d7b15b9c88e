import { Module } from '@nestjs/common';
import { AgentsModule } from '../agents/agents.module';
import { DatabaseModule } from '../database/database.module';
import { DomainsModule } from '../domains/domains.module';
import { QueuesModule } from '../queues/queues.module';
import { AgentDrain } from './agent-drain.service';
import { DomainMoves } from './domain-moves.service';
import { MoveProgress } from './move-progress.service';
import { MovesController } from './moves.controller';
import { Rebalance } from './rebalance.service';

/** Moves and drains (admin routes) and the move protocol's event handling (MoveProgress). */
@Module({
  imports: [DatabaseModule, AgentsModule, DomainsModule, QueuesModule],
  controllers: [MovesController],
  providers: [DomainMoves, AgentDrain, MoveProgress, Rebalance],
  exports: [MoveProgress],
})
export class MovesModule {}
