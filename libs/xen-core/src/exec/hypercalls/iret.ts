/**
 * The iret hypercall (§6.6): pops `struct iret_context` from the guest kernel stack (RSP points at
 * rax; the guest pushed flags, rip, cs, rflags, rsp, ss and the stub pushed rcx, r11, rax), returns to
 * user mode when CS has RPL 3 (toggle: swapgs + user root), restores RFLAGS with the event mask taken
 * from IF, and with VGCF_in_syscall returns SYSRET-style (RCX = RIP, R11 = RFLAGS) instead of
 * restoring RCX/R11. RAX comes from the frame and is the handler's result, as in Xen's do_iret (the
 * dispatcher writes it back to RAX; a multicall stores it in the iret entry's result field).
 */
import type { HypercallContext } from '../../hypercall/context';
import { defineHypercall } from '../../hypercall/table';
import { VMASST_TYPE_architectural_iopl, __HYPERVISOR_iret } from '../../public/xen';
import {
  VGCF_in_syscall,
  X86_EFLAGS_ALL,
  X86_EFLAGS_IF,
  X86_EFLAGS_IOPL,
  X86_EFLAGS_MBS,
  X86_EFLAGS_VM,
} from '../abi';
import { checkCodeSelector, checkStackSelector } from '../descriptor-tables';
import type { ExecEnv } from '../env';
import { toggleGuestMode } from '../mode';
import type { ArchVcpu } from '../vcpu-arch';
import { setUpcallMask } from '../vcpu-info';
import { RAX, RCX, R11, RSP } from './regs';
import { withArch } from './exec-context';

export const IRET_CONTEXT_SIZE = 72;

/** The restored RAX, or undefined when the frame was unusable and the domain crashed. */
export function doIret(ctx: HypercallContext, v: ArchVcpu, env: ExecEnv): bigint | undefined {
  const cpu = env.cpu;
  const raw = ctx.guest.read(cpu.reg(RSP), IRET_CONTEXT_SIZE);
  if (!raw) {
    v.dom.crash('iret: cannot read the iret frame');
    return undefined;
  }
  const dv = new DataView(raw.buffer);
  const q = (i: number): bigint => dv.getBigUint64(i * 8, true);
  const [rax, r11, rcx, flags, rip, csRaw, rflagsRaw, rsp, ssRaw] = [0, 1, 2, 3, 4, 5, 6, 7, 8].map(q);
  const cs = Number(csRaw & 0xffffn) | 3;
  const ss = Number(ssRaw & 0xffffn) | 3;
  const code = checkCodeSelector(env, v, cs);
  if (!code || !checkStackSelector(env, v, ss)) {
    v.dom.crash(`iret to unusable selectors cs ${cs.toString(16)} ss ${ss.toString(16)}`);
    return undefined;
  }
  if ((csRaw & 3n) === 3n && v.vcpu.inKernel) {
    if (v.vcpu.guestTableUser === 0) {
      v.dom.crash('iret to user mode without a user root table');
      return undefined;
    }
    toggleGuestMode(env, v);
  }
  const rflags = Number(rflagsRaw & 0xffffffffn);
  if (v.dom.domain.vmAssist.has(VMASST_TYPE_architectural_iopl)) v.vcpu.iopl = (rflags >> 12) & 3;
  cpu.loadCode(cs, code.long);
  cpu.loadStack(ss);
  cpu.rip = rip;
  cpu.setReg(RSP, rsp);
  cpu.rflags =
    ((rflags & X86_EFLAGS_ALL & ~(X86_EFLAGS_IOPL | X86_EFLAGS_VM)) | X86_EFLAGS_IF | X86_EFLAGS_MBS) >>> 0;
  if (flags & BigInt(VGCF_in_syscall)) {
    cpu.setReg(RCX, rip);
    cpu.setReg(R11, BigInt(cpu.rflags));
  } else {
    cpu.setReg(RCX, rcx);
    cpu.setReg(R11, r11);
  }
  if (v.vcpuInfoMaddr >= 0) setUpcallMask(env.sys.host.mem, v.vcpuInfoMaddr, (rflags & X86_EFLAGS_IF) === 0);
  cpu.setReg(RAX, rax);
  return rax;
}

export const iretHypercall = defineHypercall({
  nr: __HYPERVISOR_iret,
  name: 'iret',
  args: [],
  handler: (ctx) => withArch(ctx, (v, env) => doIret(ctx, v, env)),
});
