import { describe, expect, it } from 'vitest';
import { callerOf, hostCaller } from '../../src/events/event-channels';
import * as E from '../../src/public/errno';
import { DOMID_SELF } from '../../src/public/xen';
import { allocUnbound, bindVcpu, close, send } from './evtchn-ops';
import { GuestEvents, makeGuests } from './fixtures';

describe('host-side (TypeScript control domain) ports', () => {
  it('a backend binds to the guest’s port: guest sends call the consumer, backend sends raise the guest', () => {
    const [g] = makeGuests([{ id: 3 }]);
    const ev = g.sys.events;
    ev.registerHostDomain(0);
    const ge = new GuestEvents(g);
    const host = hostCaller(0);
    const gp = ev.allocUnbound(host, 3, 0);
    expect(gp).toBe(1);
    const seen: number[] = [];
    const hp = ev.bindInterdomain(host, 3, gp, (p) => seen.push(p));
    // The bind's conservative notification reaches the consumer, not any memory.
    expect(seen).toEqual([hp]);
    expect(send(g, gp)).toBe(0);
    expect(seen).toEqual([hp, hp]);
    expect(ev.send(host, hp)).toBe(0);
    expect(ge.pending(gp)).toBe(true);
    // The guest closes: the backend's port reverts to unbound (accepting d3), its consumer kept.
    expect(close(g, gp)).toBe(0);
    expect(ev.channel(0, hp)).toMatchObject({ state: 2, remoteDomid: 3 });
    expect(ev.send(host, hp)).toBe(0);
  });

  it('registerHostDomain refuses an id that is a guest domain', () => {
    const [g] = makeGuests([{ id: 0 }]);
    expect(() => g.sys.events.registerHostDomain(0)).toThrow(/guest domain/);
  });

  it('a guest cannot close, send on or move a Xen-attached (consumer) port of its own table', () => {
    const [g] = makeGuests([{ id: 3 }]);
    const ev = g.sys.events;
    const fired: number[] = [];
    const p = ev.allocUnbound(hostCaller(3), DOMID_SELF, 0, (x) => fired.push(x));
    expect(close(g, p)).toBe(-E.XEN_EINVAL);
    expect(send(g, p)).toBe(-E.XEN_EINVAL);
    expect(bindVcpu(g, p, 0)).toBe(-E.XEN_EINVAL);
    // A guest reset leaves it alone; the hypervisor side may close it.
    expect(ev.reset(callerOf(g.d), DOMID_SELF)).toBe(0);
    expect(ev.channel(3, p)?.state).toBe(2);
    expect(ev.close(hostCaller(3), p)).toBe(0);
    expect(allocUnbound(g, DOMID_SELF, 0)).toBe(p);
  });
});
