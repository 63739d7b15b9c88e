import { Inject, Injectable, Logger } from '@nestjs/common';
import { domainEventsChannel } from '@xeno/contracts';
import type { Redis } from 'ioredis';
import { API_CONFIG, type ApiConfig } from '../config/api-config';
import { REDIS_CLIENT } from '../redis/redis-client';
import { domainView } from './domain-views';
import type { DomainEntity } from './domain.entity';

/**
 * Announces a recorded state change on domainEventsChannel, after its transaction committed; every API
 * instance pushes it to that tenant's browsers (/events). A lost announcement costs only freshness (pages
 * re-read on the next one), so a Redis blip is logged, never failed on.
 */
@Injectable()
export class DomainStatePublisher {
  private readonly logger = new Logger(DomainStatePublisher.name);

  constructor(
    @Inject(REDIS_CLIENT) private readonly redis: Redis,
    @Inject(API_CONFIG) private readonly config: ApiConfig,
  ) {}

  announce(domain: DomainEntity | undefined): void {
    if (!domain) return;
    const message = JSON.stringify({ ...domainView(domain), domainId: domain.id });
    this.redis.publish(domainEventsChannel(this.config.redisPrefix), message).catch((error: unknown) => {
      this.logger.warn(`could not announce ${domain.id} ${domain.state}: ${String(error)}`);
    });
  }
}
