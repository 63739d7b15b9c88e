/** The registers a 64-bit PV hypercall uses (ABI §1.2). */
export type HypercallReg = 'rax' | 'rdi' | 'rsi' | 'rdx' | 'r10' | 'r8';

/** The slice of the vCPU register file the dispatcher needs; the CPU adapter implements it. */
export interface RegisterFile {
  get(reg: HypercallReg): bigint;
  set(reg: HypercallReg, value: bigint): void;
  /** Move RIP back onto the SYSCALL so the guest re-executes the hypercall (a continuation). */
  rewindToHypercall(): void;
}

/** Argument registers in order: rdi, rsi, rdx, r10, r8. */
export const HYPERCALL_ARG_REGS: readonly HypercallReg[] = ['rdi', 'rsi', 'rdx', 'r10', 'r8'];

/** A plain register file (tests, and a staging copy for adapters). */
export class SimpleRegisterFile implements RegisterFile {
  private readonly regs = new Map<HypercallReg, bigint>();
  /** How many continuations rewound this register file (there is no RIP to move). */
  rewinds = 0;

  constructor(initial: Partial<Record<HypercallReg, bigint>> = {}) {
    for (const [k, v] of Object.entries(initial)) {
      if (v !== undefined) this.regs.set(k as HypercallReg, BigInt.asUintN(64, v));
    }
  }

  get(reg: HypercallReg): bigint {
    return this.regs.get(reg) ?? 0n;
  }

  set(reg: HypercallReg, value: bigint): void {
    this.regs.set(reg, BigInt.asUintN(64, value));
  }

  rewindToHypercall(): void {
    this.rewinds++;
  }
}
