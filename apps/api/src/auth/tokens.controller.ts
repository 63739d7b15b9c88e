import { Body, Controller, Delete, Get, HttpCode, Param, ParseUUIDPipe, Post } from '@nestjs/common';
import type { ApiTokenView, CreatedApiToken, RequestPrincipal } from '@xeno/contracts';
import { Audited } from '../audit/audited.decorator';
import { CreateApiTokenDto } from './auth.dto';
import { AuthService } from './auth.service';
import { Principal } from './public.decorator';

@Controller('tokens')
export class TokensController {
  constructor(private readonly auth: AuthService) {}

  /** The only response that ever contains the token itself. */
  @Post()
  @Audited({ action: 'token.create', target: ({ result }) => result && `token:${result.id}` })
  create(
    @Principal() principal: RequestPrincipal,
    @Body() body: CreateApiTokenDto,
  ): Promise<CreatedApiToken> {
    return this.auth.createToken(principal, body);
  }

  @Get()
  list(@Principal() principal: RequestPrincipal): Promise<ApiTokenView[]> {
    return this.auth.listTokens(principal);
  }

  @Delete(':id')
  @HttpCode(204)
  @Audited({ action: 'token.revoke', target: ({ params }) => `token:${params.id}` })
  revoke(@Principal() principal: RequestPrincipal, @Param('id', ParseUUIDPipe) id: string): Promise<void> {
    return this.auth.revokeToken(principal, id);
  }
}
