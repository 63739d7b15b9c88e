import { Module } from '@nestjs/common';
import { API_CONFIG, type ApiConfig } from '../config/api-config';
import { createRedisClient, REDIS_CLIENT } from './redis-client';
import { RedisLifecycle } from './redis-lifecycle.service';

@Module({
  providers: [
    {
      provide: REDIS_CLIENT,
      inject: [API_CONFIG],
      useFactory: (config: ApiConfig) => createRedisClient(config.redisUrl),
    },
    RedisLifecycle,
  ],
  exports: [REDIS_CLIENT, RedisLifecycle],
})
export class RedisModule {}
