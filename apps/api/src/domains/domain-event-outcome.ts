import type { AgentDomainEvent, DomainState } from '@xeno/contracts';

export interface RecordedDomain {
  state: DomainState;
  agentId: string | null;
}

export type EventOutcome =
  { apply: true; state: DomainState; agentId: string | null } | { apply: false; reason: string };

/** States in which the domain is on no agent any more, so the agent link is dropped. */
const OFF_AGENT_STATES: readonly DomainState[] = ['stopped', 'crashed', 'error', 'lost', 'pending'];

/**
 * How an agent's report changes the recorded domain. Agents report facts, but only the agent the API placed
 * the domain on is believed: after a move or a reschedule, late events from the old agent are ignored
 * rather than dragging the domain back. Repeating an event yields the same state (idempotent).
 */
export function domainEventOutcome(domain: RecordedDomain, event: AgentDomainEvent): EventOutcome {
  if (domain.agentId !== event.agentId)
    return {
      apply: false,
      reason: `event from ${event.agentId}, but the domain is placed on ${domain.agentId ?? 'no agent'}`,
    };
  // Only the API decides that a domain is lost, scheduled or migrating; an agent claiming so is ignored.
  if (event.state === 'lost' || event.state === 'scheduling' || event.state === 'migrating')
    return { apply: false, reason: `agents do not report ${event.state}` };
  const agentId = OFF_AGENT_STATES.includes(event.state) ? null : event.agentId;
  return { apply: true, state: event.state, agentId };
}
