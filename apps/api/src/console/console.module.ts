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
import { Redis } from 'ioredis';
import { API_CONFIG, type ApiConfig } from '../config/api-config';
import { RedisModule } from '../redis/redis.module';
import { REDIS_CLIENT } from '../redis/redis-client';
import { CONSOLE_ACCESS, type ConsoleAccess } from './console-access';
import { DEFAULT_CONSOLE_LIMITS } from './console-limits';
import { ConsoleLogController } from './console-log.controller';
import { ConsoleServer } from './console-server';
import { servePushedDomainEvents } from './domain-events-push';

/** Starts socket.io on the API's HTTP server once Nest has built it, and closes it (and its Redis links) at shutdown. */
@Injectable()
export class ConsoleLifecycle implements OnApplicationBootstrap, OnApplicationShutdown {
  private server: ConsoleServer | undefined;
  private readonly connections: Redis[] = [];

  constructor(
    private readonly host: HttpAdapterHost,
    @Inject(API_CONFIG) private readonly config: ApiConfig,
    @Inject(CONSOLE_ACCESS) private readonly access: ConsoleAccess,
    @Inject(REDIS_CLIENT) private readonly redis: Redis,
  ) {}

  onApplicationBootstrap(): void {
    // Subscriber-mode connections cannot share the command client; they reconnect by themselves.
    const open = (): Redis => {
      const connection = new Redis(this.config.redisUrl, { maxRetriesPerRequest: null });
      connection.on('error', () => undefined); // RedisLifecycle already reports Redis being down
      this.connections.push(connection);
      return connection;
    };
    this.server = new ConsoleServer(this.host.httpAdapter.getHttpServer(), {
      access: this.access,
      redis: this.redis,
      subscriber: open(),
      adapterPub: open(),
      adapterSub: open(),
      prefix: this.config.redisPrefix,
      limits: DEFAULT_CONSOLE_LIMITS,
    });
    void servePushedDomainEvents(this.server.io.of('/events'), open(), this.config.redisPrefix, this.access);
  }

  async onApplicationShutdown(): Promise<void> {
    await this.server?.close();
    for (const connection of this.connections) connection.disconnect();
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
      controllers: [ConsoleLogController],
      providers: [{ ...access, provide: CONSOLE_ACCESS }, ConsoleLifecycle],
    };
  }
}
