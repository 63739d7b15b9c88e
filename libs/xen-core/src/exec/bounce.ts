/**
 * Bounce frames (§6.2, §6.3): how the hypervisor enters the guest kernel at a handler — exceptions,
 * permitted INT n, the syscall callback, event upcalls and the failsafe callback. The frame goes on the
 * guest kernel stack (kernel_sp when coming from user mode, else the interrupted RSP) aligned down to 16
 * bytes, the CS slot carries the saved event mask in bits 32–39 and RPL 0 as the "was kernel" marker,
 * the RFLAGS slot mirrors the event mask in IF. A frame that cannot be written crashes the domain.
 */
import { GuestAccess } from '../mm/guest-access';
import { FLAT_KERNEL_CS, FLAT_KERNEL_SS, VMASST_TYPE_architectural_iopl } from '../public/xen';
import {
  X86_EFLAGS_AC,
  X86_EFLAGS_DF,
  X86_EFLAGS_IF,
  X86_EFLAGS_IOPL,
  X86_EFLAGS_NT,
  X86_EFLAGS_RF,
  X86_EFLAGS_TF,
  X86_EFLAGS_VM,
} from './abi';
import type { ExecEnv } from './env';
import { toggleGuestMode } from './mode';
import type { ArchVcpu } from './vcpu-arch';
import { setUpcallMask, upcallMask } from './vcpu-info';
import { RCX, R11, RSP, SEG_CS, SEG_DS, SEG_ES, SEG_FS, SEG_GS, SEG_SS } from './x86/pv-cpu';

export interface BounceTarget {
  /** Handler address (trap-table entry or callback). */
  address: bigint;
  /** Pushes an error-code slot between R11 and RIP. */
  errorCode?: number;
  /** Set upcall_mask = 1 on entry (trap flag 4, event upcalls, masking callbacks). */
  mask: boolean;
  /** SYSCALL from user mode: DF is cleared as well. */
  syscall?: boolean;
}

/** Bases Xen refuses to push a frame at (just inside the hypervisor hole). */
const BAD_BASE_LO = 0xffff800000000001n;
const BAD_BASE_HI = 0xffff880000000040n;

interface Interrupted {
  rip: bigint;
  rsp: bigint;
  rflags: number;
  cs: number;
  ss: number;
  rcx: bigint;
  r11: bigint;
}

/** The RFLAGS value a frame records: IF = !saved mask, IOPL virtual (architectural_iopl) or 0. */
function frameFlags(v: ArchVcpu, rflags: number, masked: boolean): number {
  let f = rflags & ~(X86_EFLAGS_IF | X86_EFLAGS_IOPL);
  if (!masked) f |= X86_EFLAGS_IF;
  if (v.dom.domain.vmAssist.has(VMASST_TYPE_architectural_iopl)) f |= (v.vcpu.iopl & 3) << 12;
  return f >>> 0;
}

/**
 * Switch to kernel mode if needed and write `words(saved CS, saved mask)` below the frame base. Returns
 * the interrupted state and the new RSP, or undefined after crashing the domain.
 */
function pushFrame(
  env: ExecEnv,
  v: ArchVcpu,
  words: (st: Interrupted, cs: bigint, flags: bigint) => bigint[],
): { st: Interrupted; frame: bigint } | undefined {
  const cpu = env.cpu;
  const st: Interrupted = {
    rip: cpu.rip,
    rsp: cpu.reg(RSP),
    rflags: cpu.rflags,
    cs: cpu.selector(SEG_CS),
    ss: cpu.selector(SEG_SS),
    rcx: cpu.reg(RCX),
    r11: cpu.reg(R11),
  };
  const mem = env.sys.host.mem;
  const masked = v.vcpuInfoMaddr >= 0 && upcallMask(mem, v.vcpuInfoMaddr);
  let base: bigint;
  let cs = st.cs;
  if (!v.vcpu.inKernel) {
    if (!toggleGuestMode(env, v)) {
      v.dom.crash('bounce from user mode without a kernel root table');
      return undefined;
    }
    base = v.kernelSp;
  } else {
    base = st.rsp;
    cs &= ~3;
  }
  base = BigInt.asUintN(64, base) & ~0xfn;
  if (base >= BAD_BASE_LO && base < BAD_BASE_HI) {
    v.dom.crash(`bounce frame base ${base.toString(16)} in the hypervisor area`);
    return undefined;
  }
  const list = words(
    st,
    BigInt(cs) | (BigInt(masked ? 1 : 0) << 32n),
    BigInt(frameFlags(v, st.rflags, masked)),
  );
  const frame = BigInt.asUintN(64, base - BigInt(list.length * 8));
  const buf = new Uint8Array(list.length * 8);
  const dv = new DataView(buf.buffer);
  list.forEach((w, i) => dv.setBigUint64(i * 8, BigInt.asUintN(64, w), true));
  const guest = new GuestAccess(mem, env.sys.host.frames.nrFrames, () => v.vcpu.guestTable);
  if (!guest.write(frame, buf)) {
    v.dom.crash(`cannot write a bounce frame at ${frame.toString(16)}`);
    return undefined;
  }
  return { st, frame };
}

/** Enter the guest kernel at `address` with RSP = frame (Xen's SYSRET-style exit: RCX/R11 = junk). */
function enterHandler(env: ExecEnv, v: ArchVcpu, address: bigint, frame: bigint, flags: number): void {
  const cpu = env.cpu;
  cpu.loadCode(FLAT_KERNEL_CS, true);
  cpu.loadStack(FLAT_KERNEL_SS);
  cpu.setReg(RSP, frame);
  cpu.rip = address;
  cpu.rflags = flags;
  cpu.setReg(RCX, address);
  cpu.setReg(R11, BigInt(cpu.rflags));
  void v;
}

/** create_bounce_frame(): deliver to a handler with the §6.2 frame. False if the domain crashed. */
export function bounceToGuest(env: ExecEnv, v: ArchVcpu, t: BounceTarget): boolean {
  const r = pushFrame(env, v, (st, cs, flags) => [
    st.rcx,
    st.r11,
    ...(t.errorCode !== undefined ? [BigInt(t.errorCode >>> 0)] : []),
    st.rip,
    cs,
    flags,
    st.rsp,
    BigInt(st.ss),
  ]);
  if (!r) return false;
  if (t.mask && v.vcpuInfoMaddr >= 0) setUpcallMask(env.sys.host.mem, v.vcpuInfoMaddr, true);
  let nf = r.st.rflags & ~(X86_EFLAGS_TF | X86_EFLAGS_NT | X86_EFLAGS_RF | X86_EFLAGS_VM | X86_EFLAGS_AC);
  if (t.syscall) nf &= ~X86_EFLAGS_DF;
  enterHandler(env, v, t.address, r.frame, nf);
  return true;
}

/** The failsafe callback (§6.3): 11 words with the data selectors that could not be loaded. */
export function bounceFailsafe(
  env: ExecEnv,
  v: ArchVcpu,
  sels: { ds: number; es: number; fs: number; gs: number },
): boolean {
  if (v.failsafeCallback === 0n) {
    v.dom.crash('segment load failed and no failsafe callback is registered');
    return false;
  }
  const r = pushFrame(env, v, (st, cs, flags) => [
    st.rcx,
    st.r11,
    BigInt(sels.ds),
    BigInt(sels.es),
    BigInt(sels.fs),
    BigInt(sels.gs),
    st.rip,
    cs,
    flags,
    st.rsp,
    BigInt(st.ss),
  ]);
  if (!r) return false;
  if (v.failsafeMasks && v.vcpuInfoMaddr >= 0) setUpcallMask(env.sys.host.mem, v.vcpuInfoMaddr, true);
  const cpu = env.cpu;
  for (const sg of [SEG_DS, SEG_ES, SEG_FS, SEG_GS]) if (cpu.selector(sg) & ~3) cpu.loadNull(sg, 0);
  const nf = r.st.rflags & ~(X86_EFLAGS_TF | X86_EFLAGS_NT | X86_EFLAGS_RF | X86_EFLAGS_VM | X86_EFLAGS_AC);
  enterHandler(env, v, v.failsafeCallback, r.frame, nf);
  return true;
}
