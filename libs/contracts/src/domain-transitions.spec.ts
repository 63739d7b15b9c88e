import { describe, expect, it } from 'vitest';
import { DOMAIN_ACTIONS, DOMAIN_STATES, type DomainAction, type DomainState } from './domain-lifecycle';
import { actionTransition, allowedActions, DOMAIN_TRANSITIONS, moveTransition } from './domain-transitions';

describe('actionTransition', () => {
  it.each<[DomainState, DomainAction, DomainState]>([
    ['pending', 'start', 'scheduling'],
    ['lost', 'start', 'scheduling'],
    ['running', 'stop', 'stopping'],
    ['paused', 'stop', 'stopping'],
    ['running', 'reboot', 'starting'],
    ['running', 'pause', 'running'],
    ['paused', 'resume', 'paused'],
    ['starting', 'destroy', 'stopping'],
  ])('allows %s --%s--> %s', (state, action, inFlight) => {
    expect(actionTransition(state, action)).toMatchObject({ allowed: true, inFlight });
  });

  it.each<[DomainState, DomainAction]>([
    ['running', 'start'],
    ['stopped', 'stop'],
    ['stopped', 'pause'],
    ['paused', 'pause'],
    ['running', 'resume'],
    ['pending', 'destroy'],
    ['migrating', 'stop'],
    ['stopping', 'reboot'],
  ])('refuses %s + %s with a reason naming both', (state, action) => {
    const verdict = actionTransition(state, action);
    expect(verdict.allowed).toBe(false);
    if (!verdict.allowed) expect(verdict.reason).toContain(`cannot ${action} a domain that is ${state}`);
  });

  it('refuses an unknown action (guest-controlled strings) without throwing', () => {
    for (const action of ['explode', '__proto__', 'constructor', 'toString'])
      expect(actionTransition('running', action as DomainAction)).toEqual({
        allowed: false,
        reason: `unknown action ${JSON.stringify(action)}`,
      });
  });

  it('covers every action and only names real states', () => {
    expect(Object.keys(DOMAIN_TRANSITIONS).sort()).toEqual([...DOMAIN_ACTIONS].sort());
    for (const rule of Object.values(DOMAIN_TRANSITIONS))
      for (const state of [...rule.from, rule.inFlight, rule.settles]) expect(DOMAIN_STATES).toContain(state);
  });

  it('lists the actions a state allows', () => {
    expect(allowedActions('running')).toEqual(['stop', 'reboot', 'pause', 'destroy']);
    expect(allowedActions('stopped')).toEqual(['start']);
    expect(allowedActions('migrating')).toEqual([]);
  });
});

describe('moveTransition', () => {
  it('moves running and paused domains through migrating', () => {
    for (const state of ['running', 'paused'] as const)
      expect(moveTransition(state)).toEqual({ allowed: true, inFlight: 'migrating', settles: 'running' });
  });

  it('refuses every other state with the reason', () => {
    for (const state of DOMAIN_STATES.filter((s) => s !== 'running' && s !== 'paused'))
      expect(moveTransition(state)).toEqual({
        allowed: false,
        reason: `cannot move a domain that is ${state} (allowed from: running, paused)`,
      });
  });
});
