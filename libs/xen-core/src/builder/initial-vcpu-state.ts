import { FLAT_KERNEL_CS, FLAT_KERNEL_DS, FLAT_KERNEL_SS } from '../public/xen';

/** CR0 as the guest reads it: PE|MP|ET|NE|WP|PG (TS clear). */
export const GUEST_CR0 = 0x80010033n;
/** CR4 bits a PV guest sees: PAE|MCE|OSFXSR|OSXMMEXCPT. */
export const GUEST_CR4 = 0x660n;
export const INITIAL_RFLAGS = 0x202n;
export const INITIAL_DR6 = 0xffff0ff0n;
export const INITIAL_DR7 = 0x400n;

/**
 * vCPU0 at the kernel entry point (ABI §3.6), as plain data for the CPU
 * adapter. GPRs not listed are zero.
 */
export interface InitialVcpuState {
  rip: bigint;
  rsp: bigint;
  rsi: bigint;
  rflags: bigint;
  cs: number;
  ss: number;
  ds: number;
  es: number;
  fs: number;
  gs: number;
  fsBase: bigint;
  gsBaseKernel: bigint;
  gsBaseUser: bigint;
  kernelSs: number;
  kernelSp: bigint;
  /** Kernel root: L4 MFN << 12. */
  cr3: bigint;
  /** User root (0 = none). */
  userCr3: bigint;
  cr0: bigint;
  cr4: bigint;
  dr6: bigint;
  dr7: bigint;
  inKernel: true;
  /** vcpu_info.evtchn_upcall_mask. */
  upcallMask: 1;
}

export function initialVcpuState(
  entry: bigint,
  stackTop: bigint,
  startInfoVa: bigint,
  l4Mfn: number,
): InitialVcpuState {
  return {
    rip: entry,
    rsp: stackTop,
    rsi: startInfoVa,
    rflags: INITIAL_RFLAGS,
    cs: FLAT_KERNEL_CS,
    ss: FLAT_KERNEL_SS,
    ds: FLAT_KERNEL_DS,
    es: FLAT_KERNEL_DS,
    fs: FLAT_KERNEL_DS,
    gs: FLAT_KERNEL_DS,
    fsBase: 0n,
    gsBaseKernel: 0n,
    gsBaseUser: 0n,
    kernelSs: FLAT_KERNEL_SS,
    kernelSp: stackTop,
    cr3: BigInt(l4Mfn) << 12n,
    userCr3: 0n,
    cr0: GUEST_CR0,
    cr4: GUEST_CR4,
    dr6: INITIAL_DR6,
    dr7: INITIAL_DR7,
    inKernel: true,
    upcallMask: 1,
  };
}
