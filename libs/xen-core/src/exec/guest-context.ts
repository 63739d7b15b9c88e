/**
 * `struct vcpu_guest_context` (x86_64, 5168 bytes, §9.6.1) decoded into plain data for
 * VCPUOP_initialise. Only the fields a 64-bit PV vCPU uses are kept.
 */
import * as A from './abi';

export interface GuestContext {
  flags: number;
  /** GPRs in encoding order (rax, rcx, rdx, rbx, rsp, rbp, rsi, rdi, r8..r15). */
  gprs: bigint[];
  rip: bigint;
  rflags: number;
  cs: number;
  ss: number;
  es: number;
  ds: number;
  fs: number;
  gs: number;
  /** 256 trap_info entries: vector, flags, cs, address. */
  traps: Array<{ vector: number; flags: number; cs: number; address: bigint }>;
  ldtBase: bigint;
  ldtEnts: number;
  gdtFrames: bigint[];
  gdtEnts: number;
  kernelSs: number;
  kernelSp: bigint;
  /** ctrlreg[0..7]: [3] = kernel CR3, [1] = user CR3. */
  ctrlreg: bigint[];
  debugreg: bigint[];
  eventCallback: bigint;
  failsafeCallback: bigint;
  syscallCallback: bigint;
  vmAssist: bigint;
  fsBase: bigint;
  gsBaseKernel: bigint;
  gsBaseUser: bigint;
}

export function parseGuestContext(raw: Uint8Array): GuestContext {
  const dv = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const q = (off: number): bigint => dv.getBigUint64(off, true);
  const u16 = (off: number): number => dv.getUint16(off, true);
  const regs = A.VGC_USER_REGS;
  const gprs = new Array<bigint>(16).fill(0n);
  for (const [r, off] of A.CPU_USER_REGS_GPR) gprs[r] = q(regs + off);
  const traps = [];
  for (let i = 0; i < 256; i++) {
    const b = A.VGC_TRAP_CTXT + i * A.TRAP_INFO_SIZE;
    traps.push({ vector: dv.getUint8(b), flags: dv.getUint8(b + 1), cs: u16(b + 2), address: q(b + 8) });
  }
  return {
    flags: Number(q(A.VGC_FLAGS) & 0xffffffffn),
    gprs,
    rip: q(regs + A.CUR_RIP),
    rflags: Number(q(regs + A.CUR_RFLAGS) & 0xffffffffn),
    cs: u16(regs + A.CUR_CS),
    ss: u16(regs + A.CUR_SS),
    es: u16(regs + A.CUR_ES),
    ds: u16(regs + A.CUR_DS),
    fs: u16(regs + A.CUR_FS),
    gs: u16(regs + A.CUR_GS),
    traps,
    ldtBase: q(A.VGC_LDT_BASE),
    ldtEnts: Number(q(A.VGC_LDT_ENTS) & 0xffffffffn),
    gdtFrames: Array.from({ length: 16 }, (_, i) => q(A.VGC_GDT_FRAMES + i * 8)),
    gdtEnts: Number(q(A.VGC_GDT_ENTS) & 0xffffffffn),
    kernelSs: Number(q(A.VGC_KERNEL_SS) & 0xffffn),
    kernelSp: q(A.VGC_KERNEL_SP),
    ctrlreg: Array.from({ length: 8 }, (_, i) => q(A.VGC_CTRLREG + i * 8)),
    debugreg: Array.from({ length: 8 }, (_, i) => q(A.VGC_DEBUGREG + i * 8)),
    eventCallback: q(A.VGC_EVENT_CALLBACK),
    failsafeCallback: q(A.VGC_FAILSAFE_CALLBACK),
    syscallCallback: q(A.VGC_SYSCALL_CALLBACK),
    vmAssist: q(A.VGC_VM_ASSIST),
    fsBase: q(A.VGC_FS_BASE),
    gsBaseKernel: q(A.VGC_GS_BASE_KERNEL),
    gsBaseUser: q(A.VGC_GS_BASE_USER),
  };
}
