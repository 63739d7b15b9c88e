import {
  Inject,
  Injectable,
  Module,
  type DynamicModule,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
  type ClassProvider,
  type FactoryProvider,
} from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { Redis } from 'ioredis';
import { API_CONFIG, type ApiConfig } from '../config/api-config';
import { RedisModule } from '../redis/redis.module';
import { REDIS_CLIENT } from '../redis/redis-client';
import { CONSOLE_ACCESS, type ConsoleAccess } from './console-access';
import { DEFAULT_CONSOLE_LIMITS } from './console-limits';
import { ConsoleLogController } from './console-log.controller';
import { ConsoleServer } from './console-server';
import { ConsoleShareController } from './console-share.controller';
import { ConsoleShareTokens } from './console-share-tokens';
import { SubscriberConnections } from './subscriber-connections';
import { servePushedDomainEvents } from './domain-events-push';

/** Starts socket.io on the API's HTTP server once Nest has built it, and closes it (and its Redis links) at shutdown. */
@Injectable()
export class ConsoleLifecycle implements OnApplicationBootstrap, OnApplicationShutdown {
  private server: ConsoleServer | undefined;
  private readonly connections: SubscriberConnections;

  constructor(
    private readonly host: HttpAdapterHost,
    @Inject(API_CONFIG) private readonly config: ApiConfig,
    @Inject(CONSOLE_ACCESS) private readonly access: ConsoleAccess,
    @Inject(REDIS_CLIENT) private readonly redis: Redis,
    private readonly shares: ConsoleShareTokens,
  ) {
    this.connections = new SubscriberConnections(config.redisUrl);
  }

  async onApplicationBootstrap(): Promise<void> {
    const [subscriber, adapterPub, adapterSub, eventsSubscriber] = await this.connections.open(4);
    this.server = new ConsoleServer(this.host.httpAdapter.getHttpServer(), {
      access: this.access,
      redis: this.redis,
      subscriber,
      adapterPub,
      adapterSub,
      prefix: this.config.redisPrefix,
      limits: DEFAULT_CONSOLE_LIMITS,
      shares: this.shares,
    });
    // Awaited when Redis is up, so pushes published once the API listens are not missed; when it is down
    // the SUBSCRIBE waits in the offline queue and ioredis re-subscribes on reconnect.
    const subscribed = servePushedDomainEvents(
      this.server.io.of('/events'),
      eventsSubscriber,
      this.config.redisPrefix,
      this.access,
    );
    if (eventsSubscriber.status === 'ready') await subscribed;
  }

  async onApplicationShutdown(): Promise<void> {
    // Sockets and namespaces first (the adapter queues its UNSUBSCRIBEs here), then QUIT behind them.
    await this.server?.close();
    await this.connections.close();
  }
}

@Module({})
export class ConsoleModule {
  /** `access` implements ConsoleAccess over the API's auth service and domains. */
  static register(
    access: Omit<ClassProvider<ConsoleAccess>, 'provide'> | Omit<FactoryProvider<ConsoleAccess>, 'provide'>,
    imports: DynamicModule['imports'] = [],
  ): DynamicModule {
    return {
      module: ConsoleModule,
      imports: [RedisModule, ...imports],
      controllers: [ConsoleLogController, ConsoleShareController],
      providers: [
        { ...access, provide: CONSOLE_ACCESS },
        {
          provide: ConsoleShareTokens,
          inject: [REDIS_CLIENT, API_CONFIG],
          useFactory: (redis: Redis, config: ApiConfig) => new ConsoleShareTokens(redis, config.redisPrefix),
        },
        ConsoleLifecycle,
      ],
    };
  }
}
