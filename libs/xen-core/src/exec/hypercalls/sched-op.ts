/**
 * sched_op (§9.1) and sched_op_compat: yield (drains the console backend — guests spin on yield while
 * the ring is full), block (unmasks events, sleeps until one is deliverable), poll, shutdown with a
 * reason, shutdown_code, and remote_shutdown (privileged: -EPERM for a domU).
 */
import type { HypercallContext } from '../../hypercall/context';
import { defineHypercall } from '../../hypercall/table';
import { XEN_EFAULT, XEN_EINVAL, XEN_ENOSYS, XEN_EPERM } from '../../public/errno';
import * as X from '../../public/xen';
import * as A from '../abi';
import type { ArchVcpu } from '../vcpu-arch';
import { eventDeliverable, setUpcallMask } from '../vcpu-info';
import { setTimerOp } from '../timers';
import { withArch } from './exec-context';

export function schedYield(v: ArchVcpu): number {
  v.dom.console.service();
  v.stop = 'yield';
  return 0;
}

/** SCHEDOP_block: events unmasked; sleep only if nothing is deliverable yet. */
export function schedBlock(v: ArchVcpu): number {
  const mem = v.dom.env.sys.host.mem;
  v.dom.console.service();
  if (v.vcpuInfoMaddr >= 0) {
    setUpcallMask(mem, v.vcpuInfoMaddr, false);
    if (eventDeliverable(mem, v.vcpuInfoMaddr)) return 0;
  }
  v.blocked = true;
  v.stop = 'block';
  return 0;
}

export function schedShutdown(v: ArchVcpu, reason: number): number {
  v.dom.shutdownWith(reason & 0xff);
  return 0;
}

/** SCHEDOP_poll: wait until one of the ports is pending, an upcall is deliverable, or the timeout. */
function schedPoll(ctx: HypercallContext, v: ArchVcpu, arg: bigint): number {
  const raw = ctx.guest.read(arg, 24);
  if (!raw) return -XEN_EFAULT;
  const dv = new DataView(raw.buffer);
  const list = dv.getBigUint64(0, true);
  const n = dv.getUint32(8, true);
  const timeout = dv.getBigUint64(16, true);
  if (n > A.SCHEDOP_POLL_MAX_PORTS) return -XEN_EINVAL;
  const ports: number[] = [];
  for (let i = 0; i < n; i++) {
    const p = ctx.guest.readU32(list + BigInt(i * 4));
    if (p === undefined) return -XEN_EFAULT;
    if (p >= A.EVTCHN_2L_NR_CHANNELS) return -XEN_EINVAL;
    ports.push(p);
  }
  const mem = v.dom.env.sys.host.mem;
  if (ports.some((p) => v.dom.env.sys.events.isPending(v.dom.domain, p))) return 0;
  if (v.vcpuInfoMaddr >= 0 && eventDeliverable(mem, v.vcpuInfoMaddr)) return 0;
  const clock = v.dom.env.clock;
  // timeout is guest system time; the deadline is kept in host time.
  if (timeout !== 0n && clock && timeout <= v.dom.guestTime(clock.now())) return 0;
  v.pollPorts = ports;
  v.pollDeadline = timeout !== 0n && clock ? v.dom.hostTime(timeout) : undefined;
  v.blocked = true;
  v.stop = 'block';
  return 0;
}

export function schedOp(ctx: HypercallContext, v: ArchVcpu, cmd: number, arg: bigint): number {
  switch (cmd) {
    case A.SCHEDOP_yield:
      return schedYield(v);
    case A.SCHEDOP_block:
      return schedBlock(v);
    case A.SCHEDOP_shutdown: {
      const reason = ctx.guest.readU32(arg);
      return reason === undefined ? -XEN_EFAULT : schedShutdown(v, reason);
    }
    case A.SCHEDOP_poll:
      return schedPoll(ctx, v, arg);
    case A.SCHEDOP_remote_shutdown:
      // XSM_DM_PRIV: an unprivileged domain may not shut down any domain this way.
      if (!ctx.guest.read(arg, 8)) return -XEN_EFAULT;
      return -XEN_EPERM;
    case A.SCHEDOP_shutdown_code: {
      const reason = ctx.guest.readU32(arg);
      if (reason === undefined) return -XEN_EFAULT;
      v.dom.shutdownCode = reason & 0xff;
      return 0;
    }
    case A.SCHEDOP_pin_override:
      return -XEN_EPERM;
    default:
      // SCHEDOP_watchdog needs timers (a later issue).
      return -XEN_ENOSYS;
  }
}

export const schedOpHypercall = defineHypercall({
  nr: X.__HYPERVISOR_sched_op,
  name: 'sched_op',
  args: ['int', 'ptr'],
  handler: (ctx, cmd, arg) => withArch(ctx, (v) => schedOp(ctx, v, cmd, arg)),
});

/** The legacy form: the shutdown reason is passed directly. */
export const schedOpCompatHypercall = defineHypercall({
  nr: X.__HYPERVISOR_sched_op_compat,
  name: 'sched_op_compat',
  args: ['int', 'ulong'],
  handler: (ctx, cmd, arg) =>
    withArch(ctx, (v) => {
      switch (cmd) {
        case A.SCHEDOP_yield:
          return schedYield(v);
        case A.SCHEDOP_block:
          return schedBlock(v);
        case A.SCHEDOP_shutdown:
          return schedShutdown(v, Number(arg & 0xffn));
        default:
          return -XEN_ENOSYS;
      }
    }),
});

/** set_timer_op(abs_ns) (§9.2): the calling vCPU's one-shot timer; 0 cancels. */
export const setTimerOpHypercall = defineHypercall({
  nr: X.__HYPERVISOR_set_timer_op,
  name: 'set_timer_op',
  args: ['ulong'],
  handler: (_ctx, deadline) =>
    withArch(_ctx, (v, env) => (env.clock ? setTimerOp(v, deadline, env.clock.now()) : -XEN_ENOSYS)),
});
