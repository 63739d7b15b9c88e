import {
  ConflictException,
  Inject,
  Injectable,
  Logger,
  NotFoundException,
  UnprocessableEntityException,
} from '@nestjs/common';
import {
  actionTransition,
  type AgentJob,
  type DomainAction,
  type DomainActionRefusal,
  type DomainActionView,
  type RequestPrincipal,
} from '@xeno/contracts';
import { DataSource, QueryFailedError, type EntityManager } from 'typeorm';
import { API_CONFIG, type ApiConfig } from '../config/api-config';
import { choosePlacement } from '../placement/choose-placement';
import { LifecycleDispatcher } from '../queues/lifecycle-dispatcher.service';
import { DomainActionEntity, type RecordedAction } from './domain-action.entity';
import { actionView } from './domain-views';
import { DomainEntity } from './domain.entity';
import { domainSpec } from './domain-spec';
import { LostMoveSnapshots } from './lost-move-snapshots';
import { DomainStatePublisher } from './domain-state-publisher';
import { PlacementAgents } from './placement-agents';

export interface ActionOutcome {
  action: DomainActionView;
  /** True when an earlier request with the same Idempotency-Key is answered instead. */
  repeated: boolean;
}

/**
 * Carries out domain lifecycle actions. Each is recorded and the domain moved to its in-flight state in
 * one transaction with the domain row locked, so concurrent requests serialise and an invalid one is
 * refused (409) with the reason; the agent job is dispatched after the commit, with jobId = action id so a
 * repeated dispatch never acts twice. An idempotency key (unique per tenant) returns the first action to
 * a retried request instead of acting again. The agent's events settle the action (DomainEventApplier).
 */
@Injectable()
export class DomainActions {
  private readonly logger = new Logger(DomainActions.name);

  constructor(
    private readonly dataSource: DataSource,
    private readonly dispatcher: LifecycleDispatcher,
    private readonly agents: PlacementAgents,
    private readonly publisher: DomainStatePublisher,
    private readonly lostMoves: LostMoveSnapshots,
    @Inject(API_CONFIG) private readonly config: ApiConfig,
  ) {}

  async request(
    principal: Pick<RequestPrincipal, 'userId' | 'tenantId'>,
    domainId: string,
    action: DomainAction,
    idempotencyKey: string | undefined,
  ): Promise<ActionOutcome> {
    if (idempotencyKey !== undefined) {
      const earlier = await this.earlierAction(principal.tenantId, idempotencyKey, domainId, action);
      if (earlier) return { action: actionView(earlier), repeated: true };
    }
    let accepted: Accepted;
    try {
      accepted = await this.accept(
        principal.tenantId,
        domainId,
        action,
        action,
        principal.userId,
        idempotencyKey,
      );
    } catch (error) {
      // Two requests with one key at once: the unique index let one in; answer the other with it.
      if (idempotencyKey !== undefined && isUniqueViolation(error)) {
        const earlier = await this.earlierAction(principal.tenantId, idempotencyKey, domainId, action);
        if (earlier) return { action: actionView(earlier), repeated: true };
      }
      throw error;
    }
    if (accepted.repeated) return { action: actionView(accepted.repeated), repeated: true };
    this.publisher.announce(accepted.domain);
    const view = await this.carryOut(accepted.action, accepted.domain);
    await this.announceLatest(domainId);
    return { action: view, repeated: false };
  }

  /** Restarts a domain whose agent went down, on another agent ('restart-lost', by the control plane). */
  async restartLost(domain: DomainEntity): Promise<DomainActionView> {
    const accepted = await this.accept(domain.tenantId, domain.id, 'start', 'restart-lost', null, undefined);
    if (accepted.repeated) return actionView(accepted.repeated);
    const view = await this.carryOut(accepted.action, accepted.domain);
    await this.announceLatest(domain.id);
    return view;
  }

  private async announceLatest(domainId: string): Promise<void> {
    const domain = await this.dataSource.getRepository(DomainEntity).findOneBy({ id: domainId });
    this.publisher.announce(domain ?? undefined);
  }

  list(tenantId: string, domainId: string): Promise<DomainActionEntity[]> {
    return this.dataSource
      .getRepository(DomainActionEntity)
      .find({ where: { tenantId, domainId }, order: { createdAt: 'DESC' }, take: 100 });
  }

  private async earlierAction(
    tenantId: string,
    idempotencyKey: string,
    domainId: string,
    action: DomainAction,
  ): Promise<DomainActionEntity | undefined> {
    const earlier = await this.dataSource
      .getRepository(DomainActionEntity)
      .findOneBy({ tenantId, idempotencyKey });
    return earlier ? sameRequest(earlier, domainId, action) : undefined;
  }

  private accept(
    tenantId: string,
    domainId: string,
    action: DomainAction,
    recordAs: RecordedAction,
    requestedBy: string | null,
    idempotencyKey: string | undefined,
  ): Promise<Accepted> {
    return this.dataSource.transaction(async (manager): Promise<Accepted> => {
      const domain = await lockDomain(manager, domainId, tenantId);
      if (!domain) throw new NotFoundException('domain not found');
      // Requests on one domain serialise on its row lock: a duplicate that waited for the first sees it here.
      if (idempotencyKey !== undefined) {
        const earlier = await manager
          .getRepository(DomainActionEntity)
          .findOneBy({ tenantId, idempotencyKey });
        if (earlier) return { repeated: sameRequest(earlier, domainId, recordAs) };
      }
      const verdict = actionTransition(domain.state, action);
      if (!verdict.allowed) {
        const refusal: DomainActionRefusal = {
          statusCode: 409,
          error: 'Conflict',
          message: verdict.reason,
          state: domain.state,
          action,
        };
        throw new ConflictException(refusal);
      }
      const recorded = await manager.save(
        manager.create(DomainActionEntity, {
          domainId,
          tenantId,
          action: recordAs,
          status: 'accepted',
          fromState: domain.state,
          toState: verdict.inFlight,
          error: null,
          placement: null,
          requestedBy,
          idempotencyKey: idempotencyKey ?? null,
          completedAt: null,
        }),
      );
      domain.state = verdict.inFlight;
      domain.stateDetail = null;
      await manager.save(domain);
      return { action: recorded, domain };
    });
  }

  private async carryOut(action: DomainActionEntity, domain: DomainEntity): Promise<DomainActionView> {
    try {
      if (action.action === 'start' || action.action === 'restart-lost')
        return await this.place(action, domain);
      if (domain.agentId === null) return await this.settleOffAgent(action, domain);
      await this.dispatch(domain.agentId, this.jobFor(action, domain));
      return actionView(await this.markDispatched(action));
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      this.logger.warn(`action ${action.id} (${action.action}) failed: ${reason}`);
      return actionView(await this.fail(action, reason));
    }
  }

  /**
   * Chooses an agent, records why, moves the domain to `starting` there and sends the start job — for a
   * domain lost in the middle of a move, one that restores the move's snapshot.
   */
  private async place(action: DomainActionEntity, domain: DomainEntity): Promise<DomainActionView> {
    const resume = action.action === 'restart-lost' ? await this.lostMoves.find(domain) : undefined;
    const decision = choosePlacement(
      await this.agents.list(),
      { memoryMiB: domain.memoryMiB, vcpus: domain.vcpus },
      this.config.placementPolicy,
    );
    const agentId = decision.chosenAgentId;
    if (agentId === null) {
      const reasons = decision.candidates.map((c) => `${c.agentId}: ${c.reason}`).join('; ');
      action.placement = decision;
      return actionView(await this.fail(action, `no agent has room: ${reasons || 'no agent is up'}`));
    }
    const placed = await this.dataSource.transaction(async (manager) => {
      const current = await lockDomain(manager, domain.id, domain.tenantId);
      if (!current || current.state !== 'scheduling') return undefined;
      current.agentId = agentId;
      current.state = 'starting';
      await manager.save(current);
      action.placement = decision;
      action.toState = 'starting';
      action.status = 'dispatched';
      return { domain: current, action: await manager.save(action) };
    });
    if (!placed)
      return actionView(await this.fail(action, 'the domain changed state while it was being placed'));
    const job: AgentJob = {
      kind: 'domain.start',
      actionId: action.id,
      domainId: domain.id,
      spec: domainSpec(domain),
      ...(resume ? { restoreSnapshotKey: resume.snapshotKey } : {}),
    };
    if (resume)
      await this.lostMoves.abandon(
        resume.moveActionId,
        `its agent went down mid-move; restart-lost ${action.id} continues it on ${agentId} from the move's snapshot`,
      );
    await this.dispatch(agentId, job);
    return actionView(placed.action);
  }

  /** A destroy of a domain that never reached an agent (still scheduling, or failed there): nothing to send. */
  private async settleOffAgent(action: DomainActionEntity, domain: DomainEntity): Promise<DomainActionView> {
    if (action.action !== 'destroy') throw new Error(`domain ${domain.name} is on no agent`);
    return this.dataSource.transaction(async (manager) => {
      const current = await lockDomain(manager, domain.id, domain.tenantId);
      if (current && current.agentId === null) {
        current.state = 'stopped';
        current.lastShutdownReason = 'destroyed';
        await manager.save(current);
      }
      action.status = 'succeeded';
      action.toState = 'stopped';
      action.completedAt = new Date();
      return actionView(await manager.save(action));
    });
  }

  private jobFor(action: DomainActionEntity, domain: DomainEntity): AgentJob {
    const base = { actionId: action.id, domainId: domain.id };
    switch (action.action) {
      case 'stop':
        return { ...base, kind: 'domain.stop', timeoutMs: this.config.stopTimeoutMs };
      case 'reboot':
        return { ...base, kind: 'domain.reboot' };
      case 'pause':
        return { ...base, kind: 'domain.pause' };
      case 'resume':
        return { ...base, kind: 'domain.resume' };
      case 'destroy':
        return { ...base, kind: 'domain.destroy' };
      default:
        throw new Error(`no agent job for ${action.action}`);
    }
  }

  private async dispatch(agentId: string, job: AgentJob): Promise<void> {
    try {
      await this.dispatcher.dispatch(agentId, job);
    } catch (error) {
      throw new Error(
        `could not queue the job for agent ${agentId}: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
  }

  private markDispatched(action: DomainActionEntity): Promise<DomainActionEntity> {
    action.status = 'dispatched';
    return this.dataSource.getRepository(DomainActionEntity).save(action);
  }

  /** The action failed before reaching an agent: the domain goes back where it was, with the reason. */
  private fail(action: DomainActionEntity, reason: string): Promise<DomainActionEntity> {
    return this.dataSource.transaction(async (manager) => {
      const domain = await lockDomain(manager, action.domainId, action.tenantId);
      if (domain && domain.state === action.toState) {
        domain.state = action.fromState;
        if (action.toState === 'starting') domain.agentId = null;
        domain.stateDetail = reason;
        await manager.save(domain);
      }
      action.status = 'failed';
      action.error = reason;
      action.completedAt = new Date();
      return manager.save(action);
    });
  }
}

/** The earlier action of an idempotency key, if it was the same request; a different one is refused (422). */
function sameRequest(
  earlier: DomainActionEntity,
  domainId: string,
  action: RecordedAction,
): DomainActionEntity {
  if (earlier.domainId !== domainId || earlier.action !== action)
    throw new UnprocessableEntityException(
      `Idempotency-Key "${earlier.idempotencyKey}" was already used for ${earlier.action} of domain ${earlier.domainId}; use a new key for a different request`,
    );
  return earlier;
}

type Accepted =
  | { action: DomainActionEntity; domain: DomainEntity; repeated?: undefined }
  | { repeated: DomainActionEntity };

/** The domain row locked for the rest of the transaction; undefined when missing or another tenant's. */
export async function lockDomain(
  manager: EntityManager,
  domainId: string,
  tenantId?: string,
): Promise<DomainEntity | undefined> {
  const query = manager
    .getRepository(DomainEntity)
    .createQueryBuilder('domain')
    .setLock('pessimistic_write')
    .where('domain.id = :domainId', { domainId });
  if (tenantId !== undefined) query.andWhere('domain.tenant_id = :tenantId', { tenantId });
  return (await query.getOne()) ?? undefined;
}

function isUniqueViolation(error: unknown): boolean {
  return error instanceof QueryFailedError && (error.driverError as { code?: string }).code === '23505';
}
