import type { AgentDomainEvent, DomainState } from '@xeno/contracts';
import { describe, expect, it } from 'vitest';
import { moveEventOutcome, type MoveInFlight } from '../src/moves/move-event-outcome';

const move = (agentId: string, over: Partial<MoveInFlight['action']> = {}): MoveInFlight => ({
  domain: { state: 'migrating', agentId },
  action: { status: 'dispatched', fromState: 'running', targetAgentId: 'dst', isReturn: false, ...over },
});
const event = (agentId: string, state: DomainState, detail?: string): AgentDomainEvent => ({
  agentId,
  domainId: 'd1',
  actionId: 'm1',
  state,
  ...(detail ? { detail } : {}),
  at: new Date(0).toISOString(),
});

describe('moveEventOutcome', () => {
  it('restores on the target once the source stored the snapshot', () => {
    expect(moveEventOutcome(move('src'), event('src', 'stopped'))).toEqual({ kind: 'snapshotted' });
  });

  it('keeps the domain on the source when the snapshot failed there, with the reason', () => {
    expect(moveEventOutcome(move('src'), event('src', 'error', 'cannot save'))).toEqual({
      kind: 'stayed',
      reason: 'move to dst failed on src: cannot save',
    });
  });

  it('settles when the target runs it, in the state it had', () => {
    expect(moveEventOutcome(move('dst'), event('dst', 'running'))).toEqual({
      kind: 'arrived',
      state: 'running',
    });
    expect(moveEventOutcome(move('dst'), event('dst', 'paused'))).toEqual({
      kind: 'arrived',
      state: 'paused',
    });
    expect(moveEventOutcome(move('dst'), event('dst', 'starting'))).toMatchObject({ kind: 'ignore' });
  });

  it('sends the domain back when the target refuses the snapshot, and gives up if that fails too', () => {
    expect(moveEventOutcome(move('dst'), event('dst', 'error', 'BAD_SNAPSHOT: checksum'))).toEqual({
      kind: 'return',
      reason: 'restoring on dst failed (error): BAD_SNAPSHOT: checksum',
    });
    expect(moveEventOutcome(move('dst', { isReturn: true }), event('dst', 'error', 'no room'))).toEqual({
      kind: 'failed-on-target',
      reason: 'restoring on dst failed (error): no room; start the domain again',
    });
  });

  it('ignores late, foreign and repeated reports', () => {
    // The target speaking before the snapshot is stored, the source after: neither is believed.
    expect(moveEventOutcome(move('src'), event('dst', 'running'))).toMatchObject({ kind: 'ignore' });
    expect(moveEventOutcome(move('dst'), event('src', 'stopped'))).toMatchObject({ kind: 'ignore' });
    expect(moveEventOutcome(move('dst', { status: 'succeeded' }), event('dst', 'running'))).toEqual({
      kind: 'ignore',
      reason: 'the move already succeeded',
    });
    expect(moveEventOutcome(move('src'), event('src', 'running'))).toMatchObject({ kind: 'ignore' });
  });

  it('ends a move whose domain left migrating another way (the guest powered off first)', () => {
    const gone: MoveInFlight = { ...move('src'), domain: { state: 'stopped', agentId: null } };
    expect(moveEventOutcome(gone, event('src', 'error', 'domain d1 is not on agent src'))).toEqual({
      kind: 'abandoned',
      reason: 'the domain became stopped during the move',
    });
    expect(moveEventOutcome(move('src'), event('src', 'running'))).toMatchObject({ kind: 'ignore' });
  });
});
