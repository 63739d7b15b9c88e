import { describe, expect, it } from 'vitest';
import { choosePlacement } from '../src/placement/choose-placement';
import type { PlacementAgent } from '../src/placement/placement-agent';

const agent = (
  agentId: string,
  reservedMemoryMiB: number,
  extra: Partial<PlacementAgent> = {},
): PlacementAgent => ({
  agentId,
  state: 'ready',
  capacity: { pcpus: 2, memoryMiB: 1024 },
  reservedMemoryMiB,
  cpuBusy: 0,
  ...extra,
});

describe('choosePlacement', () => {
  const fleet = [agent('a', 512), agent('b', 128), agent('c', 900)];

  it('spread picks the emptiest agent that fits', () => {
    expect(choosePlacement(fleet, { memoryMiB: 64, vcpus: 1 }, 'spread').chosenAgentId).toBe('b');
  });

  it('pack picks the fullest agent that still fits', () => {
    expect(choosePlacement(fleet, { memoryMiB: 64, vcpus: 1 }, 'pack').chosenAgentId).toBe('c');
    // 200 MiB no longer fits on c (124 MiB free): the next fullest.
    expect(choosePlacement(fleet, { memoryMiB: 200, vcpus: 1 }, 'pack').chosenAgentId).toBe('a');
  });

  it('records why every agent was kept or rejected', () => {
    const decision = choosePlacement(
      [
        agent('busy', 0, { state: 'cordoned' }),
        agent('full', 1000),
        agent('small', 0, { capacity: { pcpus: 1, memoryMiB: 1024 } }),
        agent('ok', 0),
      ],
      { memoryMiB: 64, vcpus: 2, excludeAgentIds: [] },
      'spread',
    );
    expect(decision.chosenAgentId).toBe('ok');
    expect(decision.candidates.map((c) => [c.agentId, c.eligible, c.reason])).toEqual([
      ['busy', false, 'cordoned'],
      ['full', false, 'not enough free memory (24 MiB < 64 MiB)'],
      ['small', false, 'fewer pCPUs than vCPUs (1 < 2)'],
      ['ok', true, expect.stringContaining('free memory after 0.938')],
    ]);
  });

  it('prefers idle CPUs when memory is equal', () => {
    const decision = choosePlacement(
      [agent('hot', 100, { cpuBusy: 0.9 }), agent('cool', 100, { cpuBusy: 0.1 })],
      { memoryMiB: 16, vcpus: 1 },
      'pack',
    );
    expect(decision.chosenAgentId).toBe('cool');
  });

  it('never chooses an excluded, draining or down agent, and says when nothing fits', () => {
    const decision = choosePlacement(
      [agent('src', 0), agent('d', 0, { state: 'draining' }), agent('x', 0, { state: 'down' })],
      { memoryMiB: 16, vcpus: 1, excludeAgentIds: ['src'] },
      'spread',
    );
    expect(decision.chosenAgentId).toBeNull();
    expect(decision.candidates.every((c) => !c.eligible)).toBe(true);
  });

  it('breaks ties by agent id so the choice is reproducible', () => {
    expect(
      choosePlacement([agent('z', 0), agent('m', 0)], { memoryMiB: 16, vcpus: 1 }, 'spread').chosenAgentId,
    ).toBe('m');
  });
});
