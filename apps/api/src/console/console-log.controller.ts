import {
  BadRequestException,
  Controller,
  Get,
  Header,
  Inject,
  NotFoundException,
  Param,
  Query,
  Req,
  StreamableFile,
  UnauthorizedException,
} from '@nestjs/common';
import { consoleLogKey, type ConsoleLogResponse } from '@xeno/contracts';
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

  /**
   * Chunks from sequence number `fromSeq` on (default 0: the whole scrollback), for scripts that follow a
   * console by polling: pass the answer's `nextSeq` back to continue without gaps or duplicates. Bytes
   * that scrolled out of the ring are skipped (the first chunk then starts after `fromSeq`).
   */
  @Get()
  async chunks(
    @Param('id') domainId: string,
    @Query('fromSeq') fromSeqParam: string | undefined,
    @Req() request: IncomingMessage,
  ): Promise<ConsoleLogResponse> {
    const fromSeq = fromSeqParam === undefined ? 0 : Number(fromSeqParam);
    if (!Number.isSafeInteger(fromSeq) || fromSeq < 0)
      throw new BadRequestException('fromSeq must be an integer >= 0');
    await this.authorize(domainId, request);
    const chunks: ConsoleLogResponse['chunks'] = [];
    let nextSeq = fromSeq;
    for await (const chunk of readConsoleLog(
      this.redis,
      consoleLogKey(this.config.redisPrefix, domainId),
      fromSeq,
    )) {
      // A chunk that starts before fromSeq is cut, so the answer begins exactly at fromSeq.
      const skip = Math.max(0, fromSeq - chunk.seq);
      const data = chunk.data.subarray(skip);
      chunks.push({ domainId, seq: chunk.seq + skip, data: data.toString('base64') });
      nextSeq = chunk.seq + chunk.data.length;
    }
    return { domainId, chunks, nextSeq };
  }

  @Get('log.txt')
  @Header('Content-Type', 'text/plain; charset=utf-8')
  async download(@Param('id') domainId: string, @Req() request: IncomingMessage): Promise<StreamableFile> {
    await this.authorize(domainId, request);
    const parts: Buffer[] = [];
    for await (const chunk of readConsoleLog(this.redis, consoleLogKey(this.config.redisPrefix, domainId)))
      parts.push(chunk.data);
    return new StreamableFile(Buffer.concat(parts), {
      disposition: `attachment; filename="console-${domainId.replace(/[^\w-]/g, '_')}.txt"`,
    });
  }

  private async authorize(domainId: string, request: IncomingMessage): Promise<void> {
    const bearer = /^Bearer (.+)$/.exec(request.headers.authorization ?? '')?.[1];
    const principal = await this.access.authenticate({ cookie: request.headers.cookie, token: bearer });
    if (!principal) throw new UnauthorizedException('log in first');
    if (!(await this.access.grant(principal, domainId))) throw new NotFoundException('domain not found');
  }
}
