import { Injectable, Logger } from '@nestjs/common';
import {
  DOMAIN_TRANSITIONS,
  type AgentDomainEvent,
  type AgentReconcileReport,
  type DomainAction,
  type DomainState,
} from '@xeno/contracts';
import { DataSource, In, type EntityManager } from 'typeorm';
import { DomainActionEntity } from './domain-action.entity';
import { domainEventOutcome } from './domain-event-outcome';
import { lockDomain } from './domain-actions.service';
import { DomainStatePublisher } from './domain-state-publisher';
import { DomainEntity } from './domain.entity';

/** States in which the API believes a domain is on its agent. */
export const ON_AGENT_STATES: readonly DomainState[] = [
  'starting',
  'running',
  'paused',
  'stopping',
  'migrating',
];

export interface AppliedEvent {
  applied: boolean;
  /** Why an event was ignored (late report from a former agent, unknown domain, …). */
  reason?: string;
  domain?: DomainEntity;
}

/**
 * Turns what agents report into recorded state. Each event is applied in one transaction with the domain
 * row locked: the domain's state (via domainEventOutcome, which believes only the agent the domain is
 * placed on) and the action that caused it, which succeeds when the domain reaches the state the action
 * settles in and fails on error/crash. Applying the same event twice changes nothing the second time.
 */
@Injectable()
export class DomainEventApplier {
  private readonly logger = new Logger(DomainEventApplier.name);

  constructor(
    private readonly dataSource: DataSource,
    private readonly publisher: DomainStatePublisher,
  ) {}

  async apply(event: AgentDomainEvent): Promise<AppliedEvent> {
    const result = await this.dataSource.transaction(async (manager): Promise<AppliedEvent> => {
      const domain = await lockDomain(manager, event.domainId);
      if (!domain) return { applied: false, reason: 'no such domain' };
      const outcome = domainEventOutcome(domain, event);
      if (!outcome.apply) return { applied: false, reason: outcome.reason, domain };
      if (await isStaleProgress(manager, event))
        return { applied: false, reason: `a late ${event.state} for an action already settled`, domain };
      domain.state = outcome.state;
      domain.agentId = outcome.agentId;
      if (event.shutdownReason) domain.lastShutdownReason = event.shutdownReason;
      domain.stateDetail =
        outcome.state === 'error' || outcome.state === 'crashed' ? (event.detail ?? null) : null;
      await manager.save(domain);
      if (event.actionId) await settleAction(manager, event);
      return { applied: true, domain };
    });
    if (result.applied) this.publisher.announce(result.domain);
    return result;
  }

  /**
   * An agent (re)connected and listed what it runs. Domains placed there that it does not run are lost;
   * what it runs in another state than recorded is applied like an event. Returns the ids of domains it
   * runs that are not placed there (orphans the caller should have it destroy).
   */
  async reconcile(report: AgentReconcileReport): Promise<{ lost: string[]; orphans: string[] }> {
    const running = new Map(report.domains.map((d) => [d.domainId, d.state]));
    const placed = await this.dataSource
      .getRepository(DomainEntity)
      .findBy({ agentId: report.agentId, state: In([...ON_AGENT_STATES]) });
    const lost: string[] = [];
    for (const domain of placed) {
      const state = running.get(domain.id);
      if (state === undefined) {
        if (
          await this.markLost(
            domain.id,
            report.agentId,
            `agent ${report.agentId} no longer runs it (agent restarted)`,
          )
        )
          lost.push(domain.id);
      } else if (state !== domain.state && domain.state !== 'migrating') {
        // (A migrating domain is frozen on its agent, reported paused: the move protocol owns its state.)
        await this.apply({ agentId: report.agentId, domainId: domain.id, state, at: report.at });
      }
    }
    const placedIds = new Set(placed.map((d) => d.id));
    const orphans = [...running.keys()].filter((id) => !placedIds.has(id));
    if (lost.length || orphans.length)
      this.logger.warn(`reconciled ${report.agentId}: ${lost.length} lost, ${orphans.length} orphaned`);
    return { lost, orphans };
  }

  /** The agent stopped sending heartbeats: every domain placed there is lost. Returns those domains. */
  async markAgentLost(agentId: string): Promise<DomainEntity[]> {
    const placed = await this.dataSource
      .getRepository(DomainEntity)
      .findBy({ agentId, state: In([...ON_AGENT_STATES]) });
    const lost: DomainEntity[] = [];
    for (const domain of placed) {
      const marked = await this.markLost(domain.id, agentId, `agent ${agentId} stopped sending heartbeats`);
      if (marked) lost.push(marked);
    }
    return lost;
  }

  private async markLost(
    domainId: string,
    agentId: string,
    detail: string,
  ): Promise<DomainEntity | undefined> {
    const lost = await this.dataSource.transaction(async (manager) => {
      const domain = await lockDomain(manager, domainId);
      if (!domain || domain.agentId !== agentId || !ON_AGENT_STATES.includes(domain.state)) return undefined;
      domain.state = 'lost';
      domain.agentId = null;
      domain.stateDetail = detail;
      await manager.save(domain);
      await manager
        .getRepository(DomainActionEntity)
        .update(
          { domainId, status: In(['accepted', 'dispatched']) },
          { status: 'failed', error: detail, completedAt: new Date() },
        );
      return domain;
    });
    this.publisher.announce(lost);
    return lost;
  }
}

/** States an agent passes through on the way to an action's result. */
const PROGRESS_STATES: readonly DomainState[] = ['starting', 'stopping'];

/** A progress report (e.g. `starting`) that arrives after its action already settled is history, not news. */
async function isStaleProgress(manager: EntityManager, event: AgentDomainEvent): Promise<boolean> {
  if (!event.actionId || !PROGRESS_STATES.includes(event.state)) return false;
  const action = await manager.getRepository(DomainActionEntity).findOneBy({ id: event.actionId });
  return action !== null && (action.status === 'succeeded' || action.status === 'failed');
}

/** The action an event reports on succeeds when its domain reached the state it settles in. */
async function settleAction(manager: EntityManager, event: AgentDomainEvent): Promise<void> {
  const repo = manager.getRepository(DomainActionEntity);
  const action = await repo.findOneBy({ id: event.actionId, domainId: event.domainId });
  if (!action || action.status === 'succeeded' || action.status === 'failed') return;
  const requested: DomainAction =
    action.action === 'restart-lost' || action.action === 'move' ? 'start' : action.action;
  if (event.state === 'error' || event.state === 'crashed') {
    action.status = 'failed';
    action.error = event.detail ?? `the domain ended ${event.state}`;
  } else if (event.state === DOMAIN_TRANSITIONS[requested].settles) {
    action.status = 'succeeded';
  } else {
    return; // an intermediate report (e.g. starting)
  }
  action.toState = event.state;
  action.completedAt = new Date();
  await repo.save(action);
}
