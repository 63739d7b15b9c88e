import { describe, expect, it } from 'vitest';
import type { PlacementAgent } from '../src/placement/placement-agent';
import {
  proposeRebalance,
  type RebalanceDomain,
  type RebalanceOptions,
} from '../src/placement/propose-rebalance';

const HOUR = 3_600_000;
const options: RebalanceOptions = { nowMs: 10 * HOUR, hysteresisMs: HOUR, threshold: 0.2, maxMoves: 10 };

function fleetOf(
  domains: RebalanceDomain[],
  agentIds: string[],
  extra: Record<string, Partial<PlacementAgent>> = {},
) {
  return agentIds.map<PlacementAgent>((agentId) => ({
    agentId,
    state: 'ready',
    capacity: { pcpus: 2, memoryMiB: 1000 },
    reservedMemoryMiB: domains.filter((d) => d.agentId === agentId).reduce((sum, d) => sum + d.memoryMiB, 0),
    cpuBusy: 0,
    ...extra[agentId],
  }));
}

const domainsOn = (agentId: string, sizes: number[], prefix = agentId) =>
  sizes.map<RebalanceDomain>((memoryMiB, i) => ({ domainId: `${prefix}${i}`, agentId, memoryMiB }));

function apply(domains: RebalanceDomain[], moves: { domainId: string; toAgentId: string }[], atMs: number) {
  return domains.map((d) => {
    const move = moves.find((m) => m.domainId === d.domainId);
    return move ? { ...d, agentId: move.toAgentId, lastMovedAtMs: atMs } : d;
  });
}

describe('proposeRebalance', () => {
  it('moves domains from the fullest to the emptiest agent until under the threshold', () => {
    const domains = domainsOn('a', [200, 200, 200, 200]);
    const plan = proposeRebalance(fleetOf(domains, ['a', 'b']), domains, options);
    expect(plan.imbalanceBefore).toBe(0.8);
    expect(plan.moves.map((m) => [m.fromAgentId, m.toAgentId])).toEqual([
      ['a', 'b'],
      ['a', 'b'],
    ]);
    expect(plan.imbalanceAfter).toBe(0);
  });

  it('proposes nothing when the fleet is balanced enough', () => {
    const domains = [...domainsOn('a', [300]), ...domainsOn('b', [200])];
    expect(proposeRebalance(fleetOf(domains, ['a', 'b']), domains, options).moves).toEqual([]);
  });

  it('never undoes its own moves: applying a plan then proposing again moves nothing back', () => {
    let domains = [...domainsOn('a', [450, 300]), ...domainsOn('b', [100])];
    const first = proposeRebalance(fleetOf(domains, ['a', 'b']), domains, options);
    expect(first.moves.length).toBeGreaterThan(0);
    domains = apply(domains, first.moves, options.nowMs);
    const again = proposeRebalance(fleetOf(domains, ['a', 'b']), domains, {
      ...options,
      nowMs: options.nowMs + 1,
    });
    expect(again.moves.filter((m) => first.moves.some((f) => f.domainId === m.domainId))).toEqual([]);
  });

  it('keeps domains moved inside the hysteresis window where they are', () => {
    const domains = domainsOn('a', [300, 300]).map((d) => ({
      ...d,
      lastMovedAtMs: options.nowMs - HOUR / 2,
    }));
    expect(proposeRebalance(fleetOf(domains, ['a', 'b']), domains, options).moves).toEqual([]);
    const later = proposeRebalance(fleetOf(domains, ['a', 'b']), domains, {
      ...options,
      nowMs: options.nowMs + HOUR,
    });
    expect(later.moves).toHaveLength(1);
  });

  it('only moves a domain when that narrows the gap (no swapping one big domain back and forth)', () => {
    const domains = domainsOn('a', [900]);
    expect(proposeRebalance(fleetOf(domains, ['a', 'b']), domains, options).moves).toEqual([]);
  });

  it('never targets cordoned, draining or down agents, nor one without room', () => {
    const domains = [...domainsOn('a', [300, 300, 300]), ...domainsOn('f', [950])];
    const agents = fleetOf(domains, ['a', 'b', 'c', 'd', 'e', 'f'], {
      b: { state: 'cordoned' },
      c: { state: 'draining' },
      d: { state: 'down' },
    });
    const plan = proposeRebalance(agents, domains, options);
    expect(plan.moves.length).toBeGreaterThan(0);
    // f's 950 MiB domain fits nowhere; a's go to e, the only ready agent with room.
    expect(plan.moves.map((m) => [m.fromAgentId, m.toAgentId])).toEqual(plan.moves.map(() => ['a', 'e']));
  });

  it('stops at maxMoves', () => {
    const domains = domainsOn('a', Array(8).fill(100));
    expect(
      proposeRebalance(fleetOf(domains, ['a', 'b']), domains, { ...options, maxMoves: 1 }).moves,
    ).toHaveLength(1);
  });
});
