import type { HypercallContext } from '../hypercall/context';
import { defineHypercall } from '../hypercall/table';
import { XEN_EFAULT, XEN_EINVAL, XEN_ENOSYS, XEN_EPERM } from '../public/errno';
import { __HYPERVISOR_event_channel_op, __HYPERVISOR_event_channel_op_compat } from '../public/xen';
import * as A from './abi';
import { callerOf } from './event-channels';

/**
 * event_channel_op(cmd, arg) (hypercall 32, §7.1): copy the sub-op's struct in (-EFAULT), run it,
 * copy it back when it has OUT fields. FIFO sub-ops answer -ENOSYS so guests use the 2-level ABI.
 */
export function eventChannelOp(ctx: HypercallContext, cmd: number, arg: bigint): number {
  const size = A.EVTCHNOP_ARG_SIZE[cmd];
  switch (cmd) {
    case A.EVTCHNOP_init_control:
    case A.EVTCHNOP_expand_array:
    case A.EVTCHNOP_set_priority:
      return -XEN_ENOSYS;
    default:
      if (size === undefined) return -XEN_ENOSYS;
  }
  const raw = ctx.guest.read(arg, size);
  if (!raw) return -XEN_EFAULT;
  const dv = new DataView(raw.buffer);
  const ev = ctx.sys.events;
  const caller = callerOf(ctx.domain);
  const u16 = (o: number): number => dv.getUint16(o, true);
  const u32 = (o: number): number => dv.getUint32(o, true);
  const i32 = (o: number): number => dv.getInt32(o, true);
  /** Store an OUT port at `off` and copy the struct back. */
  const outPort = (rc: number, off: number): number => {
    if (rc < 0) return rc;
    dv.setUint32(off, rc, true);
    return ctx.guest.write(arg, raw) ? 0 : -XEN_EFAULT;
  };

  switch (cmd) {
    case A.EVTCHNOP_bind_interdomain:
      return outPort(ev.bindInterdomain(caller, u16(0), u32(4)), 8);
    case A.EVTCHNOP_bind_virq:
      return outPort(ev.bindVirq(caller, i32(0), i32(4)), 8);
    case A.EVTCHNOP_bind_pirq:
      // A PV domU has no physical IRQ access (pirq_access_permitted() fails).
      return i32(0) < 0 || i32(0) >= A.NR_PIRQS ? -XEN_EINVAL : -XEN_EPERM;
    case A.EVTCHNOP_close:
      return ev.close(caller, u32(0));
    case A.EVTCHNOP_send:
      return ev.send(caller, u32(0));
    case A.EVTCHNOP_status: {
      const st = ev.status(caller, u16(0), u32(4));
      if (typeof st === 'number') return st;
      dv.setUint32(8, st.status, true);
      dv.setUint32(12, st.vcpu, true);
      dv.setBigUint64(16, 0n, true);
      if (st.status === A.EVTCHNSTAT_virq) dv.setUint32(16, st.virq ?? 0, true);
      else if (st.status === A.EVTCHNSTAT_pirq) dv.setUint32(16, st.pirq ?? 0, true);
      else if (st.dom !== undefined) {
        dv.setUint16(16, st.dom, true);
        if (st.port !== undefined) dv.setUint32(20, st.port, true);
      }
      return ctx.guest.write(arg, raw) ? 0 : -XEN_EFAULT;
    }
    case A.EVTCHNOP_alloc_unbound:
      return outPort(ev.allocUnbound(caller, u16(0), u16(2)), 4);
    case A.EVTCHNOP_bind_ipi:
      return outPort(ev.bindIpi(caller, i32(0)), 4);
    case A.EVTCHNOP_bind_vcpu:
      return ev.bindVcpu(caller, u32(0), u32(4));
    case A.EVTCHNOP_unmask:
      return ev.unmask(caller, u32(0));
    case A.EVTCHNOP_reset:
      return ev.reset(caller, u16(0));
    case A.EVTCHNOP_reset_cont:
      return ev.reset(caller, u16(0), true);
    default:
      return -XEN_ENOSYS;
  }
}

const COMPAT_CMDS = new Set([
  A.EVTCHNOP_bind_interdomain,
  A.EVTCHNOP_bind_virq,
  A.EVTCHNOP_bind_pirq,
  A.EVTCHNOP_close,
  A.EVTCHNOP_send,
  A.EVTCHNOP_status,
  A.EVTCHNOP_alloc_unbound,
  A.EVTCHNOP_bind_ipi,
  A.EVTCHNOP_bind_vcpu,
  A.EVTCHNOP_unmask,
]);

/** event_channel_op_compat(op) (hypercall 16): `struct evtchn_op {u32 cmd; union @4}`. */
export function eventChannelOpCompat(ctx: HypercallContext, arg: bigint): number {
  const raw = ctx.guest.read(arg, A.EVTCHN_OP_COMPAT_SIZE);
  if (!raw) return -XEN_EFAULT;
  const cmd = new DataView(raw.buffer).getUint32(0, true);
  if (!COMPAT_CMDS.has(cmd)) return -XEN_ENOSYS;
  return eventChannelOp(ctx, cmd, arg + BigInt(A.EVTCHN_OP_COMPAT_UNION));
}

export const eventChannelOpHypercall = defineHypercall({
  nr: __HYPERVISOR_event_channel_op,
  name: 'event_channel_op',
  args: ['int', 'ptr'],
  handler: eventChannelOp,
});

export const eventChannelOpCompatHypercall = defineHypercall({
  nr: __HYPERVISOR_event_channel_op_compat,
  name: 'event_channel_op_compat',
  args: ['ptr'],
  handler: eventChannelOpCompat,
});
