/**
 * vcpu_op (§9.6): initialise / up / down / is_up, runstate info and area, register_vcpu_info, and the
 * timer sub-ops (one-shot and periodic timers raising VIRQ_TIMER; see ../timers.ts).
 */
import type { HypercallContext } from '../../hypercall/context';
import { defineHypercall } from '../../hypercall/table';
import { PGT_writable_page } from '../../mm/frame-table';
import { toMfn } from '../../mm/pv-mmu';
import {
  XEN_EBUSY,
  XEN_EEXIST,
  XEN_EFAULT,
  XEN_EINVAL,
  XEN_ENOENT,
  XEN_ENOSYS,
  XEN_ETIME,
} from '../../public/errno';
import { VCPU_INFO_SIZE, VI_EVTCHN_PENDING_SEL } from '../../public/layout';
import { PAGE_SIZE } from '../../public/page';
import * as X from '../../public/xen';
import * as A from '../abi';
import type { ExecEnv } from '../env';
import { parseGuestContext } from '../guest-context';
import { applyGuestContext } from '../vcpu-start';
import { encodeRunstate, setRunstate, updatePvclock, writeRunstateArea } from '../runstate';
import type { ArchVcpu } from '../vcpu-arch';
import { setUpcallPending } from '../vcpu-info';
import { PERIODIC_MIN_NS, setPeriodic } from '../timers';

/** vcpu_set_singleshot_timer.flags: fail with -ETIME if the deadline has already passed. */
export const VCPU_SSHOTTMR_future = 1;
import { withArch } from './exec-context';

/** register_vcpu_info: move vcpu_info into (mfn, offset) of a guest frame (kept typed writable). */
export function registerVcpuInfo(env: ExecEnv, target: ArchVcpu, mfnRaw: bigint, offset: number): number {
  if (offset > PAGE_SIZE - VCPU_INFO_SIZE || offset & 7) return -XEN_EINVAL;
  if (target.vcpuInfoMfn !== 0) return -XEN_EBUSY;
  const mfn = toMfn(mfnRaw);
  const { types } = env.sys.mmu;
  if (types.getPageAndType(mfn, target.dom.id, PGT_writable_page) !== 0) return -XEN_EINVAL;
  const mem = env.sys.host.mem;
  const next = mfn * PAGE_SIZE + offset;
  if (target.vcpuInfoMaddr >= 0) mem.copy(next, target.vcpuInfoMaddr, VCPU_INFO_SIZE);
  else mem.fill(next, VCPU_INFO_SIZE, 0);
  target.vcpuInfoMfn = mfn;
  target.vcpu.vcpuInfoMaddr = next;
  // Everything may be pending: nothing raised while the guest switched over is lost.
  mem.writeU64(next + VI_EVTCHN_PENDING_SEL, 0xffffffffffffffffn);
  setUpcallPending(mem, next, true);
  updatePvclock(env, target);
  return 0;
}

function vcpuDown(v: ArchVcpu, target: ArchVcpu): number {
  if (!v.dom.vcpus.some((o) => o !== target && o.online)) {
    v.dom.shutdownWith(A.SHUTDOWN_poweroff);
    return 0;
  }
  target.online = false;
  target.stop = 'down';
  return 0;
}

export function vcpuOp(
  ctx: HypercallContext,
  v: ArchVcpu,
  env: ExecEnv,
  cmd: number,
  id: number,
  arg: bigint,
): number {
  const target = v.dom.vcpus[id];
  if (!target) return -XEN_ENOENT;
  switch (cmd) {
    case A.VCPUOP_initialise: {
      const raw = ctx.guest.read(arg, A.VGC_SIZE);
      if (!raw) return -XEN_EFAULT;
      if (target.vcpuInfoMaddr < 0) return -XEN_EINVAL;
      if (target.initialised) return -XEN_EEXIST;
      return applyGuestContext(env, target, parseGuestContext(raw));
    }
    case A.VCPUOP_up:
      if (!target.initialised) return -XEN_EINVAL;
      if (!target.online) {
        setRunstate(target, A.RUNSTATE_runnable, env.cpu.tsc());
        target.online = true;
      }
      return 0;
    case A.VCPUOP_down:
      return vcpuDown(v, target);
    case A.VCPUOP_is_up:
      return target.online ? 1 : 0;
    case A.VCPUOP_get_runstate_info:
      return ctx.guest.write(arg, encodeRunstate(target, env.cpu.tsc())) ? 0 : -XEN_EFAULT;
    case A.VCPUOP_register_runstate_memory_area: {
      const va = ctx.guest.readU64(arg);
      if (va === undefined) return -XEN_EFAULT;
      target.runstateVa = va;
      if (target === env.current) writeRunstateArea(env, target);
      return 0;
    }
    case A.VCPUOP_register_vcpu_info: {
      const raw = ctx.guest.read(arg, 16);
      if (!raw) return -XEN_EFAULT;
      const dv = new DataView(raw.buffer);
      return registerVcpuInfo(env, target, dv.getBigUint64(0, true), dv.getUint32(8, true));
    }
    case A.VCPUOP_set_periodic_timer: {
      if (!env.clock) return -XEN_ENOSYS;
      const period = ctx.guest.readU64(arg);
      if (period === undefined) return -XEN_EFAULT;
      if (period < PERIODIC_MIN_NS) return -XEN_EINVAL;
      setPeriodic(target, period, env.clock.now());
      return 0;
    }
    case A.VCPUOP_stop_periodic_timer:
      target.periodicPeriod = 0n;
      return 0;
    case A.VCPUOP_set_singleshot_timer: {
      if (target !== v) return -XEN_EINVAL;
      if (!env.clock) return -XEN_ENOSYS;
      const raw = ctx.guest.read(arg, 16);
      if (!raw) return -XEN_EFAULT;
      const dv = new DataView(raw.buffer);
      const deadline = dv.getBigUint64(0, true);
      const flags = dv.getUint32(8, true);
      if (flags & VCPU_SSHOTTMR_future && deadline < target.dom.guestTime(env.clock.now())) return -XEN_ETIME;
      // A deadline in the past fires before the vCPU next enters the guest. Kept in host time.
      target.singleshotDeadline = target.dom.hostTime(deadline);
      return 0;
    }
    case A.VCPUOP_stop_singleshot_timer:
      if (target !== v) return -XEN_EINVAL;
      target.singleshotDeadline = undefined;
      return 0;
    case A.VCPUOP_get_physid:
      return -XEN_EINVAL;
    default:
      return -XEN_ENOSYS;
  }
}

export const vcpuOpHypercall = defineHypercall({
  nr: X.__HYPERVISOR_vcpu_op,
  name: 'vcpu_op',
  args: ['int', 'uint', 'ptr'],
  handler: (ctx, cmd, id, arg) => withArch(ctx, (v, env) => vcpuOp(ctx, v, env, cmd, id, arg)),
});
