import { beforeEach, describe, expect, it } from 'vitest';
import * as A from '../../src/events/abi';
import { pteToBigInt } from '../../src/mm/pte';
import { updateVaMapping } from '../../src/mm/update-va-mapping';
import * as E from '../../src/public/errno';
import { _PAGE_PRESENT } from '../../src/public/page';
import {
  __HYPERVISOR_event_channel_op,
  __HYPERVISOR_event_channel_op_compat,
  DOMID_SELF,
} from '../../src/public/xen';
import {
  allocUnbound,
  bindInterdomain,
  bindIpi,
  bindVcpu,
  bindVirq,
  close,
  evtchnOp,
  reset,
  send,
  status,
  StatusOut,
  unmask,
} from './evtchn-ops';
import { Guest, GuestEvents, hcall, makeGuests, put, struct } from './fixtures';

let a: Guest;
let b: Guest;
let ea: GuestEvents;
let eb: GuestEvents;
beforeEach(() => {
  [a, b] = makeGuests([{ id: 1, nrVcpus: 2 }, { id: 2 }]);
  ea = new GuestEvents(a);
  eb = new GuestEvents(b);
});

const st = (g: Guest, dom: number, port: number): StatusOut => status(g, dom, port) as StatusOut;

describe('EVTCHNOP_alloc_unbound', () => {
  it('hands out the lowest free port ≥ 1 and records who may bind', () => {
    expect(allocUnbound(a, DOMID_SELF, 2)).toBe(1);
    expect(allocUnbound(a, 1, DOMID_SELF)).toBe(2);
    expect(st(a, DOMID_SELF, 1)).toMatchObject({ status: A.EVTCHNSTAT_unbound, vcpu: 0, u16: 2 });
    // DOMID_SELF as remote means the caller itself.
    expect(st(a, DOMID_SELF, 2)).toMatchObject({ status: A.EVTCHNSTAT_unbound, u16: 1 });
    expect(close(a, 1)).toBe(0);
    expect(allocUnbound(a, DOMID_SELF, 2)).toBe(1);
  });

  it('refuses other domains (-EPERM), unknown domains (-ESRCH) and bad pointers (-EFAULT)', () => {
    expect(allocUnbound(a, 2, 1)).toBe(-E.XEN_EPERM);
    expect(allocUnbound(a, 77, 1)).toBe(-E.XEN_ESRCH);
    expect(hcall(a, __HYPERVISOR_event_channel_op, A.EVTCHNOP_alloc_unbound, 0x40000000n)).toBe(
      -E.XEN_EFAULT,
    );
  });

  it('a privileged domain may allocate in another domain', () => {
    const [d0, u] = makeGuests([{ id: 0, privileged: true }, { id: 5 }]);
    expect(allocUnbound(d0, 5, 0)).toBe(1);
    expect(st(u, DOMID_SELF, 1)).toMatchObject({ status: A.EVTCHNSTAT_unbound, u16: 0 });
    expect(st(d0, 5, 1)).toMatchObject({ status: A.EVTCHNSTAT_unbound });
  });

  it('runs out at max_evtchn_port with -ENOSPC, growing a bucket at a time', () => {
    const [g] = makeGuests([{ id: 3 }], { events: { domUMaxPort: 70 } });
    expect(status(g, DOMID_SELF, 64)).toBe(-E.XEN_EINVAL);
    for (let p = 1; p <= 70; p++) expect(allocUnbound(g, DOMID_SELF, 0)).toBe(p);
    expect(st(g, DOMID_SELF, 100)).toMatchObject({ status: A.EVTCHNSTAT_closed });
    expect(allocUnbound(g, DOMID_SELF, 0)).toBe(-E.XEN_ENOSPC);
    expect(status(g, DOMID_SELF, 128)).toBe(-E.XEN_EINVAL);
  });

  it('libxl default: 1023 usable ports for a domU', () => {
    for (let p = 1; p <= A.DEFAULT_DOMU_MAX_EVTCHN_PORT; p++) allocUnbound(b, DOMID_SELF, 0);
    expect(allocUnbound(b, DOMID_SELF, 0)).toBe(-E.XEN_ENOSPC);
  });
});

describe('EVTCHNOP_bind_interdomain', () => {
  it('connects two port tables and marks the new local port pending', () => {
    const pa = allocUnbound(a, DOMID_SELF, 2);
    const pb = bindInterdomain(b, 1, pa);
    expect(pb).toBe(1);
    expect(st(a, DOMID_SELF, pa)).toMatchObject({ status: A.EVTCHNSTAT_interdomain, u16: 2, u32hi: pb });
    expect(st(b, DOMID_SELF, pb)).toMatchObject({ status: A.EVTCHNSTAT_interdomain, u16: 1, u32hi: pa });
    expect(eb.pending(pb)).toBe(true);
    expect(eb.sel()).toBe(1n);
    expect(eb.upcallPending()).toBe(1);
    expect(ea.pending(pa)).toBe(false);
  });

  it('errors: unknown domain -ESRCH, bad or busy remote port -EINVAL, port meant for someone else -EINVAL', () => {
    const pa = allocUnbound(a, DOMID_SELF, 2);
    expect(bindInterdomain(b, 99, pa)).toBe(-E.XEN_ESRCH);
    expect(bindInterdomain(b, 1, 999)).toBe(-E.XEN_EINVAL);
    expect(bindInterdomain(b, 1, 0)).toBe(-E.XEN_EINVAL);
    expect(bindInterdomain(b, 1, 40)).toBe(-E.XEN_EINVAL);
    const forThree = allocUnbound(a, DOMID_SELF, 3);
    expect(bindInterdomain(b, 1, forThree)).toBe(-E.XEN_EINVAL);
    expect(bindInterdomain(b, 1, pa)).toBe(1);
    expect(bindInterdomain(b, 1, pa)).toBe(-E.XEN_EINVAL);
    // The failed attempts did not leak ports.
    expect(allocUnbound(b, DOMID_SELF, 0)).toBe(2);
  });

  it('loopback within one domain (DOMID_SELF)', () => {
    const p1 = allocUnbound(a, DOMID_SELF, DOMID_SELF);
    const p2 = bindInterdomain(a, DOMID_SELF, p1);
    expect(p2).toBe(2);
    ea.handleUpcall();
    expect(send(a, p1)).toBe(0);
    expect(ea.pending(p2)).toBe(true);
    expect(send(a, p2)).toBe(0);
    expect(ea.pending(p1)).toBe(true);
  });
});

describe('EVTCHNOP_bind_virq', () => {
  it('binds per-vCPU VIRQs on each vCPU and global ones on vCPU 0 of their handler', () => {
    expect(bindVirq(a, A.VIRQ_TIMER, 0)).toBe(1);
    expect(bindVirq(a, A.VIRQ_TIMER, 1)).toBe(2);
    expect(st(a, DOMID_SELF, 2)).toMatchObject({ status: A.EVTCHNSTAT_virq, vcpu: 1, u32lo: A.VIRQ_TIMER });
    expect(bindVirq(a, A.VIRQ_DEBUG, 0)).toBe(3);
    const [d0] = makeGuests([{ id: 0, privileged: true }]);
    expect(bindVirq(d0, A.VIRQ_DOM_EXC, 0)).toBe(1);
    expect(bindVirq(d0, A.VIRQ_CONSOLE, 0)).toBe(2);
  });

  it('errors in Xen order: -EINVAL (range, global on vCPU≠0), -ENOENT, -EBUSY, -EEXIST', () => {
    expect(bindVirq(a, A.NR_VIRQS, 0)).toBe(-E.XEN_EINVAL);
    expect(bindVirq(a, -1, 0)).toBe(-E.XEN_EINVAL);
    expect(bindVirq(a, A.VIRQ_CONSOLE, 1)).toBe(-E.XEN_EINVAL);
    expect(bindVirq(a, A.VIRQ_ARGO, 1)).toBe(-E.XEN_EINVAL);
    expect(bindVirq(a, A.VIRQ_TIMER, 2)).toBe(-E.XEN_ENOENT);
    expect(bindVirq(a, A.VIRQ_TIMER, -1)).toBe(-E.XEN_ENOENT);
    // Global VIRQs belong to the hardware domain (d0) unless rerouted.
    expect(bindVirq(a, A.VIRQ_CONSOLE, 0)).toBe(-E.XEN_EBUSY);
    expect(a.sys.events.setGlobalVirqHandler(A.VIRQ_CONSOLE, 1)).toBe(0);
    expect(bindVirq(a, A.VIRQ_CONSOLE, 0)).toBe(1);
    expect(a.sys.events.setGlobalVirqHandler(A.VIRQ_TIMER, 1)).toBe(-E.XEN_EINVAL);
    expect(bindVirq(a, A.VIRQ_TIMER, 1)).toBe(2);
    expect(bindVirq(a, A.VIRQ_TIMER, 1)).toBe(-E.XEN_EEXIST);
    // VIRQ_ARGO is per-domain: fine on vCPU 0.
    expect(bindVirq(a, A.VIRQ_ARGO, 0)).toBe(3);
  });

  it('closing a VIRQ port unbinds it so it can be bound again', () => {
    const p = bindVirq(a, A.VIRQ_TIMER, 0);
    expect(close(a, p)).toBe(0);
    expect(st(a, DOMID_SELF, p)).toMatchObject({ status: A.EVTCHNSTAT_closed });
    expect(a.sys.events.raiseVirq(a.d, 0, A.VIRQ_TIMER)).toBe(false);
    expect(bindVirq(a, A.VIRQ_TIMER, 0)).toBe(p);
  });
});

describe('EVTCHNOP_bind_ipi / send', () => {
  it('an IPI port notifies its vCPU of the same domain', () => {
    const p = bindIpi(a, 1);
    expect(st(a, DOMID_SELF, p)).toMatchObject({ status: A.EVTCHNSTAT_ipi, vcpu: 1 });
    expect(send(a, p)).toBe(0);
    expect(ea.pending(p)).toBe(true);
    expect(ea.upcallPending(1)).toBe(1);
    expect(ea.upcallPending(0)).toBe(0);
    expect(bindIpi(a, 2)).toBe(-E.XEN_ENOENT);
  });

  it('unbound ports drop sends silently; closed, VIRQ and invalid ports are -EINVAL', () => {
    const p = allocUnbound(a, DOMID_SELF, 2);
    expect(send(a, p)).toBe(0);
    expect(ea.pending(p)).toBe(false);
    expect(send(a, 5)).toBe(-E.XEN_EINVAL);
    expect(send(a, 0)).toBe(-E.XEN_EINVAL);
    expect(send(a, 4096)).toBe(-E.XEN_EINVAL);
    expect(send(a, bindVirq(a, A.VIRQ_TIMER, 0))).toBe(-E.XEN_EINVAL);
  });
});

describe('EVTCHNOP_close', () => {
  it('the interdomain peer reverts to unbound, accepting the closer again', () => {
    const pa = allocUnbound(a, DOMID_SELF, 2);
    const pb = bindInterdomain(b, 1, pa);
    expect(close(b, pb)).toBe(0);
    expect(st(a, DOMID_SELF, pa)).toMatchObject({ status: A.EVTCHNSTAT_unbound, u16: 2 });
    expect(st(b, DOMID_SELF, pb)).toMatchObject({ status: A.EVTCHNSTAT_closed, vcpu: 0 });
    // The freed port's pending bit is cleared (no stale event on re-bind).
    expect(eb.pending(pb)).toBe(false);
    expect(send(a, pa)).toBe(0);
    expect(bindInterdomain(b, 1, pa)).toBe(pb);
  });

  it('refuses port 0 (reserved), free ports and invalid ports with -EINVAL', () => {
    expect(close(a, 0)).toBe(-E.XEN_EINVAL);
    expect(close(a, 3)).toBe(-E.XEN_EINVAL);
    expect(close(a, 1 << 20)).toBe(-E.XEN_EINVAL);
    expect(st(a, DOMID_SELF, 0)).toMatchObject({ status: A.EVTCHNSTAT_closed });
  });
});

describe('EVTCHNOP_status', () => {
  it('another domain is -EPERM for a domU, unknown -ESRCH, out-of-range port -EINVAL', () => {
    allocUnbound(b, DOMID_SELF, 1);
    expect(status(a, 2, 1)).toBe(-E.XEN_EPERM);
    expect(status(a, 9, 1)).toBe(-E.XEN_ESRCH);
    expect(status(a, DOMID_SELF, 64)).toBe(-E.XEN_EINVAL);
    expect(st(a, 1, 5)).toMatchObject({ status: A.EVTCHNSTAT_closed });
  });
});

describe('EVTCHNOP_unmask', () => {
  it('clears the mask; a pending port then raises the upcall on its notify vCPU', () => {
    const p = bindIpi(a, 0);
    ea.mask(p);
    send(a, p);
    expect(ea.pending(p)).toBe(true);
    expect(ea.sel()).toBe(0n);
    expect(ea.upcallPending()).toBe(0);
    expect(unmask(a, p)).toBe(0);
    expect(ea.masked(p)).toBe(false);
    expect(ea.sel()).toBe(1n);
    expect(ea.upcallPending()).toBe(1);
    expect(unmask(a, 4096)).toBe(-E.XEN_EINVAL);
    expect(unmask(a, 7)).toBe(0);
  });
});

describe('EVTCHNOP_bind_vcpu', () => {
  it('moves interdomain, unbound and global-VIRQ ports; not IPIs or per-vCPU VIRQs', () => {
    const pa = allocUnbound(a, DOMID_SELF, 2);
    expect(bindVcpu(a, pa, 1)).toBe(0);
    expect(st(a, DOMID_SELF, pa)).toMatchObject({ vcpu: 1 });
    const pb = bindInterdomain(b, 1, pa);
    send(b, pb);
    expect(ea.upcallPending(1)).toBe(1);
    expect(ea.upcallPending(0)).toBe(0);
    expect(bindVcpu(a, bindIpi(a, 0), 1)).toBe(-E.XEN_EINVAL);
    expect(bindVcpu(a, bindVirq(a, A.VIRQ_TIMER, 0), 1)).toBe(-E.XEN_EINVAL);
    a.sys.events.setGlobalVirqHandler(A.VIRQ_DOM_EXC, 1);
    expect(bindVcpu(a, bindVirq(a, A.VIRQ_DOM_EXC, 0), 1)).toBe(0);
    expect(bindVcpu(a, pa, 2)).toBe(-E.XEN_ENOENT);
    expect(bindVcpu(a, 3000, 1)).toBe(-E.XEN_EINVAL);
    expect(bindVcpu(a, 60, 1)).toBe(-E.XEN_EINVAL);
  });
});

describe('EVTCHNOP_reset', () => {
  it('closes every port of the domain; peers revert to unbound', () => {
    const pa = allocUnbound(a, DOMID_SELF, 2);
    const pb = bindInterdomain(b, 1, pa);
    bindVirq(a, A.VIRQ_TIMER, 0);
    bindIpi(a, 1);
    expect(reset(a, DOMID_SELF)).toBe(0);
    for (let p = 0; p < 4; p++) expect(st(a, DOMID_SELF, p)).toMatchObject({ status: A.EVTCHNSTAT_closed });
    expect(st(b, DOMID_SELF, pb)).toMatchObject({ status: A.EVTCHNSTAT_unbound, u16: 1 });
    expect(allocUnbound(a, DOMID_SELF, 0)).toBe(1);
  });

  it('another domain -EPERM, unknown -ESRCH; reset_cont has nothing to continue (-EBUSY)', () => {
    expect(reset(a, 2)).toBe(-E.XEN_EPERM);
    expect(reset(a, 42)).toBe(-E.XEN_ESRCH);
    expect(evtchnOp(a, A.EVTCHNOP_reset_cont, struct(2, [[0, 2, DOMID_SELF]])).rc).toBe(-E.XEN_EBUSY);
  });
});

describe('dispatch', () => {
  it('FIFO sub-ops answer -ENOSYS so guests fall back to 2-level; unknown sub-ops too', () => {
    for (const cmd of [A.EVTCHNOP_init_control, A.EVTCHNOP_expand_array, A.EVTCHNOP_set_priority, 15, 99]) {
      expect(evtchnOp(a, cmd, new Uint8Array(24)).rc).toBe(-E.XEN_ENOSYS);
    }
  });

  it('bind_pirq: a domU has no physical IRQs', () => {
    expect(evtchnOp(a, A.EVTCHNOP_bind_pirq, struct(12, [[0, 4, 5]])).rc).toBe(-E.XEN_EPERM);
    expect(evtchnOp(a, A.EVTCHNOP_bind_pirq, struct(12, [[0, 4, 100000]])).rc).toBe(-E.XEN_EINVAL);
  });

  it('an OUT copy-back fault is -EFAULT (the port stays allocated, as in Xen)', () => {
    const ro = a.spareVa(0);
    put(
      a,
      ro,
      struct(8, [
        [0, 2, DOMID_SELF],
        [2, 2, 2],
      ]),
    );
    // Remap the page read-only: the struct can be read but the OUT port cannot be written.
    expect(updateVaMapping(a.ctx, ro, pteToBigInt({ mfn: a.spareMfn(0), flags: _PAGE_PRESENT }), 0n, 1)).toBe(
      0,
    );
    expect(hcall(a, __HYPERVISOR_event_channel_op, A.EVTCHNOP_alloc_unbound, ro)).toBe(-E.XEN_EFAULT);
    expect(st(a, DOMID_SELF, 1)).toMatchObject({ status: A.EVTCHNSTAT_unbound });
  });

  it('the legacy event_channel_op_compat (16) takes {cmd; union @4}', () => {
    put(
      a,
      a.scratch,
      struct(28, [
        [0, 4, A.EVTCHNOP_alloc_unbound],
        [4, 2, DOMID_SELF],
        [6, 2, 2],
      ]),
    );
    expect(hcall(a, __HYPERVISOR_event_channel_op_compat, a.scratch)).toBe(0);
    expect(a.ctx.guest.readU32(a.scratch + 8n)).toBe(1);
    put(
      a,
      a.scratch,
      struct(28, [
        [0, 4, A.EVTCHNOP_send],
        [4, 4, 1],
      ]),
    );
    expect(hcall(a, __HYPERVISOR_event_channel_op_compat, a.scratch)).toBe(0);
    put(a, a.scratch, struct(28, [[0, 4, A.EVTCHNOP_init_control]]));
    expect(hcall(a, __HYPERVISOR_event_channel_op_compat, a.scratch)).toBe(-E.XEN_ENOSYS);
    put(a, a.scratch, struct(28, [[0, 4, A.EVTCHNOP_reset]]));
    expect(hcall(a, __HYPERVISOR_event_channel_op_compat, a.scratch)).toBe(-E.XEN_ENOSYS);
    expect(hcall(a, __HYPERVISOR_event_channel_op_compat, 0x40000000n)).toBe(-E.XEN_EFAULT);
  });
});
