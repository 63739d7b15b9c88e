import { Global, Module } from '@nestjs/common';
import { AgentsModule } from '../agents/agents.module';
import { DatabaseModule } from '../database/database.module';
import { QueuesModule } from '../queues/queues.module';
import { FleetGauges } from './fleet-gauges';
import { Metrics } from './metrics';
import { MetricsController } from './metrics.controller';

/** GET /metrics; Metrics is global so any part of the API can count into it. */
@Global()
@Module({
  imports: [DatabaseModule, AgentsModule, QueuesModule],
  controllers: [MetricsController],
  providers: [Metrics, FleetGauges],
  exports: [Metrics],
})
export class MetricsModule {}
