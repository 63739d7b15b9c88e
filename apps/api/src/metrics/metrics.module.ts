import { Global, Module } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { AgentsModule } from '../agents/agents.module';
import { DatabaseModule } from '../database/database.module';
import { QueuesModule } from '../queues/queues.module';
import { FleetGauges } from './fleet-gauges';
import { httpMetricsMiddleware } from './http-metrics.middleware';
import { Metrics } from './metrics';
import { MetricsController } from './metrics.controller';

/**
 * GET /metrics; Metrics is global so any part of the API can count into it. The module installs the HTTP
 * middleware itself (only apps with metrics count requests), as plain Express middleware while the app is
 * being created — before Nest mounts the routes, so it sees every request, matched or not.
 */
@Global()
@Module({
  imports: [DatabaseModule, AgentsModule, QueuesModule],
  controllers: [MetricsController],
  providers: [Metrics, FleetGauges],
  exports: [Metrics],
})
export class MetricsModule {
  constructor(host: HttpAdapterHost, metrics: Metrics) {
    host.httpAdapter?.use(httpMetricsMiddleware(metrics));
  }
}
