/**
 * The emulated host CPU as the PV execution code sees it: x86-core's Cpu held at CPL 3 in 64-bit mode,
 * every exception, every SYSCALL and every INT n intercepted (xen-core is ring 0 and no IDT exists),
 * plus the register, segment and control-register operations the hypervisor performs on guest state.
 * This file and decode.ts are the only places in src/exec that import x86-core.
 *
 * One PvCpu is one physical CPU of the host; vCPUs are context-switched onto it by saving and
 * restoring x86-core's flat state buffer (registers, segment caches, control registers, FPU/SSE).
 */
import {
  ATTR_CODE32,
  ATTR_CODE64,
  ATTR_DATA,
  attrWithDpl,
  Cpu,
  layout,
  type Embedder,
  type PhysicalMemory,
  type RunExit,
} from '@xeno/x86-core';

export {
  EXIT_BUDGET,
  EXIT_EXCEPTION,
  EXIT_HLT,
  EXIT_NAMES,
  EXIT_SOFTWARE_INT,
  EXIT_STOP,
  EXIT_SYSCALL,
  EXIT_TRIPLE_FAULT,
  EXIT_UNSUPPORTED,
  PhysicalMemory,
  type Embedder,
  type RunExit,
} from '@xeno/x86-core';

/** GPR numbers (encoding order). */
export const RAX = 0;
export const RCX = 1;
export const RDX = 2;
export const RBX = 3;
export const RSP = 4;
export const RBP = 5;
export const RSI = 6;
export const RDI = 7;
export const R8 = 8;
export const R10 = 10;
export const R11 = 11;

/** Segment registers (encoding order). */
export const SEG_ES = 0;
export const SEG_CS = 1;
export const SEG_SS = 2;
export const SEG_DS = 3;
export const SEG_FS = 4;
export const SEG_GS = 5;

/** Size of the state a vCPU context switch saves. */
export const CPU_STATE_BYTES = layout.STATE_BYTES;

/** CR0 the hardware runs guests with: PE|MP|ET|NE|WP|PG (TS follows the guest's virtual TS). */
const HW_CR0 = layout.CR0_PE | layout.CR0_MP | layout.CR0_ET | layout.CR0_NE | layout.CR0_WP | layout.CR0_PG;
/** CR4 the hardware always has: PAE|OSFXSR|OSXMMEXCPT (TSD/FSGSBASE follow the guest's CR4). */
const HW_CR4 = layout.CR4_PAE | layout.CR4_OSFXSR | layout.CR4_OSXMMEXCPT;
/** Xen's LDT selector (GDT entry 7178); x86-core ignores an LDTR whose selector is NUL. */
const LDT_SELECTOR = 0xe050;
/** VMX-format attributes of an LDT system segment: type 2, present. */
const ATTR_LDT = 0x82;

/** EFER every PV guest runs with: SCE|LME|LMA|NXE. */
const HW_EFER = 0xd01;
const ATTR_TYPE_CODE = 1 << 3;
const attrDpl = (attr: number): number => (attr >> 5) & 3;

/** What the hypervisor decides in a saved context, from the vCPU's virtual state. */
export interface PvStateFrame {
  vcr0Ts: boolean;
  vcr4: number;
  gdtBase: bigint;
  gdtLimit: number;
  ldtBase: bigint;
  ldtEnts: number;
}

/**
 * Make a saved context (x86-core's state image, e.g. from a snapshot) one the hypervisor could
 * have produced: CPL 3; CS a present DPL-3 code segment and SS a DPL-3 segment (else an error is
 * returned and the image is unusable); RFLAGS.IF set, IOPL and VM clear; CR0/CR4/EFER as every PV
 * guest runs with (TS, TSD, FSGSBASE following the virtual state); no IDT; the TR, GDTR and LDTR
 * of this vCPU's per-domain window; CR3 cleared (the switch-in loads the validated root); SYSENTER
 * disabled. Registers, segment bases, FPU/SSE and the guest-writable MSRs are kept.
 */
export function sanitizePvState(state: Uint8Array, f: PvStateFrame): string | undefined {
  if (state.length !== CPU_STATE_BYTES) return `context is ${state.length} bytes, not ${CPU_STATE_BYTES}`;
  const s = new Int32Array(state.buffer, state.byteOffset, CPU_STATE_BYTES / 4);
  const seg = (sg: number, field: number): number => layout.segIdx(sg, field);
  const cs = s[seg(layout.CS, layout.SEG_ATTR)];
  if (
    !(cs & layout.ATTR_P) ||
    !(cs & layout.ATTR_S) ||
    !(cs & ATTR_TYPE_CODE) ||
    attrDpl(cs) !== 3 ||
    cs & layout.ATTR_UNUSABLE
  )
    return `CS attributes ${cs.toString(16)} are not a present ring-3 code segment`;
  const ss = s[seg(layout.SS, layout.SEG_ATTR)];
  if (!(ss & layout.ATTR_P) || attrDpl(ss) !== 3 || ss & layout.ATTR_UNUSABLE)
    return `SS attributes ${ss.toString(16)} are not a present ring-3 segment`;
  s[layout.CPL] = 3;
  s[layout.CODE_BITS] = cs & layout.ATTR_L ? 64 : cs & layout.ATTR_DB ? 32 : 16;
  s[layout.FLAGS] = (s[layout.FLAGS] | layout.F_IF | layout.F_FIXED1) & ~(layout.F_IOPL | layout.F_VM);
  s[layout.CR0] = HW_CR0 | (f.vcr0Ts ? layout.CR0_TS : 0);
  s[layout.CR4] = HW_CR4 | (f.vcr4 & (layout.CR4_TSD | layout.CR4_FSGSBASE));
  s[layout.EFER] = HW_EFER;
  s[layout.CR3_LO] = 0;
  s[layout.CR3_HI] = 0;
  s[layout.IDTR_BASE_LO] = 0;
  s[layout.IDTR_BASE_HI] = 0;
  s[layout.IDTR_LIMIT] = 0;
  s[layout.GDTR_BASE_LO] = lo32(f.gdtBase);
  s[layout.GDTR_BASE_HI] = hi32(f.gdtBase);
  s[layout.GDTR_LIMIT] = f.gdtLimit;
  const setSeg = (sg: number, sel: number, base: bigint, limit: number, attr: number): void => {
    s[seg(sg, layout.SEG_SEL)] = sel;
    s[seg(sg, layout.SEG_ATTR)] = attr;
    s[seg(sg, layout.SEG_LIMIT)] = limit;
    s[seg(sg, layout.SEG_BASE_LO)] = lo32(base);
    s[seg(sg, layout.SEG_BASE_HI)] = hi32(base);
  };
  setSeg(layout.TR, 0, 0n, 0, 0x8b);
  if (f.ldtEnts > 0) setSeg(layout.LDTR, LDT_SELECTOR, f.ldtBase, f.ldtEnts * 8 - 1, ATTR_LDT);
  else setSeg(layout.LDTR, 0, 0n, 0, layout.ATTR_UNUSABLE);
  for (const m of [layout.MSR_SYSENTER_CS, layout.MSR_SYSENTER_ESP, layout.MSR_SYSENTER_EIP]) {
    s[m] = 0;
    s[m + 1] = 0;
  }
  s[layout.HALTED] = 0;
  return undefined;
}

const lo32 = (v: bigint): number => Number(BigInt.asUintN(64, v) & 0xffffffffn) | 0;
const hi32 = (v: bigint): number => Number(BigInt.asUintN(64, v) >> 32n) | 0;

export class PvCpu {
  readonly cpu: Cpu;

  constructor(
    readonly memory: PhysicalMemory,
    embedder: Embedder,
  ) {
    this.cpu = new Cpu({ memory, embedder });
  }

  /** resetForPv has run: the intercepts every PV guest needs are in place (they are not part of a context). */
  pvReady = false;

  /** Put the CPU into the state every PV vCPU starts from (the caller then loads registers). */
  resetForPv(): void {
    this.pvReady = true;
    const c = this.cpu;
    c.reset();
    c.enterLongMode({ cr3: 0n, cpl: 3, nxe: true });
    c.s[layout.CR0] = HW_CR0;
    c.s[layout.CR4] = HW_CR4;
    this.loadCode(0xe033, true);
    this.loadStack(0xe02b);
    for (const sg of [layout.DS, layout.ES, layout.FS, layout.GS]) this.loadNull(sg, 0);
    // No TSS I/O bitmap: every IN/OUT at CPL 3 faults (#GP) and comes to the hypervisor.
    c.setSegment(layout.TR, 0, 0n, 0, 0x8b);
    this.clearLdt();
    c.s[layout.IDTR_LIMIT] = 0;
    c.interceptExceptions = -1;
    c.interceptSyscallCpls = 0xf;
    c.interceptSoftInts.fill(0xffffffff);
    c.setFlags(0x202);
  }

  // ---- context switch ---------------------------------------------------------------------------

  save(into: Uint8Array): void {
    into.set(this.cpu.s8);
  }

  restore(from: Uint8Array): void {
    // A restored domain's vCPU can be the first this CPU ever runs: set the PV intercepts up first.
    if (!this.pvReady) this.resetForPv();
    const c = this.cpu;
    c.s8.set(from);
    c.cpl = c.s[layout.CPL];
    c.flushTlb(true);
  }

  // ---- registers ----------------------------------------------------------------------------------

  reg(r: number): bigint {
    return this.cpu.getReg(r);
  }

  setReg(r: number, v: bigint): void {
    this.cpu.setReg(r, v);
  }

  get rip(): bigint {
    return this.cpu.rip;
  }

  set rip(v: bigint) {
    this.cpu.rip = v;
  }

  /** RFLAGS (low 32 bits; the upper half is reserved). */
  get rflags(): number {
    return this.cpu.getFlags() >>> 0;
  }

  /** Set RFLAGS; the hypervisor always runs guests with IF = 1 and IOPL = 0. */
  set rflags(v: number) {
    this.cpu.setFlags((v | layout.F_IF) & ~layout.F_IOPL);
  }

  /** True while CS is a 64-bit code segment (false in compatibility mode). */
  get long(): boolean {
    return this.cpu.codeBits === 64;
  }

  /** Physical address width the CPU implements (CPUID 0x80000008). */
  get physAddrBits(): number {
    return this.cpu.physAddrBits;
  }

  get instructionsRetired(): number {
    return this.cpu.instructionsRetired;
  }

  /** TSC as the guest reads it. */
  tsc(): bigint {
    return BigInt(this.cpu.tsc());
  }

  // ---- segments -----------------------------------------------------------------------------------

  selector(seg: number): number {
    return this.cpu.getSegSelector(seg) & 0xffff;
  }

  segBase(seg: number): bigint {
    return this.cpu.getSegBase(seg);
  }

  setSegBase(seg: number, v: bigint): void {
    this.cpu.setSegBase(seg, v);
  }

  /** CS = flat ring-3 code (64-bit or compatibility mode). */
  loadCode(sel: number, long: boolean): void {
    this.cpu.setSegment(layout.CS, sel, 0n, 0xffffffff, attrWithDpl(long ? ATTR_CODE64 : ATTR_CODE32, 3));
    this.cpu.cpl = 3;
  }

  /** SS = flat ring-3 data. */
  loadStack(sel: number): void {
    this.cpu.setSegment(layout.SS, sel, 0n, 0xffffffff, attrWithDpl(ATTR_DATA, 3));
  }

  /** A data segment register from descriptor words (as a selector load would); FS/GS keep base[31:0]. */
  loadFromDescriptor(seg: number, sel: number, lo: number, hi: number): void {
    const base = BigInt(((lo >>> 16) | ((hi & 0xff) << 16) | (hi & 0xff000000)) >>> 0);
    let limit = (lo & 0xffff) | (hi & 0xf0000);
    if (hi & 0x800000) limit = ((limit << 12) | 0xfff) >>> 0;
    this.cpu.setSegment(seg, sel, base, limit, (hi >>> 8) & 0xf0ff);
    if (seg === layout.CS) this.cpu.cpl = 3;
  }

  /** A NUL selector (Intel: FS/GS base cleared). */
  loadNull(seg: number, sel: number): void {
    this.cpu.setSegment(seg, sel & 3, 0n, 0, layout.ATTR_UNUSABLE | attrWithDpl(ATTR_DATA, 3));
  }

  setGdt(base: bigint, limit: number): void {
    const s = this.cpu.s;
    s[layout.GDTR_BASE_LO] = lo32(base);
    s[layout.GDTR_BASE_HI] = hi32(base);
    s[layout.GDTR_LIMIT] = limit;
  }

  /** LDTR covering `ents` descriptors at linear `base` (the hypervisor's shadow mapping). */
  setLdt(base: bigint, ents: number): void {
    if (ents === 0) return this.clearLdt();
    this.cpu.setSegment(layout.LDTR, LDT_SELECTOR, base, ents * 8 - 1, ATTR_LDT);
  }

  clearLdt(): void {
    this.cpu.setSegment(layout.LDTR, 0, 0n, 0, layout.ATTR_UNUSABLE);
  }

  // ---- control registers, TLB ---------------------------------------------------------------------

  setCr3(mfn: number): void {
    this.cpu.setCr3(BigInt(mfn) * 4096n);
  }

  get cr3Mfn(): number {
    return Number(this.cpu.cr3 >> 12n);
  }

  setTs(on: boolean): void {
    const s = this.cpu.s;
    s[layout.CR0] = on ? s[layout.CR0] | layout.CR0_TS : s[layout.CR0] & ~layout.CR0_TS;
  }

  get ts(): boolean {
    return (this.cpu.s[layout.CR0] & layout.CR0_TS) !== 0;
  }

  /** Hardware CR4 bits that follow the guest's virtual CR4 (TSD, FSGSBASE). */
  setCr4Guest(guestCr4: number): void {
    const follow = layout.CR4_TSD | layout.CR4_FSGSBASE;
    this.cpu.s[layout.CR4] = HW_CR4 | (guestCr4 & follow);
  }

  flushTlb(): void {
    this.cpu.flushTlb(true);
  }

  invlpg(va: bigint): void {
    this.cpu.invalidatePage(lo32(va), hi32(va));
  }

  // ---- execution ----------------------------------------------------------------------------------

  run(budget: number): RunExit {
    return this.cpu.run(budget);
  }

  /** Make run() return at the next block boundary (from inside an embedder callback). */
  requestStop(): void {
    this.cpu.requestStop();
  }
}
