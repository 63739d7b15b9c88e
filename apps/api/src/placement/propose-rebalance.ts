import type { ProposedMove } from '@xeno/contracts';
import { memoryShare, type PlacementAgent } from './placement-agent';

export interface RebalanceDomain {
  domainId: string;
  agentId: string;
  memoryMiB: number;
  /** When the domain last moved (ms since epoch), if ever. */
  lastMovedAtMs?: number;
}

export interface RebalanceOptions {
  /** The caller's clock (ms since epoch); passed in so the plan is a pure function. */
  nowMs: number;
  /** A domain moved less than this long ago is never moved again: no back-and-forth. */
  hysteresisMs: number;
  /** Imbalance (max − min memory share) at or below which nothing is moved, 0..1. */
  threshold: number;
  maxMoves: number;
}

export interface RebalanceProposal {
  imbalanceBefore: number;
  imbalanceAfter: number;
  moves: ProposedMove[];
}

/**
 * Greedy memory rebalancing among ready agents: repeatedly moves, from the fullest agent that has a movable
 * domain to the emptiest one with room, the domain that best evens out that pair, while the spread exceeds the threshold. A move is only taken
 * when it strictly narrows the pair's gap, each domain moves at most once per plan, and domains inside the
 * hysteresis window stay put, so applying a plan and proposing again cannot undo it.
 */
export function proposeRebalance(
  agents: readonly PlacementAgent[],
  domains: readonly RebalanceDomain[],
  options: RebalanceOptions,
): RebalanceProposal {
  const ready = agents.filter((agent) => agent.state === 'ready' && agent.capacity.memoryMiB > 0);
  const reserved = new Map(ready.map((agent) => [agent.agentId, agent.reservedMemoryMiB]));
  const share = (agent: PlacementAgent) => memoryShare(agent, reserved.get(agent.agentId));
  const where = new Map(domains.map((domain) => [domain.domainId, domain.agentId]));
  const movable = domains.filter(
    (domain) =>
      domain.lastMovedAtMs === undefined || options.nowMs - domain.lastMovedAtMs >= options.hysteresisMs,
  );
  const moved = new Set<string>();
  const moves: ProposedMove[] = [];
  const imbalance = () => spread(ready.map(share));
  const imbalanceBefore = imbalance();

  while (ready.length >= 2 && moves.length < options.maxMoves && imbalance() > options.threshold) {
    const move = bestMove();
    if (!move) break;
    const { domain, source, target } = move;
    const sourceShareBefore = share(source);
    reserved.set(source.agentId, reserved.get(source.agentId)! - domain.memoryMiB);
    reserved.set(target.agentId, reserved.get(target.agentId)! + domain.memoryMiB);
    where.set(domain.domainId, target.agentId);
    moved.add(domain.domainId);
    moves.push({
      domainId: domain.domainId,
      fromAgentId: source.agentId,
      toAgentId: target.agentId,
      memoryMiB: domain.memoryMiB,
      reason: `memory share ${pct(sourceShareBefore)} → ${pct(share(source))} on ${source.agentId}`,
    });
  }
  return { imbalanceBefore: round(imbalanceBefore), imbalanceAfter: round(imbalance()), moves };

  /** The move that best narrows the widest pair gap that some movable domain can narrow at all. */
  function bestMove() {
    const byShare = [...ready].sort((a, b) => share(b) - share(a) || a.agentId.localeCompare(b.agentId));
    for (const source of byShare)
      for (const target of [...byShare].reverse()) {
        const gap = share(source) - share(target);
        if (gap <= 0) break;
        const domain = bestDomainBetween(source, target, gap);
        if (domain) return { domain, source, target };
      }
    return undefined;
  }

  function bestDomainBetween(source: PlacementAgent, target: PlacementAgent, gap: number) {
    const sourceReserved = reserved.get(source.agentId)!;
    const targetReserved = reserved.get(target.agentId)!;
    let best: { domain: RebalanceDomain; gapAfter: number } | undefined;
    for (const domain of movable) {
      if (moved.has(domain.domainId) || where.get(domain.domainId) !== source.agentId) continue;
      if (targetReserved + domain.memoryMiB > target.capacity.memoryMiB) continue;
      const gapAfter = Math.abs(
        memoryShare(source, sourceReserved - domain.memoryMiB) -
          memoryShare(target, targetReserved + domain.memoryMiB),
      );
      if (gapAfter < gap && (!best || gapAfter < best.gapAfter)) best = { domain, gapAfter };
    }
    return best?.domain;
  }
}

function spread(values: number[]): number {
  return values.length < 2 ? 0 : Math.max(...values) - Math.min(...values);
}

function pct(share: number): string {
  return `${Math.round(share * 100)}%`;
}

function round(value: number): number {
  return Math.round(value * 1000) / 1000;
}
