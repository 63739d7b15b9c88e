import {
  Controller,
  Get,
  Header,
  Inject,
  NotFoundException,
  Param,
  Req,
  StreamableFile,
  UnauthorizedException,
} from '@nestjs/common';
import { consoleLogKey } from '@xeno/contracts';
import type { IncomingMessage } from 'node:http';
import type { Redis } from 'ioredis';
import { API_CONFIG, type ApiConfig } from '../config/api-config';
import { REDIS_CLIENT } from '../redis/redis-client';
import { CONSOLE_ACCESS, type ConsoleAccess } from './console-access';
import { readConsoleLog } from './console-log-reader';

/** The console scrollback as a file, for the browser's "download log" link and for scripts. */
@Controller('domains/:id/console')
export class ConsoleLogController {
  constructor(
    @Inject(CONSOLE_ACCESS) private readonly access: ConsoleAccess,
    @Inject(REDIS_CLIENT) private readonly redis: Redis,
    @Inject(API_CONFIG) private readonly config: ApiConfig,
  ) {}

  @Get('log.txt')
  @Header('Content-Type', 'text/plain; charset=utf-8')
  async download(@Param('id') domainId: string, @Req() request: IncomingMessage): Promise<StreamableFile> {
    const bearer = /^Bearer (.+)$/.exec(request.headers.authorization ?? '')?.[1];
    const principal = await this.access.authenticate({ cookie: request.headers.cookie, token: bearer });
    if (!principal) throw new UnauthorizedException('log in first');
    if (!(await this.access.grant(principal, domainId))) throw new NotFoundException('domain not found');
    const parts: Buffer[] = [];
    for await (const chunk of readConsoleLog(this.redis, consoleLogKey(this.config.redisPrefix, domainId)))
      parts.push(chunk.data);
    return new StreamableFile(Buffer.concat(parts), {
      disposition: `attachment; filename="console-${domainId.replace(/[^\w-]/g, '_')}.txt"`,
    });
  }
}
