import { beforeEach, describe, expect, it } from 'vitest';
import * as A from '../../src/events/abi';
import type { Vcpu } from '../../src/domain/vcpu';
import * as L from '../../src/public/layout';
import { DOMID_SELF } from '../../src/public/xen';
import { allocUnbound, bindInterdomain, bindIpi, bindVirq, close, send, unmask } from './evtchn-ops';
import { Guest, GuestEvents, makeGuests } from './fixtures';

let a: Guest;
let ea: GuestEvents;
let kicks: Array<[number, number]>;
let polled: Array<[number, number]>;
beforeEach(() => {
  [a] = makeGuests([{ id: 1, nrVcpus: 2 }], { events: { domUMaxPort: 300 } });
  ea = new GuestEvents(a);
  kicks = [];
  polled = [];
  a.sys.events.hooks = {
    kick: (d, v) => kicks.push([d.id, v.id]),
    portPending: (d, p) => polled.push([d.id, p]),
  };
});

/** IPI ports up to `port` (all on vCPU 0); returns the last. */
function ipiPorts(upTo: number): number {
  let p = 0;
  while (p < upTo) p = bindIpi(a, 0);
  return p;
}

describe('2-level delivery (§7.3)', () => {
  it('sets pending, then pending_sel bit port/64, then upcall_pending, and kicks once', () => {
    const p = ipiPorts(130);
    expect(send(a, p)).toBe(0);
    expect(ea.pending(p)).toBe(true);
    expect(ea.sel()).toBe(1n << 2n);
    expect(ea.upcallPending()).toBe(1);
    expect(kicks).toEqual([[1, 0]]);
    expect(polled).toEqual([[1, p]]);
    // Another port in another word: sel gains its bit, upcall already pending → no second kick.
    send(a, 70);
    expect(ea.sel()).toBe((1n << 2n) | (1n << 1n));
    expect(kicks).toHaveLength(1);
  });

  it('an already-pending port loses the edge: nothing else changes', () => {
    const p = ipiPorts(3);
    send(a, p);
    // The guest took the upcall and the selector but has not reached the port yet.
    ea.setUpcallPending(0);
    ea.setSel(0n);
    send(a, p);
    expect(ea.pending(p)).toBe(true);
    expect(ea.sel()).toBe(0n);
    expect(ea.upcallPending()).toBe(0);
    expect(kicks).toHaveLength(1);
    expect(polled).toHaveLength(1);
  });

  it('a masked port becomes pending but raises nothing; pollers still hear about it', () => {
    const p = ipiPorts(5);
    ea.mask(p);
    send(a, p);
    expect(ea.pending(p)).toBe(true);
    expect(ea.sel()).toBe(0n);
    expect(ea.upcallPending()).toBe(0);
    expect(kicks).toEqual([]);
    expect(polled).toEqual([[1, p]]);
    expect(a.sys.events.isPending(a.d, p)).toBe(true);
    expect(a.sys.events.isMasked(a.d, p)).toBe(true);
  });

  it('pending_sel already set: upcall_pending is not raised again (the guest is still scanning)', () => {
    const p = ipiPorts(3);
    send(a, 1);
    ea.setUpcallPending(0);
    send(a, p);
    expect(ea.pending(p)).toBe(true);
    expect(ea.upcallPending()).toBe(0);
    expect(kicks).toHaveLength(1);
  });

  it('unmask re-raises only a port that was masked and is pending', () => {
    const p = ipiPorts(2);
    expect(unmask(a, p)).toBe(0);
    expect(ea.sel()).toBe(0n);
    ea.mask(p);
    expect(unmask(a, p)).toBe(0);
    expect(ea.upcallPending()).toBe(0);
    ea.mask(p);
    send(a, p);
    expect(kicks).toEqual([]);
    expect(unmask(a, p)).toBe(0);
    expect(ea.sel()).toBe(1n);
    expect(ea.upcallPending()).toBe(1);
    expect(kicks).toEqual([[1, 0]]);
  });

  it('hasDeliverableUpcall is upcall_pending && !upcall_mask (initially masked by the builder)', () => {
    const ev = a.sys.events;
    const v0 = a.d.vcpus[0];
    expect(ea.upcallMask()).toBe(1);
    send(a, ipiPorts(1));
    expect(ev.hasDeliverableUpcall(a.d, v0)).toBe(false);
    ea.setUpcallMask(false);
    expect(ev.hasDeliverableUpcall(a.d, v0)).toBe(true);
    expect(ev.hasDeliverableUpcall(a.d, a.d.vcpus[1])).toBe(false);
    expect(ea.handleUpcall()).toEqual([1]);
    expect(ev.hasDeliverableUpcall(a.d, v0)).toBe(false);
  });

  it('events go to the relocated vcpu_info after VCPUOP_register_vcpu_info', () => {
    const v1 = a.d.vcpus[1];
    const maddr = a.spareMfn(0) * 4096 + 0x40;
    v1.vcpuInfoMaddr = maddr;
    const mem = a.sys.host.mem;
    const p = bindIpi(a, 1);
    send(a, p);
    expect(mem.readU8(maddr + L.VI_EVTCHN_UPCALL_PENDING)).toBe(1);
    expect(mem.readU64(maddr + L.VI_EVTCHN_PENDING_SEL)).toBe(1n);
    const legacy = a.d.sharedInfoMfn * 4096 + L.VCPU_INFO_SIZE;
    expect(mem.readU8(legacy + L.VI_EVTCHN_UPCALL_PENDING)).toBe(0);
    a.sys.events.markEventsPending(a.d, v1);
    expect(kicks).toEqual([[1, 1]]);
  });

  it('a vCPU ≥ 32 without a registered vcpu_info gets no delivery', () => {
    const [g] = makeGuests([{ id: 4, nrVcpus: 33 }]);
    const ev = new GuestEvents(g);
    const p = bindIpi(g, 32);
    send(g, p);
    expect(ev.pending(p)).toBe(true);
    expect(g.sys.events.hasDeliverableUpcall(g.d, g.d.vcpus[32] as Vcpu)).toBe(false);
  });
});

describe('VIRQs and the execution loop', () => {
  it('raiseVirq: per-vCPU VIRQs go to that vCPU’s binding; unbound ones are ignored', () => {
    const ev = a.sys.events;
    expect(ev.raiseVirq(a.d, 0, A.VIRQ_TIMER)).toBe(false);
    const t0 = bindVirq(a, A.VIRQ_TIMER, 0);
    const t1 = bindVirq(a, A.VIRQ_TIMER, 1);
    expect(ev.raiseVirq(a.d, 1, A.VIRQ_TIMER)).toBe(true);
    expect(ea.pending(t1)).toBe(true);
    expect(ea.pending(t0)).toBe(false);
    expect(kicks).toEqual([[1, 1]]);
    expect(ev.raiseVirq(a.d, 0, 99)).toBe(false);
  });

  it('global VIRQs: bound on vCPU 0, delivered to the notify vCPU; sendGlobalVirq reaches the handler domain', () => {
    const [d0, u] = makeGuests([{ id: 0, privileged: true, nrVcpus: 2 }, { id: 7 }]);
    const e0 = new GuestEvents(d0);
    const ev = d0.sys.events;
    const p = bindVirq(d0, A.VIRQ_DOM_EXC, 0);
    expect(ev.sendGlobalVirq(A.VIRQ_DOM_EXC)).toBe(true);
    expect(e0.pending(p)).toBe(true);
    expect(ev.sendGlobalVirq(A.VIRQ_TIMER)).toBe(false);
    expect(ev.sendGlobalVirq(A.VIRQ_CONSOLE)).toBe(false);
    // Rerouted to domain 7.
    ev.setGlobalVirqHandler(A.VIRQ_CONSOLE, 7);
    const q = bindVirq(u, A.VIRQ_CONSOLE, 0);
    expect(ev.sendGlobalVirq(A.VIRQ_CONSOLE)).toBe(true);
    expect(new GuestEvents(u).pending(q)).toBe(true);
  });

  it('kick fires only on upcall_pending 0 → 1 (wake a blocked vCPU once)', () => {
    const p = bindIpi(a, 0);
    send(a, p);
    send(a, p);
    ea.handleUpcall();
    send(a, p);
    expect(kicks).toEqual([
      [1, 0],
      [1, 0],
    ]);
  });
});

describe('domain teardown', () => {
  it('closes every port: interdomain peers become unbound', () => {
    const [x, y] = makeGuests([{ id: 1 }, { id: 2 }]);
    const px = allocUnbound(x, DOMID_SELF, 2);
    const py = bindInterdomain(y, 1, px);
    x.sys.destroyDomain(2);
    const ch = x.sys.events.channel(1, px)!;
    expect(ch.state).toBe(2 /* ECS_UNBOUND */);
    expect(ch.remoteDomid).toBe(2);
    expect(send(x, px)).toBe(0);
    expect(py).toBe(1);
    expect(close(x, px)).toBe(0);
  });
});
