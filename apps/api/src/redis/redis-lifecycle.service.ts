import { Inject, Injectable, Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { REDIS_CLIENT } from './redis-client';

/** Connects the shared client at boot without requiring Redis to be up, and closes it at shutdown. */
@Injectable()
export class RedisLifecycle implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(RedisLifecycle.name);
  private reportedDown = false;

  constructor(@Inject(REDIS_CLIENT) private readonly redis: Redis) {}

  async onModuleInit(): Promise<void> {
    // Log state changes once, not every reconnect attempt.
    this.redis.on('error', (error: Error) => {
      if (this.reportedDown) return;
      this.reportedDown = true;
      this.logger.warn(`Redis unreachable (${error.message}); reconnecting in the background`);
    });
    this.redis.on('ready', () => {
      if (this.reportedDown) this.logger.log('Redis reachable again');
      this.reportedDown = false;
    });
    // Wait for the first attempt (bounded by connectTimeout) so a healthy stack is healthy as soon as
    // the API listens; a failure is already reported by 'error' above and retried in the background.
    await this.redis.connect().catch(() => undefined);
  }

  /** True when Redis answers PING within the timeout. */
  async ping(timeoutMs = 1_000): Promise<boolean> {
    if (this.redis.status !== 'ready') return false;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), timeoutMs)));
    const ping = this.redis.ping().then(
      (reply) => reply === 'PONG',
      () => false,
    );
    try {
      return await Promise.race([ping, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.redis.status === 'ready') await this.redis.quit().catch(() => undefined);
    // disconnect() once ended would leave ioredis's 2 s "still open" timer behind.
    if (this.redis.status !== 'end') this.redis.disconnect();
  }
}
