import { HttpException, Injectable } from '@nestjs/common';
import type { RebalancePlan, RequestPrincipal } from '@xeno/contracts';
import { DataSource, In } from 'typeorm';
import { DomainActionEntity } from '../domains/domain-action.entity';
import { DomainEntity } from '../domains/domain.entity';
import { PlacementAgents } from '../domains/placement-agents';
import { proposeRebalance, type RebalanceOptions } from '../placement/propose-rebalance';
import { DomainMoves } from './domain-moves.service';

/** A domain moved less than this long ago stays put (no back-and-forth between two plans). */
const HYSTERESIS_MS = 10 * 60_000;
/** Spread of memory shares (max − min) tolerated without moving anything. */
const IMBALANCE_THRESHOLD = 0.2;
const MAX_MOVES_PER_PLAN = 10;

/**
 * Rebalancing as admins use it: a proposal from proposeRebalance over the ready agents and the running or
 * paused domains (with when each last moved), and applying one by starting a move per proposed step.
 * Moves the state no longer allows (the domain changed, the target filled) are left out of `actions`.
 */
@Injectable()
export class Rebalance {
  constructor(
    private readonly dataSource: DataSource,
    private readonly agents: PlacementAgents,
    private readonly moves: DomainMoves,
  ) {}

  async propose(options: Partial<RebalanceOptions> = {}): Promise<RebalancePlan> {
    const domains = await this.dataSource
      .getRepository(DomainEntity)
      .findBy({ state: In(['running', 'paused']) });
    const lastMoves = await this.dataSource
      .getRepository(DomainActionEntity)
      .createQueryBuilder('action')
      .select('action.domain_id', 'domainId')
      .addSelect('MAX(action.created_at)', 'at')
      .where(`action.action = 'move'`)
      .groupBy('action.domain_id')
      .getRawMany<{ domainId: string; at: Date }>();
    const movedAt = new Map(lastMoves.map((row) => [row.domainId, new Date(row.at).getTime()]));
    return proposeRebalance(
      await this.agents.list(),
      domains.flatMap((domain) =>
        domain.agentId === null
          ? []
          : [
              {
                domainId: domain.id,
                agentId: domain.agentId,
                memoryMiB: domain.memoryMiB,
                lastMovedAtMs: movedAt.get(domain.id),
              },
            ],
      ),
      {
        nowMs: Date.now(),
        hysteresisMs: HYSTERESIS_MS,
        threshold: IMBALANCE_THRESHOLD,
        maxMoves: MAX_MOVES_PER_PLAN,
        ...options,
      },
    );
  }

  async apply(principal: Pick<RequestPrincipal, 'userId'>): Promise<RebalancePlan> {
    const plan = await this.propose();
    const actions = [];
    for (const move of plan.moves) {
      try {
        actions.push(await this.moves.move(principal, move.domainId, move.toAgentId));
      } catch (error) {
        if (!(error instanceof HttpException)) throw error;
      }
    }
    return { ...plan, actions };
  }
}
