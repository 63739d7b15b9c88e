/**
 * set_trap_table (§6.1), set_callbacks / callback_op / nmi_op (§6.4), stack_switch (§6.5) and
 * fpu_taskswitch (§6.8).
 */
import type { HypercallContext } from '../../hypercall/context';
import { defineHypercall } from '../../hypercall/table';
import { XEN_EFAULT, XEN_EINVAL, XEN_ENOSYS } from '../../public/errno';
import * as X from '../../public/xen';
import * as A from '../abi';
import type { ExecEnv } from '../env';
import type { ArchVcpu } from '../vcpu-arch';
import { RDI, RIP_SYSCALL_LENGTH } from './regs';
import { withArch } from './exec-context';

/** Entries handled per invocation before set_trap_table continues itself (Xen preempts likewise). */
const TRAP_TABLE_BATCH = 256;

/** do_set_trap_table(): entries until one with address 0; NULL clears the table. */
export function setTrapTable(
  ctx: HypercallContext,
  v: ArchVcpu,
  env: ExecEnv,
  traps: bigint,
): number | undefined {
  if (traps === 0n) {
    v.clearTrapTable();
    return 0;
  }
  for (let n = 0; ; n++) {
    if (n === TRAP_TABLE_BATCH && !ctx.inMulticall) {
      // Continuation: re-execute the SYSCALL with the pointer advanced (RAX still holds the number).
      env.cpu.setReg(RDI, traps);
      env.cpu.rip = env.cpu.rip - RIP_SYSCALL_LENGTH;
      return undefined;
    }
    const raw = ctx.guest.read(traps, A.TRAP_INFO_SIZE);
    if (!raw) return -XEN_EFAULT;
    const dv = new DataView(raw.buffer);
    const address = dv.getBigUint64(8, true);
    if (address === 0n) return 0;
    if (!A.isCanonical(address)) return -XEN_EINVAL;
    const vector = dv.getUint8(0);
    v.trapFlags[vector] = dv.getUint8(1);
    v.trapCs[vector] = dv.getUint16(2, true) | 3;
    v.trapAddr[vector] = address;
    traps += BigInt(A.TRAP_INFO_SIZE);
  }
}

/** register_guest_nmi_callback(): the NMI handler is trap-table vector 2, events masked. */
function registerNmi(v: ArchVcpu, address: bigint): number {
  if (!A.isCanonical(address)) return -XEN_EINVAL;
  v.trapFlags[A.X86_EXC_NMI] = A.TI_MASK_EVENTS;
  v.trapCs[A.X86_EXC_NMI] = X.FLAT_KERNEL_CS;
  v.trapAddr[A.X86_EXC_NMI] = address;
  v.nmiCallback = address;
  return 0;
}

function unregisterNmi(v: ArchVcpu): number {
  v.trapAddr[A.X86_EXC_NMI] = 0n;
  v.nmiCallback = 0n;
  return 0;
}

/** register_guest_callback(). */
export function registerCallback(v: ArchVcpu, type: number, flags: number, address: bigint): number {
  if (!A.isCanonical(address)) return -XEN_EINVAL;
  const masks = (flags & A.CALLBACKF_mask_events) !== 0;
  switch (type) {
    case A.CALLBACKTYPE_event:
      v.eventCallback = address;
      return 0;
    case A.CALLBACKTYPE_failsafe:
      v.failsafeCallback = address;
      v.failsafeMasks = masks;
      return 0;
    case A.CALLBACKTYPE_syscall:
      v.syscallCallback = address;
      v.syscallMasks = masks;
      return 0;
    case A.CALLBACKTYPE_syscall32:
      v.syscall32Callback = address;
      v.syscall32Masks = masks;
      return 0;
    case A.CALLBACKTYPE_sysenter:
      v.sysenterCallback = address;
      v.sysenterMasks = masks;
      return 0;
    case A.CALLBACKTYPE_nmi:
      return registerNmi(v, address);
    default:
      return -XEN_ENOSYS;
  }
}

export function callbackOp(ctx: HypercallContext, v: ArchVcpu, cmd: number, arg: bigint): number {
  switch (cmd) {
    case A.CALLBACKOP_register: {
      const raw = ctx.guest.read(arg, 16);
      if (!raw) return -XEN_EFAULT;
      const dv = new DataView(raw.buffer);
      return registerCallback(v, dv.getUint16(0, true), dv.getUint16(2, true), dv.getBigUint64(8, true));
    }
    case A.CALLBACKOP_unregister: {
      const raw = ctx.guest.read(arg, 4);
      if (!raw) return -XEN_EFAULT;
      const type = raw[0] | (raw[1] << 8);
      switch (type) {
        case A.CALLBACKTYPE_event:
        case A.CALLBACKTYPE_failsafe:
        case A.CALLBACKTYPE_syscall:
        case A.CALLBACKTYPE_syscall32:
        case A.CALLBACKTYPE_sysenter:
          return -XEN_EINVAL;
        case A.CALLBACKTYPE_nmi:
          return unregisterNmi(v);
        default:
          return -XEN_ENOSYS;
      }
    }
    default:
      return -XEN_ENOSYS;
  }
}

export const setTrapTableHypercall = defineHypercall({
  nr: X.__HYPERVISOR_set_trap_table,
  name: 'set_trap_table',
  args: ['ptr'],
  handler: (ctx, traps) => withArch(ctx, (v, env) => setTrapTable(ctx, v, env, traps)),
});

export const setCallbacksHypercall = defineHypercall({
  nr: X.__HYPERVISOR_set_callbacks,
  name: 'set_callbacks',
  args: ['ulong', 'ulong', 'ulong'],
  handler: (ctx, event, failsafe, syscall) =>
    withArch(ctx, (v) => {
      registerCallback(v, A.CALLBACKTYPE_event, 0, event);
      registerCallback(v, A.CALLBACKTYPE_failsafe, 0, failsafe);
      registerCallback(v, A.CALLBACKTYPE_syscall, 0, syscall);
      return 0;
    }),
});

export const callbackOpHypercall = defineHypercall({
  nr: X.__HYPERVISOR_callback_op,
  name: 'callback_op',
  args: ['int', 'ptr'],
  handler: (ctx, cmd, arg) => withArch(ctx, (v) => callbackOp(ctx, v, cmd, arg)),
});

export const nmiOpHypercall = defineHypercall({
  nr: X.__HYPERVISOR_nmi_op,
  name: 'nmi_op',
  args: ['uint', 'ptr'],
  handler: (ctx, cmd, arg) =>
    withArch(ctx, (v) => {
      if (cmd === A.XENNMI_unregister_callback) return unregisterNmi(v);
      if (cmd !== A.XENNMI_register_callback) return -XEN_ENOSYS;
      const address = ctx.guest.readU64(arg);
      return address === undefined ? -XEN_EFAULT : registerNmi(v, address);
    }),
});

export const stackSwitchHypercall = defineHypercall({
  nr: X.__HYPERVISOR_stack_switch,
  name: 'stack_switch',
  args: ['ulong', 'ulong'],
  handler: (ctx, ss, sp) =>
    withArch(ctx, (v) => {
      v.kernelSs = Number(ss & 0xffffn) | 3;
      v.kernelSp = sp;
      return 0;
    }),
});

export const fpuTaskswitchHypercall = defineHypercall({
  nr: X.__HYPERVISOR_fpu_taskswitch,
  name: 'fpu_taskswitch',
  args: ['int'],
  handler: (ctx, set) =>
    withArch(ctx, (v, env) => {
      v.vcr0Ts = set !== 0;
      if (env.current === v) env.cpu.setTs(v.vcr0Ts);
      return 0;
    }),
});
