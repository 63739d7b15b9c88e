import { ConflictException, Inject, Injectable, Logger, NotFoundException } from '@nestjs/common';
import {
  domainSnapshotKey,
  moveTransition,
  type DomainActionView,
  type PlacementDecision,
  type RequestPrincipal,
} from '@xeno/contracts';
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { API_CONFIG, type ApiConfig } from '../config/api-config';
import { DomainActionEntity } from '../domains/domain-action.entity';
import { lockDomain } from '../domains/domain-actions.service';
import { DomainStatePublisher } from '../domains/domain-state-publisher';
import { actionView } from '../domains/domain-views';
import { DomainEntity } from '../domains/domain.entity';
import { PlacementAgents } from '../domains/placement-agents';
import { choosePlacement } from '../placement/choose-placement';
import type { PlacementAgent } from '../placement/placement-agent';
import { LifecycleDispatcher } from '../queues/lifecycle-dispatcher.service';
import { snapshotJob } from './move-jobs';

/**
 * Starts moves (admins only, any tenant's domain). A move is recorded as a `move` action: the domain is
 * `migrating` while the source agent saves it (domain.snapshot, thenDestroy) and, once MoveProgress saw the
 * snapshot stored, the target restores it (domain.start with restoreSnapshotKey). The target is the one
 * asked for, or placement's choice among the other agents; either must be ready and have room, counting
 * the memory of moves already heading there. Refusals are 404 (no such domain or agent) and 409 (state,
 * room) before anything is recorded; a job that cannot be queued leaves the domain running where it is.
 */
@Injectable()
export class DomainMoves {
  private readonly logger = new Logger(DomainMoves.name);

  constructor(
    private readonly dataSource: DataSource,
    private readonly dispatcher: LifecycleDispatcher,
    private readonly agents: PlacementAgents,
    private readonly publisher: DomainStatePublisher,
    @Inject(API_CONFIG) private readonly config: ApiConfig,
  ) {}

  async move(
    principal: Pick<RequestPrincipal, 'userId'>,
    domainId: string,
    targetAgentId: string | undefined,
  ): Promise<DomainActionView> {
    const domain = await this.dataSource.getRepository(DomainEntity).findOneBy({ id: domainId });
    if (!domain) throw new NotFoundException('domain not found');
    const verdict = moveTransition(domain.state);
    if (!verdict.allowed) throw new ConflictException(verdict.reason);
    const sourceAgentId = domain.agentId;
    if (sourceAgentId === null) throw new ConflictException(`domain ${domain.name} is on no agent`);
    const decision = await this.chooseTarget(domain, sourceAgentId, targetAgentId);
    const targetId = decision.chosenAgentId!;

    const accepted = await this.dataSource.transaction(async (manager) => {
      const current = await lockDomain(manager, domainId);
      if (!current || current.agentId !== sourceAgentId || !moveTransition(current.state).allowed)
        throw new ConflictException(
          `domain ${domain.name} changed while the move was being prepared (now ${current?.state ?? 'gone'})`,
        );
      // The id names the snapshot key, so it is chosen here rather than by Postgres.
      const id = randomUUID();
      const snapshotKey = domainSnapshotKey(this.config.redisPrefix, domainId, id);
      const placement: PlacementDecision = { ...decision, move: { sourceAgentId, snapshotKey } };
      const action = await manager.save(
        manager.create(DomainActionEntity, {
          id,
          domainId,
          tenantId: current.tenantId,
          action: 'move',
          status: 'accepted',
          fromState: current.state,
          toState: 'migrating',
          error: null,
          placement,
          requestedBy: principal.userId,
          idempotencyKey: null,
          completedAt: null,
        }),
      );
      current.state = 'migrating';
      current.stateDetail = `moving from ${sourceAgentId} to ${targetId}`;
      await manager.save(current);
      return { action, domain: current };
    });
    this.publisher.announce(accepted.domain);

    const { action } = accepted;
    const key = action.placement!.move!.snapshotKey;
    try {
      await this.dispatcher.dispatch(sourceAgentId, snapshotJob(accepted.domain, action.id, key));
    } catch (error) {
      const reason = `could not queue the snapshot for ${sourceAgentId}: ${error instanceof Error ? error.message : String(error)}`;
      this.logger.warn(`move ${action.id}: ${reason}`);
      return actionView(await this.fail(action, reason));
    }
    action.status = 'dispatched';
    return actionView(await this.dataSource.getRepository(DomainActionEntity).save(action));
  }

  private async chooseTarget(
    domain: DomainEntity,
    sourceAgentId: string,
    targetAgentId: string | undefined,
  ): Promise<PlacementDecision> {
    const agents = await this.withMovesInFlight(await this.agents.list());
    const request = {
      memoryMiB: domain.memoryMiB,
      vcpus: domain.vcpus,
      excludeAgentIds: [sourceAgentId],
    };
    if (targetAgentId !== undefined) {
      if (targetAgentId === sourceAgentId)
        throw new ConflictException(`domain ${domain.name} is already on ${targetAgentId}`);
      const target = agents.find((agent) => agent.agentId === targetAgentId);
      if (!target) throw new NotFoundException(`no live agent ${targetAgentId}`);
      const decision = choosePlacement([target], request, this.config.placementPolicy);
      if (decision.chosenAgentId === null)
        throw new ConflictException(`cannot move to ${targetAgentId}: ${decision.candidates[0].reason}`);
      return decision;
    }
    const decision = choosePlacement(agents, request, this.config.placementPolicy);
    if (decision.chosenAgentId === null) {
      const reasons = decision.candidates.map((c) => `${c.agentId}: ${c.reason}`).join('; ');
      throw new ConflictException(`no other agent can take ${domain.name}: ${reasons || 'no agent is up'}`);
    }
    return decision;
  }

  /**
   * Placement counts a domain on the agent it is placed on; a move still saving on its source is placed
   * there, so the memory it is about to take on its target is added here (several moves at once, a drain,
   * cannot overfill one target).
   */
  private async withMovesInFlight(agents: PlacementAgent[]): Promise<PlacementAgent[]> {
    const rows = await this.dataSource
      .getRepository(DomainActionEntity)
      .createQueryBuilder('action')
      .innerJoin(DomainEntity, 'domain', 'domain.id = action.domain_id')
      .select(`action.placement->>'chosenAgentId'`, 'agentId')
      .addSelect('COALESCE(SUM(domain.memory_mib), 0)::int', 'reserved')
      .where(`action.action = 'move'`)
      .andWhere(`action.status IN ('accepted', 'dispatched')`)
      .andWhere(`domain.state = 'migrating'`)
      .andWhere(`domain.agent_id IS DISTINCT FROM action.placement->>'chosenAgentId'`)
      .groupBy(`action.placement->>'chosenAgentId'`)
      .getRawMany<{ agentId: string; reserved: number }>();
    const incoming = new Map(rows.map((row) => [row.agentId, row.reserved]));
    return agents.map((agent) => ({
      ...agent,
      reservedMemoryMiB: agent.reservedMemoryMiB + (incoming.get(agent.agentId) ?? 0),
    }));
  }

  /** The snapshot job never left: the domain is still where it was, running as before. */
  private async fail(action: DomainActionEntity, reason: string): Promise<DomainActionEntity> {
    let reverted: DomainEntity | undefined;
    const failed = await this.dataSource.transaction(async (manager) => {
      const domain = await lockDomain(manager, action.domainId);
      if (domain && domain.state === 'migrating') {
        domain.state = action.fromState;
        domain.stateDetail = reason;
        reverted = await manager.save(domain);
      }
      action.status = 'failed';
      action.error = reason;
      action.completedAt = new Date();
      return manager.save(action);
    });
    this.publisher.announce(reverted);
    return failed;
  }
}
