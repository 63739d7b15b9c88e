/**
 * The x86-64 processor: run loop over cached decoded blocks, exception routing (interception or IDT
 * delivery), and the embedder-facing API (the embedder — e.g. xen-core — acts as ring 0).
 */
import { decode, DEC_INVALID, DEC_NEED_MORE, DEC_TOO_LONG, DecoderTables } from './decoder/decoder';
import { EXEC_END, EXEC_EXIT, EXEC_FAULT, Insn } from './decoder/insn';
import { F_END } from './decoder/opcode-row';
import { Block, BlockCache } from './engine/block-cache';
import { COMPILE_THRESHOLD, collectRegion, compileBlock, compileRegion } from './engine/block-compiler';
import { CpuMmu, TLB_MASK, ACC_X } from './memory/mmu';
import type { CodeTracker, PhysicalMemory } from './memory/physical-memory';
import './isa/opcode-table';
import { op_gp0, op_invalid } from './isa/handlers-misc';
import { DescScratch } from './system/descriptors';
import { readMsr, writeMsr } from './system/msr';
import { deliverEvent, EV_EXT_INT, EV_HW, isContributory } from './system/interrupts';
import { DF, GP, PF, DB, ATTR_CODE64, ATTR_DATA, attrWithDpl, ATTR_CODE32 } from './state/cpu-state';
import {
  CODE_BITS,
  CPL,
  SEG_BASE_HI,
  SEG_BASE_LO,
  SEG_LIMIT,
  segIdx,
  CR0,
  CR0_ET,
  CR0_NE,
  CR0_PE,
  CR0_PG,
  CR0_WP,
  CR3_HI,
  CR3_LO,
  CR2_LO,
  CR8,
  CR4,
  CR4_PAE,
  CR4_OSFXSR,
  CR4_OSXMMEXCPT,
  CR4_FSGSBASE,
  CS,
  DS,
  EFER,
  EFER_LMA,
  EFER_LME,
  EFER_NXE,
  EFER_SCE,
  ES,
  F_IF,
  F_TF,
  FLAGS,
  FS,
  GS,
  HALTED,
  INT_SHADOW,
  LDTR,
  MSR_PAT,
  RIP_HI,
  RIP_LO,
  SS,
  TR,
  DR,
  F_FIXED1,
} from './state/layout';
import { getFlags } from './state/flags';

/** Why run() returned. */
export const EXIT_BUDGET = 0; /** the instruction budget is used up */
export const EXIT_HLT = 1; /** HLT executed (RIP after it); run() again resumes */
export const EXIT_EXCEPTION = 2; /** an intercepted exception; state at the faulting instruction */
export const EXIT_SYSCALL = 3; /** an intercepted SYSCALL (RCX/R11 set as by hardware, RIP after it) */
export const EXIT_SOFTWARE_INT = 4; /** an intercepted INT n (RIP after it; vector in `vector`) */
export const EXIT_TRIPLE_FAULT = 5; /** shutdown: exception during #DF delivery */
export const EXIT_STOP = 6; /** the embedder called requestStop() */
export const EXIT_UNSUPPORTED = 7; /** the core cannot continue (e.g. IDT delivery outside long mode) */

export const EXIT_NAMES = [
  'budget',
  'hlt',
  'exception',
  'syscall',
  'software-int',
  'triple-fault',
  'stop',
  'unsupported',
];

/** Result of run(): one object per Cpu, reused by every call (no allocation on the hot path). */
export class RunExit {
  reason = EXIT_BUDGET;
  /** Exception / interrupt vector for EXIT_EXCEPTION, EXIT_SOFTWARE_INT. */
  vector = 0;
  /** Error code, or -1 when the exception has none. */
  errorCode = -1;
  /** Faulting linear address for #PF (CR2 is NOT written for intercepted #PF). */
  faultAddrLo = 0;
  faultAddrHi = 0;
  /** RIP of the instruction that caused the exit (lo, hi). */
  ripLo = 0;
  ripHi = 0;
  /** Length of that instruction (software-int / syscall exits), else 0. */
  insnLength = 0;
  /** Instructions retired during this run() call. */
  instructions = 0;

  get faultAddress(): bigint {
    return (BigInt(this.faultAddrHi >>> 0) << 32n) | BigInt(this.faultAddrLo >>> 0);
  }
  get rip(): bigint {
    return (BigInt(this.ripHi >>> 0) << 32n) | BigInt(this.ripLo >>> 0);
  }
}

/** Callbacks through which the core reaches the embedder (all synchronous). */
export interface Embedder {
  /** IN from a port (size 1/2/4 bytes). Default: all ones. */
  ioRead?(port: number, size: number): number;
  /** OUT to a port. Default: ignored. */
  ioWrite?(port: number, size: number, value: number): void;
  /** RDMSR at CPL0: return the value, or undefined to fall back to the core's MSRs (then #GP). */
  rdmsr?(msr: number): bigint | undefined;
  /** WRMSR at CPL0: return true if handled; false falls back to the core's MSRs (then #GP). */
  wrmsr?(msr: number, value: bigint): boolean;
  /** CPUID: fill out[0..3] = eax, ebx, ecx, edx and return true, or false for the core's default. */
  cpuid?(leaf: number, subleaf: number, out: Int32Array): boolean;
}

export interface CpuOptions {
  memory: PhysicalMemory;
  embedder?: Embedder;
  /** Optional buffer for the register state (e.g. a WebAssembly memory) and byte offset in it. */
  stateBuffer?: ArrayBufferLike;
  stateOffset?: number;
}

const MAX_BLOCK_INSNS = 64;

export class Cpu extends CpuMmu implements CodeTracker {
  embedder: Embedder;
  /** Instructions retired since construction (or since the embedder reset it). */
  instructionsRetired = 0;
  /** TSC = floor(instructionsRetired * tscScale) + tscOffset. Deterministic. */
  tscOffset = 0;
  tscScale = 1;
  /** Bit v set: exception vector v (0-31) exits to the embedder instead of IDT delivery. */
  interceptExceptions = 0;
  /** Bit n set: SYSCALL executed at CPL n exits to the embedder instead of using LSTAR/CSTAR. */
  interceptSyscallCpls = 0;
  /** Bit v of word v>>5: INT v (CD ib) exits to the embedder. INT3/INTO are exceptions #BP/#OF. */
  readonly interceptSoftInts = new Uint32Array(8);
  /** When true, SYSCALL/SYSRET are allowed even if EFER.SCE is clear (PV convenience). Default false. */
  readonly exit = new RunExit();
  /** Pending external interrupt vector (-1 none); delivered when RFLAGS.IF = 1. */
  pendingInterrupt = -1;
  /** Exception queued by the embedder, delivered through the IDT before the next instruction. */
  private queuedVector = -1;
  private queuedError = -1;
  private stopRequested = false;
  /** Non-zero while an injected event or stop request needs attention at the next block boundary. */
  private events = 0;

  readonly blocks = new BlockCache();
  private readonly codeBit: number;
  /** Compile hot blocks into JS functions (engine/block-compiler.ts), after this many executions. */
  compileBlocks = true;
  compileThreshold = COMPILE_THRESHOLD;
  /** Compiled regions: budget passed in; instructions retired in earlier blocks and the last block out. */
  loopMax = 0;
  loopIter = 0;
  regionLast = 0;
  /** Instruction limit of the block being executed (set to 0 to stop after the current insn). */
  lim = 0;
  private readonly fetchBuf = new Uint8Array(32);
  /** Scratch for descriptor reads and interrupt frames. */
  readonly desc = new DescScratch();
  readonly frameScratch = new Int32Array(12);
  /** Old value of the last read-modify-write (xadd/xchg), lo and hi. */
  oldLo = 0;
  oldHi = 0;
  readonly cpuidOut = new Int32Array(4);

  constructor(opts: CpuOptions) {
    super(opts.memory, opts.stateBuffer, opts.stateOffset ?? 0);
    this.embedder = opts.embedder ?? {};
    this.codeBit = opts.memory.attachTracker(this);
    this.reset();
  }

  // ---- lifecycle --------------------------------------------------------------------------------

  /** Architectural RESET-like state: all registers zero, flags 2, paging off, CPL 0, 64-bit-less. */
  reset(): void {
    this.s.fill(0);
    this.fpu.reset();
    this.s[FLAGS] = F_FIXED1;
    this.s[CR0] = CR0_ET | CR0_NE | (1 << 30) | (1 << 29);
    this.s[MSR_PAT] = 0x00070406;
    this.s[MSR_PAT + 1] = 0x00070406;
    this.s[DR + 12] = 0xffff0ff0; // DR6
    this.s[DR + 14] = 0x400; // DR7
    this.setSegment(CS, 0xf000, 0xffff0000n, 0xffff, 0x9b | (1 << 4));
    for (const sg of [ES, SS, DS, FS, GS]) this.setSegment(sg, 0, 0n, 0xffff, 0x93);
    this.setSegment(LDTR, 0, 0n, 0xffff, 0x82);
    this.setSegment(TR, 0, 0n, 0xffff, 0x8b);
    this.s[RIP_LO] = 0xfff0;
    this.cpl = 0;
    this.pendingInterrupt = -1;
    this.queuedVector = -1;
    this.stopRequested = false;
    this.events = 0;
    this.flushTlb(true);
    this.flushCode();
  }

  /**
   * Convenience: put the CPU in 64-bit long mode with paging (CR3 = pml4), flat segments and the
   * given CPL, as an OS or hypervisor would after boot. Selectors: kernel CS 0x08 / SS 0x10, user
   * CS 0x33 / SS 0x2b (no GDT is needed; hidden parts are loaded directly).
   */
  enterLongMode(opts: { cr3: bigint; cpl?: number; rip?: bigint; rsp?: bigint; nxe?: boolean }): void {
    const cpl = opts.cpl ?? 0;
    this.s[CR4] |= CR4_PAE | CR4_OSFXSR | CR4_OSXMMEXCPT | CR4_FSGSBASE;
    this.s[EFER] = EFER_LME | EFER_LMA | EFER_SCE | (opts.nxe === false ? 0 : EFER_NXE);
    this.s[CR0] = CR0_PE | CR0_PG | CR0_WP | CR0_ET | CR0_NE | (1 << 1);
    this.setCr3(opts.cr3);
    const csSel = cpl === 3 ? 0x33 : 0x08;
    const ssSel = cpl === 3 ? 0x2b : 0x10;
    this.setSegment(CS, csSel, 0n, 0xffffffff, attrWithDpl(ATTR_CODE64, cpl));
    this.setSegment(SS, ssSel, 0n, 0xffffffff, attrWithDpl(ATTR_DATA, cpl));
    for (const sg of [ES, DS, FS, GS]) this.setSegment(sg, 0, 0n, 0xffffffff, attrWithDpl(ATTR_DATA, cpl));
    this.cpl = cpl;
    if (opts.rip !== undefined) this.rip = opts.rip;
    if (opts.rsp !== undefined) this.setReg(4, opts.rsp);
    this.s[FLAGS] = F_FIXED1 | F_IF;
    this.s[CODE_BITS] = 64;
  }

  /** Switch to 32-bit compatibility-mode code at the given CPL (flat segments). */
  enterCompatMode(cpl = 3): void {
    this.setSegment(CS, cpl === 3 ? 0x23 : 0x08, 0n, 0xffffffff, attrWithDpl(ATTR_CODE32, cpl));
    this.cpl = cpl;
  }

  // ---- embedder controls ------------------------------------------------------------------------

  /** Write CR3 (flushes non-global TLB entries; decoded code stays valid: it is cached by physical address). */
  setCr3(v: bigint, flush = true): void {
    this.s[CR3_LO] = Number(v & 0xffffffffn) | 0;
    this.s[CR3_HI] = Number((v >> 32n) & 0xffffffffn) | 0;
    if (flush) this.flushTlb(false);
  }
  get cr3(): bigint {
    return (BigInt(this.s[CR3_HI] >>> 0) << 32n) | BigInt(this.s[CR3_LO] >>> 0);
  }

  /**
   * Control registers for the embedder (no checks, no side effects besides the TLB flush and mode
   * update a real write implies): 0, 2, 3, 4, 8.
   */
  getCr(n: number): bigint {
    const s = this.s;
    switch (n) {
      case 0:
        return BigInt(s[CR0] >>> 0);
      case 2:
        return (BigInt(s[CR2_LO + 1] >>> 0) << 32n) | BigInt(s[CR2_LO] >>> 0);
      case 3:
        return this.cr3;
      case 4:
        return BigInt(s[CR4] >>> 0);
      case 8:
        return BigInt(s[CR8] & 15);
      default:
        throw new RangeError(`no CR${n}`);
    }
  }
  setCr(n: number, v: bigint): void {
    const s = this.s;
    const lo = Number(BigInt.asUintN(64, v) & 0xffffffffn) | 0;
    switch (n) {
      case 0:
        s[CR0] = lo;
        if ((lo & CR0_PG) !== 0 && (s[EFER] & EFER_LME) !== 0) s[EFER] |= EFER_LMA;
        else if ((lo & CR0_PG) === 0) s[EFER] &= ~EFER_LMA;
        this.updateCodeMode();
        this.flushTlb(true);
        return;
      case 2:
        s[CR2_LO] = lo;
        s[CR2_LO + 1] = Number(BigInt.asUintN(64, v) >> 32n) | 0;
        return;
      case 3:
        this.setCr3(v);
        return;
      case 4:
        s[CR4] = lo;
        this.flushTlb(true);
        return;
      case 8:
        s[CR8] = lo & 15;
        return;
      default:
        throw new RangeError(`no CR${n}`);
    }
  }

  /** Read an MSR as RDMSR would at CPL 0 (embedder hook first); undefined if it would #GP. */
  readMsr(msr: number): bigint | undefined {
    if (!readMsr(this, msr >>> 0)) return undefined;
    return (BigInt(this.oldHi >>> 0) << 32n) | BigInt(this.oldLo >>> 0);
  }

  /** Write an MSR as WRMSR would at CPL 0; false if it would #GP. */
  writeMsr(msr: number, value: bigint): boolean {
    const v = BigInt.asUintN(64, value);
    return writeMsr(this, msr >>> 0, Number(v & 0xffffffffn) | 0, Number(v >> 32n) | 0);
  }

  /** Queue a hardware exception (delivered through the IDT before the next instruction). */
  injectException(vector: number, errorCode = -1): void {
    this.queuedVector = vector;
    this.queuedError = errorCode;
    this.updateEvents();
  }

  /** Raise an external maskable interrupt (delivered when IF = 1; also wakes from HLT). */
  injectInterrupt(vector: number): void {
    this.pendingInterrupt = vector;
    this.updateEvents();
    this.lim = 0; // if called from a callback: stop the current block
  }

  /** Ask run() to return EXIT_STOP at the next block boundary (callable from embedder callbacks). */
  requestStop(): void {
    this.stopRequested = true;
    this.updateEvents();
    this.lim = 0;
  }

  get halted(): boolean {
    return this.s[HALTED] !== 0;
  }
  set halted(v: boolean) {
    this.s[HALTED] = v ? 1 : 0;
    this.updateEvents();
  }

  /** Current TSC value. */
  tsc(extra = 0): number {
    return Math.floor((this.instructionsRetired + extra) * this.tscScale) + this.tscOffset;
  }

  // ---- port I/O ---------------------------------------------------------------------------------

  /** APIC id reported by CPUID leaf 1. */
  apicId = 0;

  /**
   * I/O permission: CPL <= IOPL, else every bit of the TSS I/O permission bitmap covering
   * [port, port+size) must be clear (a bitmap beyond the TSS limit denies).
   */
  ioAllowed(port: number, size: number): boolean {
    const s = this.s;
    if (s[CPL] <= ((s[FLAGS] >>> 12) & 3)) return true;
    const limit = s[segIdx(TR, SEG_LIMIT)] >>> 0;
    if (limit < 0x67) return false;
    const baseLo = s[segIdx(TR, SEG_BASE_LO)];
    const baseHi = s[segIdx(TR, SEG_BASE_HI)];
    const add = (off: number): [number, number] => {
      const sum = (baseLo >>> 0) + off;
      return [sum | 0, (baseHi + (sum > 0xffffffff ? 1 : 0)) | 0];
    };
    const [l0, h0] = add(0x66);
    const iomap = this.rdPriv(l0, h0, 2, 0);
    if (this.fault !== 0) {
      this.fault = 0;
      return false;
    }
    const byte = iomap + (port >>> 3);
    if (byte + 1 > limit) return false;
    const [l1, h1] = add(byte);
    const bits = this.rdPriv(l1, h1, 2, 0);
    if (this.fault !== 0) {
      this.fault = 0;
      return false;
    }
    const mask = ((1 << size) - 1) << (port & 7);
    return (bits & mask) === 0;
  }

  portIn(port: number, size: number): number {
    const f = this.embedder.ioRead;
    if (f === undefined) return size === 1 ? 0xff : size === 2 ? 0xffff : -1;
    return f.call(this.embedder, port, size) | 0;
  }

  portOut(port: number, size: number, value: number): void {
    const f = this.embedder.ioWrite;
    const v = size === 1 ? value & 0xff : size === 2 ? value & 0xffff : value >>> 0;
    if (f !== undefined) f.call(this.embedder, port, size, v);
  }

  // ---- code tracking ----------------------------------------------------------------------------

  onCodeWrite(addr: number, length: number): void {
    const hit = this.blocks.invalidateRange(addr, length, (pfn) => {
      this.memory.codePages[pfn] &= ~this.codeBit;
    });
    // the block being executed may be among them: stop it after the current instruction
    if (hit) this.lim = 0;
  }

  onCodePage(pfn: number): void {
    this.revokeWrites(pfn);
  }

  /** Drop all decoded blocks. */
  flushCode(): void {
    this.blocks.clear((pfn) => {
      this.memory.codePages[pfn] &= ~this.codeBit;
    });
  }

  /** Explicit invalidation (e.g. after another thread modified code in shared memory). */
  invalidateCode(phys: number, length: number): void {
    this.onCodeWrite(phys, length);
  }

  // ---- block building ---------------------------------------------------------------------------

  private markCodePage(phys: number): void {
    const pfn = Math.floor(phys / 4096);
    if ((this.memory.codePages[pfn] & this.codeBit) === 0) {
      this.memory.markCode(pfn, this.codeBit, this);
      this.revokeWrites(pfn);
    }
  }

  /** Decode the block at linear (lo, hi), physical `phys`. Returns null with a fault pending. */
  private buildBlock(lo: number, hi: number, phys: number, mode: number): Block | null {
    const tables = DecoderTables.get();
    const insns: Insn[] = [];
    const pageEnd = Math.min(Math.floor(phys / 4096) * 4096 + 4096, this.memSize);
    if (phys >= this.memSize) {
      // executing outside RAM: treat as an undefined instruction
      const ins = new Insn(op_invalid);
      ins.ripLo = lo;
      ins.ripHi = hi;
      const b = new Block(phys, lo, hi, mode, [ins], 1, -1, 0);
      return b;
    }
    let p = phys;
    let cLo = lo;
    let cHi = hi;
    let phys2 = -1;
    let bytes2 = 0;
    while (insns.length < MAX_BLOCK_INSNS) {
      const ins = new Insn(op_invalid);
      let len = decode(tables, this.m8, p, pageEnd, mode, cLo, cHi, ins);
      if (len === DEC_NEED_MORE) {
        if (insns.length > 0) break;
        // instruction straddles the page boundary: fetch the next page (may #PF)
        const n1 = pageEnd - p;
        const lo2 = (lo + n1) | 0;
        const hi2 = lo2 >>> 0 < lo >>> 0 ? (hi + 1) | 0 : hi;
        const p2 = this.xlateExec(lo2, hi2);
        if (p2 < 0) return null;
        const buf = this.fetchBuf;
        for (let k = 0; k < n1; k++) buf[k] = this.m8[p + k];
        const n2 = Math.min(15 - n1, p2 < this.memSize ? this.memSize - p2 : 0);
        for (let k = 0; k < n2; k++) buf[n1 + k] = this.m8[p2 + k];
        len = decode(tables, buf, 0, n1 + n2, mode, cLo, cHi, ins);
        if (len === DEC_NEED_MORE) len = DEC_TOO_LONG;
        if (len > 0) {
          phys2 = p2;
          bytes2 = len - n1;
        }
      }
      if (len === DEC_TOO_LONG || len === DEC_INVALID) {
        ins.h = len === DEC_TOO_LONG ? op_gp0 : op_invalid;
        ins.row = null;
        ins.ripLo = cLo;
        ins.ripHi = cHi;
        ins.len = 1;
        ins.idx = insns.length;
        insns.push(ins);
        break;
      }
      ins.idx = insns.length;
      insns.push(ins);
      p += len;
      cLo = ins.nextLo;
      cHi = ins.nextHi;
      if ((ins.row!.f & F_END) !== 0 || phys2 >= 0 || p >= pageEnd) break;
    }
    const bytes = Math.min(p, pageEnd) - phys || 1;
    const b = new Block(phys, lo, hi, mode, insns, bytes, phys2, bytes2);
    this.markCodePage(phys);
    if (phys2 >= 0) this.markCodePage(phys2);
    this.blocks.insert(b);
    return b;
  }

  // ---- the run loop -----------------------------------------------------------------------------

  /**
   * Run for at most `budget` instructions or until something needs the embedder. Returns the shared
   * RunExit object (valid until the next call).
   */
  run(budget: number): RunExit {
    const ex = this.exit;
    ex.reason = EXIT_BUDGET;
    ex.vector = 0;
    ex.errorCode = -1;
    ex.insnLength = 0;
    ex.instructions = 0;
    const start = this.instructionsRetired;
    let remaining = budget;
    const s = this.s;
    this.fault = 0;
    this.updateEvents();
    let prev: Block | null = null;
    // single-step (TF or an interrupt shadow): TF and the shadow only change in instructions that
    // end a block or in event delivery, so this is recomputed only after those
    let stepping = (s[FLAGS] & F_TF) !== 0 || s[INT_SHADOW] !== 0;
    while (remaining > 0) {
      if (this.events !== 0) {
        const e = this.serviceEvents();
        if (e === 1) break;
        stepping = (s[FLAGS] & F_TF) !== 0 || s[INT_SHADOW] !== 0;
        if (e === 2) {
          prev = null;
          continue;
        }
      }
      // find the block: chained successor of the previous block, else TLB + block cache
      const lo = s[RIP_LO];
      const hi = s[RIP_HI];
      let b: Block | null = null;
      if (prev !== null) {
        if (prev.aLo === lo && prev.aHi === hi && prev.aEpoch === this.epoch) b = prev.a;
        else if (prev.bLo === lo && prev.bHi === hi && prev.bEpoch === this.epoch) b = prev.b;
        if (b !== null && !b.valid) b = null;
      }
      if (b === null) {
        b = this.findBlock(lo, hi);
        if (b === null) {
          prev = null;
          if (this.routeException(false)) break;
          stepping = (s[FLAGS] & F_TF) !== 0 || s[INT_SHADOW] !== 0;
          continue;
        }
        if (prev !== null) prev.link(b, lo, hi, this.epoch);
      }
      // execute: compiled block/region, or the interpreter loop
      let cur: Block = b;
      let insns = b.insns;
      let n = insns.length;
      const single = stepping;
      let k = 0;
      let r = 0;
      if (b.fn !== null && n <= remaining && !single) {
        this.lim = n;
        const region: Block[] | null = b.region;
        if (region !== null) {
          this.loopMax = remaining;
          const res = b.fn(this);
          r = res & 15;
          k = res >> 4;
          const done = this.loopIter;
          this.instructionsRetired += done;
          remaining -= done;
          cur = region[this.regionLast];
          insns = cur.insns;
        } else {
          const res = b.fn(this);
          r = res & 15;
          k = res >> 4;
        }
      } else {
        if (++b.hits === this.compileThreshold && this.compileBlocks) this.compile(b);
        if (n > remaining) n = remaining;
        if (single) n = 1;
        this.lim = n;
        for (;;) {
          r = insns[k].h(this, insns[k]);
          if (r !== 0) break;
          if (++k >= this.lim) break;
        }
      }
      if (r === 0) {
        const last = insns[k - 1];
        s[RIP_LO] = last.nextLo;
        s[RIP_HI] = last.nextHi;
        prev = cur;
      } else if (r === EXEC_FAULT) {
        const fi = insns[k];
        s[RIP_LO] = fi.ripLo;
        s[RIP_HI] = fi.ripHi;
        this.instructionsRetired += k;
        remaining -= k;
        prev = null;
        if (this.routeException(false)) break;
        stepping = (s[FLAGS] & F_TF) !== 0 || s[INT_SHADOW] !== 0;
        continue;
      } else {
        k++;
        prev = cur;
        stepping = (s[FLAGS] & F_TF) !== 0 || s[INT_SHADOW] !== 0;
      }
      this.instructionsRetired += k;
      remaining -= k;
      if (single) {
        prev = null;
        s[INT_SHADOW] = 0;
        if ((s[FLAGS] & F_TF) !== 0 && r !== EXEC_EXIT) {
          this.excVector = DB;
          this.excErr = -1;
          s[DR + 12] |= 0x4000; // DR6.BS
          if (this.routeException(false)) break;
        }
        stepping = (s[FLAGS] & F_TF) !== 0 || s[INT_SHADOW] !== 0;
      }
      if (r === EXEC_EXIT) break;
    }
    ex.instructions = this.instructionsRetired - start;
    return ex;
  }

  /** Compile a hot block, as a region with the blocks it branches to when there are any. */
  private compile(b: Block): void {
    const region = collectRegion(b, this.epoch);
    const selfLoop = (b.a === b && b.aEpoch === this.epoch) || (b.b === b && b.bEpoch === this.epoch);
    if (region.length === 1 && !selfLoop) {
      b.fn = compileBlock(b.insns);
      return;
    }
    b.fn = compileRegion(region);
    b.region = region;
  }

  /** Locate (or decode) the block at linear (lo, hi); null with an exception pending. */
  private findBlock(lo: number, hi: number): Block | null {
    const s = this.s;
    const x = ((lo >>> 12) ^ hi) & TLB_MASK;
    let phys: number;
    if (this.tlbX[x] === ((lo & -4096) | this.ub) && this.tlbHi[x] === hi)
      phys = (this.tlbP[x] | (lo & 4095)) >>> 0;
    else {
      phys = this.xlate(lo, hi, ACC_X, this.ub);
      if (phys < 0) return null;
    }
    const mode = s[CODE_BITS];
    const b = this.blocks.lookup(phys);
    if (b !== null && b.lo === lo && b.hi === hi && b.mode === mode && (b.phys2 < 0 || this.checkPhys2(b)))
      return b;
    return this.buildBlock(lo, hi, phys, mode);
  }

  /** Events at an instruction boundary: 0 nothing to do, 1 exit run(), 2 state changed (re-fetch). */
  private serviceEvents(): number {
    const s = this.s;
    const ex = this.exit;
    if (this.queuedVector >= 0) {
      const v = this.queuedVector;
      this.queuedVector = -1;
      this.updateEvents();
      this.excVector = v;
      this.excErr = this.queuedError;
      return this.routeException(false) ? 1 : 2;
    }
    if (this.pendingInterrupt >= 0 && (s[FLAGS] & F_IF) !== 0 && s[INT_SHADOW] === 0) {
      const v = this.pendingInterrupt;
      this.pendingInterrupt = -1;
      this.updateEvents();
      s[HALTED] = 0;
      if (deliverEvent(this, v, -1, EV_EXT_INT) !== 0) return this.routeException(true) ? 1 : 2;
      return 2;
    }
    if (s[HALTED] !== 0) {
      ex.reason = EXIT_HLT;
      return 1;
    }
    if (this.stopRequested) {
      this.stopRequested = false;
      this.updateEvents();
      ex.reason = EXIT_STOP;
      return 1;
    }
    this.updateEvents();
    return 0;
  }

  /** Recompute the `events` summary (call after changing HALTED or the pending-event fields). */
  updateEvents(): void {
    this.events =
      this.queuedVector >= 0 || this.pendingInterrupt >= 0 || this.stopRequested || this.s[HALTED] !== 0
        ? 1
        : 0;
  }

  private checkPhys2(b: Block): boolean {
    const lo2 = (b.lo + b.bytes) | 0;
    const hi2 = lo2 >>> 0 < b.lo >>> 0 ? (b.hi + 1) | 0 : b.hi;
    const p2 = this.xlateExec(lo2, hi2);
    if (p2 < 0) {
      this.fault = 0;
      return false;
    }
    return p2 === b.phys2;
  }

  /**
   * Route the pending exception (excVector/excErr, RIP at the faulting instruction): exit to the
   * embedder if intercepted, else deliver through the IDT with double/triple-fault promotion.
   * Returns true if run() must return.
   */
  routeException(_external: boolean): boolean {
    this.fault = 0;
    let v = this.excVector;
    let err = this.excErr;
    let depth = 0;
    for (;;) {
      if (v < 32 && (this.interceptExceptions & (1 << v)) !== 0) {
        this.exitException(v, err);
        return true;
      }
      if (v === PF) this.commitCr2();
      const r = deliverEvent(this, v, err, EV_HW);
      if (r === 0) return false;
      if (r < 0) {
        this.exit.reason = EXIT_UNSUPPORTED;
        return true;
      }
      this.fault = 0;
      const v2 = this.excVector;
      const e2 = this.excErr;
      if (v === DF || depth > 3) {
        this.exit.reason = EXIT_TRIPLE_FAULT;
        this.exit.vector = v2;
        return true;
      }
      const firstContrib = isContributory(v);
      if ((firstContrib && isContributory(v2)) || (v === PF && (isContributory(v2) || v2 === PF))) {
        v = DF;
        err = 0;
      } else {
        v = v2;
        err = e2;
      }
      depth++;
    }
  }

  private exitException(v: number, err: number): void {
    const ex = this.exit;
    ex.reason = EXIT_EXCEPTION;
    ex.vector = v;
    ex.errorCode = err;
    ex.faultAddrLo = v === PF ? this.excAddrLo : 0;
    ex.faultAddrHi = v === PF ? this.excAddrHi : 0;
    ex.ripLo = this.s[RIP_LO];
    ex.ripHi = this.s[RIP_HI];
  }

  /** Fill the exit record for a handler-initiated exit (EXEC_EXIT). */
  exitWith(reason: number, ins: Insn, vector = 0): number {
    const ex = this.exit;
    ex.reason = reason;
    ex.vector = vector;
    ex.errorCode = -1;
    ex.ripLo = ins.ripLo;
    ex.ripHi = ins.ripHi;
    ex.insnLength = ins.len;
    return EXEC_EXIT;
  }

  /** Helper for handlers: set RIP and leave the block. */
  jump(lo: number, hi: number): number {
    this.s[RIP_LO] = lo;
    this.s[RIP_HI] = hi;
    return EXEC_END;
  }

  /** RFLAGS with lazy flags folded in. */
  flags(): number {
    return getFlags(this.s);
  }

  /** GP vector constant re-exported for handlers that need it. */
  static readonly GP = GP;
}

export { ATTR_CODE64, ATTR_DATA, ATTR_CODE32, attrWithDpl };
