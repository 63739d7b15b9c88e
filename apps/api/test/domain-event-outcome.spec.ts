import type { AgentDomainEvent } from '@xeno/contracts';
import { describe, expect, it } from 'vitest';
import { domainEventOutcome } from '../src/domains/domain-event-outcome';

const event = (state: AgentDomainEvent['state'], agentId = 'a1'): AgentDomainEvent => ({
  agentId,
  domainId: 'd1',
  state,
  at: '2026-01-01T00:00:00.000Z',
});

describe('domainEventOutcome', () => {
  it('applies a report from the agent hosting the domain', () => {
    expect(domainEventOutcome({ state: 'starting', agentId: 'a1' }, event('running'))).toEqual({
      apply: true,
      state: 'running',
      agentId: 'a1',
    });
  });

  it('drops the agent link once the domain is off it', () => {
    for (const state of ['stopped', 'crashed', 'error'] as const)
      expect(domainEventOutcome({ state: 'running', agentId: 'a1' }, event(state))).toMatchObject({
        agentId: null,
      });
  });

  it('ignores late events from an agent the domain was moved away from', () => {
    expect(domainEventOutcome({ state: 'running', agentId: 'a2' }, event('stopped', 'a1'))).toEqual({
      apply: false,
      reason: 'event from a1, but the domain is placed on a2',
    });
    expect(domainEventOutcome({ state: 'stopped', agentId: null }, event('running'))).toMatchObject({
      apply: false,
    });
  });

  it('does not let an agent declare states only the API decides', () => {
    for (const state of ['lost', 'scheduling', 'migrating'] as const)
      expect(domainEventOutcome({ state: 'running', agentId: 'a1' }, event(state))).toEqual({
        apply: false,
        reason: `agents do not report ${state}`,
      });
  });

  it('is idempotent: the same event twice gives the same state', () => {
    const first = domainEventOutcome({ state: 'starting', agentId: 'a1' }, event('running'));
    if (!first.apply) throw new Error('expected the first event to apply');
    expect(domainEventOutcome({ state: first.state, agentId: first.agentId }, event('running'))).toEqual(
      first,
    );
  });
});
