import { Module } from '@nestjs/common';
import { DatabaseModule } from '../database/database.module';
import { RedisModule } from '../redis/redis.module';
import { UsageModule } from '../usage/usage.module';
import { AgentDownSweep } from './agent-down-sweep.service';
import { AgentEnrolment } from './agent-enrolment.service';
import { AGENT_FLEET_CONFIG, loadAgentFleetConfig } from './agent-fleet-config';
import { AgentRegistry } from './agent-registry.service';
import { AgentStore } from './agent-store.service';
import { AgentsController } from './agents.controller';
import { DomainStatsPublisher } from './domain-stats-publisher.service';
import { FleetAgents } from './fleet-agents.service';

@Module({
  imports: [DatabaseModule, RedisModule, UsageModule],
  controllers: [AgentsController],
  providers: [
    { provide: AGENT_FLEET_CONFIG, useFactory: () => loadAgentFleetConfig() },
    AgentStore,
    AgentEnrolment,
    AgentRegistry,
    AgentDownSweep,
    DomainStatsPublisher,
    FleetAgents,
  ],
  exports: [AgentRegistry, AgentStore, AgentDownSweep, FleetAgents],
})
export class AgentsModule {}
