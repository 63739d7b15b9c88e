import type { AgentDomainEvent, DomainActionStatus, DomainState } from '@xeno/contracts';

/** What the move protocol needs to know of the domain and its move action when an event arrives. */
export interface MoveInFlight {
  domain: { state: DomainState; agentId: string | null };
  action: {
    status: DomainActionStatus;
    fromState: DomainState;
    targetAgentId: string;
    /** This move is already the way back to the source (after a target refused the snapshot). */
    isReturn: boolean;
  };
}

export type MoveStep =
  /** The source stored the snapshot and destroyed the domain: restore it on the target now. */
  | { kind: 'snapshotted' }
  /** The source could not save it and let it run on: back to the state it had, on the source. */
  | { kind: 'stayed'; reason: string }
  /** The target runs it: the move succeeded. */
  | { kind: 'arrived'; state: 'running' | 'paused' }
  /** The target could not restore it: restore the stored snapshot on the source instead (a move back). */
  | { kind: 'return'; reason: string }
  /** Not even the way back worked: the domain is in error, restartable (booted afresh). */
  | { kind: 'failed-on-target'; reason: string }
  /** The domain left `migrating` another way (the guest powered off first): the move just ends, failed. */
  | { kind: 'abandoned'; reason: string }
  | { kind: 'ignore'; reason: string };

/**
 * One step of the move protocol (docs/ARCHITECTURE.md, "Moving a domain"): the source answers the
 * domain.snapshot job of the move action, then the target answers the domain.start (restoreSnapshotKey)
 * of the same action. Which side spoke is told by the agent ids: the domain stays placed on the source
 * until the snapshot is stored, then on the target. A target that cannot restore it sends it back: the
 * stored snapshot is restored on the source by a second move action (the way back), so a failed move
 * loses nothing unless that fails too. Anything else (a late or repeated report, a report
 * once the move settled) changes nothing, so applying an event twice is harmless.
 */
export function moveEventOutcome(move: MoveInFlight, event: AgentDomainEvent): MoveStep {
  const { domain, action } = move;
  if (action.status === 'succeeded' || action.status === 'failed')
    return { kind: 'ignore', reason: `the move already ${action.status}` };
  if (domain.state !== 'migrating')
    return { kind: 'abandoned', reason: `the domain became ${domain.state} during the move` };
  if (event.agentId !== domain.agentId)
    return {
      kind: 'ignore',
      reason: `event from ${event.agentId}, but the domain is placed on ${domain.agentId ?? 'no agent'}`,
    };
  const detail = event.detail ? `: ${event.detail}` : '';
  if (event.agentId !== action.targetAgentId) {
    // The source's answer to domain.snapshot.
    if (event.state === 'stopped') return { kind: 'snapshotted' };
    if (event.state === 'error')
      return {
        kind: 'stayed',
        reason: `move to ${action.targetAgentId} failed on ${event.agentId}${detail}`,
      };
    return { kind: 'ignore', reason: `the source reported ${event.state} during the move` };
  }
  // The target's answer to domain.start with the snapshot.
  if (event.state === 'running' || event.state === 'paused') return { kind: 'arrived', state: event.state };
  if (event.state === 'error' || event.state === 'crashed' || event.state === 'stopped') {
    const failed = `restoring on ${event.agentId} failed (${event.state})${detail}`;
    return action.isReturn
      ? { kind: 'failed-on-target', reason: `${failed}; start the domain again` }
      : { kind: 'return', reason: failed };
  }
  return { kind: 'ignore', reason: `progress (${event.state})` };
}
