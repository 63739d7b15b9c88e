import {
  BadRequestException,
  Body,
  ConflictException,
  Controller,
  Delete,
  Get,
  Headers,
  HttpCode,
  NotFoundException,
  Param,
  ParseUUIDPipe,
  Post,
  Res,
  UnprocessableEntityException,
} from '@nestjs/common';
import {
  DELETABLE_STATES,
  type DomainActionView,
  type DomainView,
  type ListDomainsResponse,
  type RequestPrincipal,
} from '@xeno/contracts';
import { ImageStore } from '@xeno/images';
import { DataSource, QueryFailedError } from 'typeorm';
import { Audited } from '../audit/audited.decorator';
import { Principal } from '../auth/public.decorator';
import { DomainActions } from './domain-actions.service';
import { DomainCreation } from './domain-creation.service';
import { actionView, domainView } from './domain-views';
import { DomainEntity } from './domain.entity';
import { CreateDomainDto, DomainActionDto } from './domains.dto';

const DEFAULT_WEIGHT = 256;

/**
 * A tenant's domains. Every query is scoped to the caller's tenant, so another tenant's domain is
 * indistinguishable from a missing one (404 "domain not found").
 */
@Controller('domains')
export class DomainsController {
  constructor(
    private readonly dataSource: DataSource,
    private readonly creation: DomainCreation,
    private readonly actions: DomainActions,
    private readonly images: ImageStore,
  ) {}

  @Post()
  @Audited({
    action: 'domain.create',
    target: ({ result }) => result && `domain:${result.id}`,
    outcome: ({ result }) => ({ result: 'ok', detail: `${result.name} (${result.imageId})` }),
  })
  async create(@Principal() principal: RequestPrincipal, @Body() body: CreateDomainDto): Promise<DomainView> {
    const image = this.images.get(body.imageId);
    if (!image) {
      const available = this.images.list().map((i) => i.id);
      throw new UnprocessableEntityException(
        `unknown image "${body.imageId}" (available: ${available.join(', ') || 'none'})`,
      );
    }
    const memoryMiB = body.memoryMiB ?? image.defaults.memoryMiB;
    if (memoryMiB < image.minMemoryMiB)
      throw new UnprocessableEntityException(
        `${image.name} needs at least ${image.minMemoryMiB} MiB (asked for ${memoryMiB})`,
      );
    try {
      const domain = await this.creation.create(principal.tenantId, {
        name: body.name,
        imageId: image.id,
        memoryMiB,
        vcpus: body.vcpus ?? image.defaults.vcpus,
        weight: body.weight ?? DEFAULT_WEIGHT,
        cmdline: body.cmdline ?? image.defaults.cmdline,
      });
      return domainView(domain);
    } catch (error) {
      if (error instanceof QueryFailedError && (error.driverError as { code?: string }).code === '23505')
        throw new ConflictException(`a domain named "${body.name}" already exists`);
      throw error;
    }
  }

  @Get()
  async list(@Principal() principal: RequestPrincipal): Promise<ListDomainsResponse> {
    const domains = await this.repo().find({
      where: { tenantId: principal.tenantId },
      order: { createdAt: 'ASC' },
    });
    return { domains: domains.map(domainView) };
  }

  @Get(':id')
  async get(
    @Principal() principal: RequestPrincipal,
    @Param('id', ParseUUIDPipe) id: string,
  ): Promise<DomainView> {
    return domainView(await this.find(principal, id));
  }

  /** Only a domain on no agent can be deleted; a running one must be stopped or destroyed first. */
  @Delete(':id')
  @HttpCode(204)
  @Audited({ action: 'domain.delete', target: ({ params }) => `domain:${params.id}` })
  async remove(
    @Principal() principal: RequestPrincipal,
    @Param('id', ParseUUIDPipe) id: string,
  ): Promise<void> {
    await this.dataSource.transaction(async (manager) => {
      const domain = await manager
        .getRepository(DomainEntity)
        .createQueryBuilder('domain')
        .setLock('pessimistic_write')
        .where('domain.id = :id AND domain.tenant_id = :tenantId', { id, tenantId: principal.tenantId })
        .getOne();
      if (!domain) throw new NotFoundException('domain not found');
      if (!DELETABLE_STATES.includes(domain.state))
        throw new ConflictException(
          `cannot delete a domain that is ${domain.state}: stop or destroy it first (deletable when ${DELETABLE_STATES.join(', ')})`,
        );
      await manager.remove(domain);
    });
  }

  /** 202 with the new action; 200 with the earlier one when the Idempotency-Key was seen before. */
  @Post(':id/actions')
  @Audited({
    action: ({ body }) => `domain.action.${typeof body?.action === 'string' ? body.action : 'invalid'}`,
    target: ({ params }) => `domain:${params.id}`,
    // Accepted but failed before reaching an agent (no room anywhere): a failure, with the reason.
    outcome: ({ result }) =>
      result.status === 'failed'
        ? { result: 'failed', detail: result.error }
        : { result: 'ok', detail: `action ${result.id} ${result.status}` },
  })
  async act(
    @Principal() principal: RequestPrincipal,
    @Param('id', ParseUUIDPipe) id: string,
    @Body() body: DomainActionDto,
    @Headers('idempotency-key') idempotencyKey: string | undefined,
    @Res({ passthrough: true }) response: { status(code: number): unknown },
  ): Promise<DomainActionView> {
    if (idempotencyKey !== undefined && (idempotencyKey.length < 1 || idempotencyKey.length > 200))
      throw new BadRequestException('Idempotency-Key must be 1..200 characters');
    const outcome = await this.actions.request(principal, id, body.action, idempotencyKey);
    response.status(outcome.repeated ? 200 : 202);
    return outcome.action;
  }

  @Get(':id/actions')
  async listActions(
    @Principal() principal: RequestPrincipal,
    @Param('id', ParseUUIDPipe) id: string,
  ): Promise<{ actions: DomainActionView[] }> {
    await this.find(principal, id);
    return { actions: (await this.actions.list(principal.tenantId, id)).map(actionView) };
  }

  private async find(principal: RequestPrincipal, id: string): Promise<DomainEntity> {
    const domain = await this.repo().findOneBy({ id, tenantId: principal.tenantId });
    if (!domain) throw new NotFoundException('domain not found');
    return domain;
  }

  private repo() {
    return this.dataSource.getRepository(DomainEntity);
  }
}
