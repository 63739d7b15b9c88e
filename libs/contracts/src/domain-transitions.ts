import type { DomainAction, DomainState } from './domain-lifecycle';

/**
 * The lifecycle state machine for tenant actions, shared by the API (which enforces it and answers 409
 * with `reason`) and the web app (which only offers allowed actions). An accepted action puts the domain
 * in `inFlight` at once; the agent's report then settles it (normally in `settles`, or crashed/error).
 */
export interface ActionRule {
  from: readonly DomainState[];
  inFlight: DomainState;
  settles: DomainState;
}

export const DOMAIN_TRANSITIONS: Readonly<Record<DomainAction, ActionRule>> = {
  // A domain that is not on any agent can be (re)started, including one whose agent died.
  start: {
    from: ['pending', 'stopped', 'crashed', 'lost', 'error'],
    inFlight: 'scheduling',
    settles: 'running',
  },
  stop: { from: ['running', 'paused'], inFlight: 'stopping', settles: 'stopped' },
  reboot: { from: ['running'], inFlight: 'starting', settles: 'running' },
  pause: { from: ['running'], inFlight: 'running', settles: 'paused' },
  resume: { from: ['paused'], inFlight: 'paused', settles: 'running' },
  // The way out of anything stuck on an agent: forced, no clean shutdown.
  destroy: {
    from: ['scheduling', 'starting', 'running', 'paused', 'stopping', 'crashed', 'error'],
    inFlight: 'stopping',
    settles: 'stopped',
  },
};

/** States in which a domain is on no agent, so it may be deleted. */
export const DELETABLE_STATES: readonly DomainState[] = ['pending', 'stopped', 'crashed', 'lost', 'error'];

export type ActionVerdict =
  { allowed: true; inFlight: DomainState; settles: DomainState } | { allowed: false; reason: string };

/** Whether `action` may be applied to a domain in `state`, and where it leads; never throws. */
export function actionTransition(state: DomainState, action: DomainAction): ActionVerdict {
  const rule = Object.hasOwn(DOMAIN_TRANSITIONS, action) ? DOMAIN_TRANSITIONS[action] : undefined;
  if (!rule) return { allowed: false, reason: `unknown action ${JSON.stringify(action)}` };
  if (!rule.from.includes(state))
    return {
      allowed: false,
      reason: `cannot ${action} a domain that is ${state} (allowed from: ${rule.from.join(', ')})`,
    };
  return { allowed: true, inFlight: rule.inFlight, settles: rule.settles };
}

/** The actions a domain in `state` accepts, in DOMAIN_TRANSITIONS order (for buttons). */
export function allowedActions(state: DomainState): DomainAction[] {
  return (Object.keys(DOMAIN_TRANSITIONS) as DomainAction[]).filter((action) =>
    DOMAIN_TRANSITIONS[action].from.includes(state),
  );
}

/**
 * Moving a domain to another agent (an admin's action, not a tenant's): from running or paused, the domain
 * is `migrating` while the source saves it and the target restores it, then settles in the state it had.
 */
export const MOVE_RULE: Readonly<ActionRule> = {
  from: ['running', 'paused'],
  inFlight: 'migrating',
  settles: 'running',
};

/** Whether a domain in `state` may be moved; never throws. */
export function moveTransition(state: DomainState): ActionVerdict {
  if (!MOVE_RULE.from.includes(state))
    return {
      allowed: false,
      reason: `cannot move a domain that is ${state} (allowed from: ${MOVE_RULE.from.join(', ')})`,
    };
  return { allowed: true, inFlight: MOVE_RULE.inFlight, settles: MOVE_RULE.settles };
}
