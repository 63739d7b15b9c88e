import {
  BadRequestException,
  Body,
  Controller,
  ForbiddenException,
  HttpCode,
  Inject,
  NotFoundException,
  Param,
  Post,
  Req,
  ServiceUnavailableException,
  UnauthorizedException,
} from '@nestjs/common';
import type { IncomingMessage } from 'node:http';
import { Audited } from '../audit/audited.decorator';
import { CONSOLE_ACCESS, type ConsoleAccess } from './console-access';
import {
  ConsoleShareTokens,
  SHARE_TTL_DEFAULT_SECONDS,
  SHARE_TTL_MAX_SECONDS,
  type ConsoleShare,
} from './console-share-tokens';

const SHARE_TTL_MIN_SECONDS = 60;

/** The answer to creating a share link; the web app opens `#/share/<token>` with it. */
export interface ConsoleShareLink {
  token: string;
  domainId: string;
  /** ISO 8601. */
  expiresAt: string;
}

/** Read-only console share links, created by someone who may use the domain's console. */
@Controller('domains/:id/console/share')
export class ConsoleShareController {
  constructor(
    @Inject(CONSOLE_ACCESS) private readonly access: ConsoleAccess,
    private readonly tokens: ConsoleShareTokens,
  ) {}

  @Post()
  @HttpCode(201)
  @Audited({ action: 'console.share', target: ({ params }) => `domain:${params.id}` })
  async create(
    @Param('id') domainId: string,
    @Body() body: unknown,
    @Req() request: IncomingMessage,
  ): Promise<ConsoleShareLink> {
    const ttlSeconds = parseTtl(body);
    const bearer = /^Bearer (.+)$/.exec(request.headers.authorization ?? '')?.[1];
    const principal = await this.access.authenticate({ cookie: request.headers.cookie, token: bearer });
    if (!principal) throw new UnauthorizedException('log in first');
    const grant = await this.access.grant(principal, domainId);
    if (!grant) throw new NotFoundException('domain not found');
    if (grant.readOnly) throw new ForbiddenException('a read-only viewer cannot share this console');
    const share: ConsoleShare = {
      domainId,
      tenantId: grant.tenantId,
      expiresAt: Date.now() + ttlSeconds * 1000,
    };
    const token = await this.tokens.sign(share).catch(() => {
      throw new ServiceUnavailableException('console sharing unavailable; try again');
    });
    return { token, domainId, expiresAt: new Date(share.expiresAt).toISOString() };
  }
}

function parseTtl(body: unknown): number {
  const ttl = (typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : {}).ttlSeconds;
  if (ttl === undefined) return SHARE_TTL_DEFAULT_SECONDS;
  if (
    !Number.isInteger(ttl) ||
    (ttl as number) < SHARE_TTL_MIN_SECONDS ||
    (ttl as number) > SHARE_TTL_MAX_SECONDS
  )
    throw new BadRequestException(
      `ttlSeconds must be an integer from ${SHARE_TTL_MIN_SECONDS} to ${SHARE_TTL_MAX_SECONDS}`,
    );
  return ttl as number;
}
