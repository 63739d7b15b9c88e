import { describe, expect, it } from 'vitest';
import { callerOf } from '../../src/events/event-channels';
import { DOMID_SELF } from '../../src/public/xen';
import { GuestEvents, makeGuests } from './fixtures';

/**
 * Two domains talking over one interdomain channel, at the data-structure level: the event
 * channel layer on one side, the guest's own view of shared_info (and Linux's upcall handler) on
 * the other.
 */
describe('interdomain ping-pong', () => {
  it('A sends, B sees it pending and handles it, B answers, A handles it — many rounds', () => {
    const [a, b] = makeGuests([{ id: 1 }, { id: 2 }]);
    const ev = a.sys.events;
    const ca = callerOf(a.d);
    const cb = callerOf(b.d);
    const ga = new GuestEvents(a);
    const gb = new GuestEvents(b);
    const kicks: number[] = [];
    ev.hooks = { kick: (d) => kicks.push(d.id) };

    const pa = ev.allocUnbound(ca, DOMID_SELF, 2);
    const pb = ev.bindInterdomain(cb, 1, pa);
    expect([pa, pb]).toEqual([1, 1]);
    // The bind conservatively marks B's port pending: B drains it first.
    expect(gb.handleUpcall()).toEqual([pb]);
    expect(kicks).toEqual([2]);

    for (let round = 0; round < 50; round++) {
      expect(ev.send(ca, pa)).toBe(0);
      expect(gb.pending(pb)).toBe(true);
      expect(gb.sel()).toBe(1n);
      expect(gb.upcallPending()).toBe(1);
      expect(ga.pending(pa)).toBe(false);
      expect(gb.handleUpcall()).toEqual([pb]);
      expect(gb.pending(pb)).toBe(false);
      expect(gb.sel()).toBe(0n);

      expect(ev.send(cb, pb)).toBe(0);
      expect(ga.pending(pa)).toBe(true);
      expect(ga.upcallPending()).toBe(1);
      expect(ga.handleUpcall()).toEqual([pa]);
    }
    expect(kicks.filter((d) => d === 1)).toHaveLength(50);
    expect(kicks.filter((d) => d === 2)).toHaveLength(51);
  });

  it('B masks its port: A’s notification waits as pending until B unmasks (EVTCHNOP_unmask re-raises)', () => {
    const [a, b] = makeGuests([{ id: 1 }, { id: 2 }]);
    const ev = a.sys.events;
    const [ca, cb] = [callerOf(a.d), callerOf(b.d)];
    const gb = new GuestEvents(b);
    const pa = ev.allocUnbound(ca, DOMID_SELF, 2);
    const pb = ev.bindInterdomain(cb, 1, pa);
    gb.handleUpcall();

    gb.mask(pb);
    ev.send(ca, pa);
    ev.send(ca, pa);
    expect(gb.pending(pb)).toBe(true);
    expect(gb.upcallPending()).toBe(0);
    expect(gb.handleUpcall()).toEqual([]);
    expect(ev.unmask(cb, pb)).toBe(0);
    expect(gb.upcallPending()).toBe(1);
    expect(gb.handleUpcall()).toEqual([pb]);
  });

  it('B closes: A’s port is unbound again (sends vanish); B binds anew and the pair works', () => {
    const [a, b] = makeGuests([{ id: 1 }, { id: 2 }]);
    const ev = a.sys.events;
    const [ca, cb] = [callerOf(a.d), callerOf(b.d)];
    const ga = new GuestEvents(a);
    const gb = new GuestEvents(b);
    const pa = ev.allocUnbound(ca, DOMID_SELF, 2);
    const pb = ev.bindInterdomain(cb, 1, pa);
    gb.handleUpcall();
    expect(ev.close(cb, pb)).toBe(0);
    expect(ev.status(ca, DOMID_SELF, pa)).toMatchObject({ status: 1, dom: 2 });
    expect(ev.send(ca, pa)).toBe(0);
    expect(gb.pending(pb)).toBe(false);
    // B's send on its now-closed port fails.
    expect(ev.send(cb, pb)).toBe(-22);
    const pb2 = ev.bindInterdomain(cb, 1, pa);
    expect(pb2).toBe(pb);
    gb.handleUpcall();
    ev.send(cb, pb2);
    expect(ga.handleUpcall()).toEqual([pa]);
  });
});
