import { Injectable, Logger } from '@nestjs/common';
import type { AgentDomainEvent } from '@xeno/contracts';
import { DataSource } from 'typeorm';
import { DomainActionEntity } from '../domains/domain-action.entity';
import { lockDomain } from '../domains/domain-actions.service';
import { DomainStatePublisher } from '../domains/domain-state-publisher';
import { LifecycleDispatcher } from '../queues/lifecycle-dispatcher.service';
import { moveEventOutcome } from './move-event-outcome';
import { restoreJob } from './move-jobs';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The API's side of a move after it was accepted (DomainMoves): the agents' events for a `move` action
 * are applied here instead of by DomainEventApplier, because the same action runs on two agents. Each
 * event is applied in one transaction with the domain row locked (moveEventOutcome decides). When the
 * source stored the snapshot, the domain is placed on the target and the restore job is queued inside
 * that transaction: if Redis refuses it, nothing is committed and the event is retried.
 */
@Injectable()
export class MoveProgress {
  private readonly logger = new Logger(MoveProgress.name);

  constructor(
    private readonly dataSource: DataSource,
    private readonly dispatcher: LifecycleDispatcher,
    private readonly publisher: DomainStatePublisher,
  ) {}

  /** Applies an event that reports on a move; false when it is not about a move (someone else's). */
  async apply(event: AgentDomainEvent): Promise<boolean> {
    if (!event.actionId || !UUID.test(event.actionId)) return false;
    const isMove = await this.dataSource
      .getRepository(DomainActionEntity)
      .existsBy({ id: event.actionId, domainId: event.domainId, action: 'move' });
    if (!isMove) return false;
    const changed = await this.dataSource.transaction(async (manager) => {
      const domain = await lockDomain(manager, event.domainId);
      const action = await manager.getRepository(DomainActionEntity).findOneBy({ id: event.actionId });
      if (!domain || !action) return undefined;
      const targetAgentId = action.placement?.chosenAgentId ?? '';
      const plan = action.placement?.move;
      if (!plan) return undefined; // not a move this protocol started
      const step = moveEventOutcome(
        {
          domain,
          action: {
            status: action.status,
            fromState: action.fromState,
            targetAgentId,
            isReturn: plan.returnOf !== undefined,
          },
        },
        event,
      );
      const finish = (status: 'succeeded' | 'failed', error: string | null) => {
        action.status = status;
        action.toState = domain.state;
        action.error = error;
        action.completedAt = new Date();
      };
      switch (step.kind) {
        case 'ignore':
          this.logger.debug(
            `move ${action.id}: ignored ${event.state} from ${event.agentId}: ${step.reason}`,
          );
          return undefined;
        case 'snapshotted':
          domain.agentId = targetAgentId;
          await manager.save(domain);
          await this.dispatcher.dispatch(targetAgentId, restoreJob(domain, action.id, plan.snapshotKey));
          return domain;
        case 'return': {
          // The snapshot is still stored (a target deletes it only once restored): back to the source.
          const back = manager.create(DomainActionEntity, {
            domainId: domain.id,
            tenantId: domain.tenantId,
            action: 'move',
            status: 'dispatched',
            fromState: action.fromState,
            toState: 'migrating',
            error: null,
            placement: {
              policy: action.placement!.policy,
              chosenAgentId: plan.sourceAgentId,
              candidates: [
                {
                  agentId: plan.sourceAgentId,
                  eligible: true,
                  reason: `back to the source: ${step.reason}`,
                  score: null,
                },
              ],
              move: { sourceAgentId: targetAgentId, snapshotKey: plan.snapshotKey, returnOf: action.id },
            },
            requestedBy: action.requestedBy,
            idempotencyKey: null,
            completedAt: null,
          });
          const saved = await manager.save(back);
          domain.agentId = plan.sourceAgentId;
          domain.stateDetail = `${step.reason}; restoring on ${plan.sourceAgentId} again`;
          finish('failed', step.reason);
          action.toState = 'migrating';
          await manager.save(domain);
          await manager.save(action);
          await this.dispatcher.dispatch(plan.sourceAgentId, restoreJob(domain, saved.id, plan.snapshotKey));
          return domain;
        }
        case 'abandoned':
          action.status = 'failed';
          action.error = step.reason;
          action.completedAt = new Date();
          await manager.save(action);
          return undefined; // the domain itself is as its own events left it
        case 'stayed':
          domain.state = action.fromState;
          domain.stateDetail = step.reason;
          finish('failed', step.reason);
          break;
        case 'arrived':
          domain.state = step.state;
          domain.stateDetail = null;
          finish('succeeded', null);
          break;
        case 'failed-on-target':
          domain.state = 'error';
          domain.agentId = null;
          domain.stateDetail = step.reason;
          finish('failed', step.reason);
          break;
      }
      await manager.save(domain);
      await manager.save(action);
      return domain;
    });
    this.publisher.announce(changed);
    return true;
  }
}
