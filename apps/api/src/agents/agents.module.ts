import { Module } from '@nestjs/common';
import { RedisModule } from '../redis/redis.module';
import { AgentRegistry } from './agent-registry.service';

@Module({
  imports: [RedisModule],
  providers: [AgentRegistry],
  exports: [AgentRegistry],
})
export class AgentsModule {}
