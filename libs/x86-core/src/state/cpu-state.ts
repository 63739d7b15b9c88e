/**
 * Architectural register state over the flat state buffer (layout.ts), plus the pending-exception
 * record handlers fill when they fault. Base class of the MMU and of Cpu.
 */
import { FpuState } from '../fpu/fpu-state';
import {
  ATTR_DB,
  ATTR_L,
  ATTR_P,
  ATTR_S,
  CODE_BITS,
  CPL,
  CS,
  EFER,
  EFER_LMA,
  F_FIXED1,
  FLAGS,
  FPU_AREA_BYTE,
  LF_MASK,
  RIP_HI,
  RIP_LO,
  SEG_ATTR,
  SEG_BASE_HI,
  SEG_BASE_LO,
  SEG_LIMIT,
  SEG_SEL,
  SS,
  STATE_BYTES,
  segIdx,
} from './layout';
import { getFlags } from './flags';

/** Exception vectors. */
export const DE = 0;
export const DB = 1;
export const NMI = 2;
export const BP = 3;
export const OF = 4;
export const BR = 5;
export const UD = 6;
export const NM = 7;
export const DF = 8;
export const TS = 10;
export const NP = 11;
export const SSF = 12;
export const GP = 13;
export const PF = 14;
export const MF = 16;
export const AC = 17;
export const MC = 18;
export const XM = 19;

/** Result code of handlers that fault (same value as EXEC_FAULT). */
export const FAULT = 2;

const U64 = (lo: number, hi: number): bigint => (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0);

export class CpuState {
  /** The state buffer (STATE_BYTES long); an ArrayBuffer unless one was supplied. */
  readonly stateBuffer: ArrayBufferLike;
  readonly s: Int32Array;
  readonly s8: Uint8Array;
  readonly s16: Uint16Array;
  /** x87/SSE state over the FPU area of the state buffer. */
  readonly fpu: FpuState;

  /** Pending exception (valid after a handler returned FAULT). errorCode -1 = none. */
  excVector = 0;
  excErr = -1;
  /** Linear address for #PF (lo, hi). */
  excAddrLo = 0;
  excAddrHi = 0;
  /** Set by memory reads that faulted (the value returned is meaningless). */
  fault = 0;
  /** Scratch: high word of the last effective address / 64-bit read. */
  eaHi = 0;
  rhi = 0;
  /** 1 while CPL == 3 (user-mode accesses); part of every TLB tag. */
  ub = 0;
  /**
   * Translation epoch: bumped whenever cached linear→physical code translations may change (TLB
   * flush, INVLPG, CPL or code-mode change). Chained block successors are only followed while it holds.
   */
  epoch = 0;

  constructor(stateBuffer?: ArrayBufferLike, stateOffset = 0) {
    if (new Uint8Array(new Uint32Array([1]).buffer)[0] !== 1)
      throw new Error('x86-core needs a little-endian host');
    this.stateBuffer = stateBuffer ?? new ArrayBuffer(STATE_BYTES);
    this.s = new Int32Array(this.stateBuffer, stateOffset, STATE_BYTES / 4);
    this.s8 = new Uint8Array(this.stateBuffer, stateOffset, STATE_BYTES);
    this.s16 = new Uint16Array(this.stateBuffer, stateOffset, STATE_BYTES / 2);
    this.fpu = new FpuState(this.stateBuffer, stateOffset + FPU_AREA_BYTE);
  }

  // ---- exceptions as values -------------------------------------------------------------------

  /** Record an exception; returns FAULT for `return c.raise(GP, 0)`. */
  raise(vector: number, errorCode = -1): number {
    this.excVector = vector;
    this.excErr = errorCode;
    this.fault = 1;
    return FAULT;
  }
  raiseUD(): number {
    return this.raise(UD);
  }
  raiseGP(err = 0): number {
    return this.raise(GP, err);
  }

  // ---- registers --------------------------------------------------------------------------------

  getReg(r: number): bigint {
    return U64(this.s[r << 1], this.s[(r << 1) | 1]);
  }
  setReg(r: number, v: bigint): void {
    const x = BigInt.asUintN(64, v);
    this.s[r << 1] = Number(x & 0xffffffffn) | 0;
    this.s[(r << 1) | 1] = Number(x >> 32n) | 0;
  }
  get rip(): bigint {
    return U64(this.s[RIP_LO], this.s[RIP_HI]);
  }
  set rip(v: bigint) {
    const x = BigInt.asUintN(64, v);
    this.s[RIP_LO] = Number(x & 0xffffffffn) | 0;
    this.s[RIP_HI] = Number(x >> 32n) | 0;
  }
  /** Full RFLAGS (arithmetic flags computed from the lazy record). */
  get rflags(): bigint {
    return BigInt(getFlags(this.s) >>> 0);
  }
  set rflags(v: bigint) {
    this.setFlags(Number(v & 0xffffffffn));
  }
  getFlags(): number {
    return getFlags(this.s);
  }
  /** Set RFLAGS from a 32-bit value (reserved bits forced: bit 1 = 1, bits 3/5/15/22+ = 0). */
  setFlags(v: number): void {
    this.s[FLAGS] = (v & 0x3f7fd5) | F_FIXED1;
    this.s[LF_MASK] = 0;
  }

  get cpl(): number {
    return this.s[CPL];
  }
  /** Set CPL directly (an embedder acting as ring 0 may do this; no checks). */
  set cpl(v: number) {
    this.s[CPL] = v & 3;
    this.ub = (v & 3) === 3 ? 1 : 0;
    this.epoch++;
  }

  getSegSelector(seg: number): number {
    return this.s[segIdx(seg, SEG_SEL)];
  }
  getSegBase(seg: number): bigint {
    return U64(this.s[segIdx(seg, SEG_BASE_LO)], this.s[segIdx(seg, SEG_BASE_HI)]);
  }
  setSegBase(seg: number, v: bigint): void {
    const x = BigInt.asUintN(64, v);
    this.s[segIdx(seg, SEG_BASE_LO)] = Number(x & 0xffffffffn) | 0;
    this.s[segIdx(seg, SEG_BASE_HI)] = Number(x >> 32n) | 0;
  }
  getSegAttr(seg: number): number {
    return this.s[segIdx(seg, SEG_ATTR)];
  }
  getSegLimit(seg: number): number {
    return this.s[segIdx(seg, SEG_LIMIT)] >>> 0;
  }

  /**
   * Load a segment register's hidden part directly, without a descriptor-table walk (the embedder
   * sets up state as ring 0). `attr` uses the layout.ts ATTR_* format. Loading CS updates the code
   * mode (CODE_BITS); set `cpl` separately.
   */
  setSegment(seg: number, selector: number, base: bigint, limit: number, attr: number): void {
    this.s[segIdx(seg, SEG_SEL)] = selector & 0xffff;
    this.setSegBase(seg, base);
    this.s[segIdx(seg, SEG_LIMIT)] = limit | 0;
    this.s[segIdx(seg, SEG_ATTR)] = attr;
    if (seg === CS) this.updateCodeMode();
  }

  /** Recompute the code size (16/32/64) from CS and EFER.LMA. */
  updateCodeMode(): void {
    const a = this.s[segIdx(CS, SEG_ATTR)];
    const lma = (this.s[EFER] & EFER_LMA) !== 0;
    this.epoch++;
    this.s[CODE_BITS] = lma && (a & ATTR_L) !== 0 ? 64 : (a & ATTR_DB) !== 0 ? 32 : 16;
  }

  get codeBits(): number {
    return this.s[CODE_BITS];
  }

  /** Stack address size in bits: 64 in 64-bit mode, else SS.B ? 32 : 16. */
  stackBits(): number {
    if (this.s[CODE_BITS] === 64) return 64;
    return (this.s[segIdx(SS, SEG_ATTR)] & ATTR_DB) !== 0 ? 32 : 16;
  }
}

/** Attribute words for common flat segments. */
export const ATTR_CODE64 = 0xb | ATTR_S | ATTR_P | ATTR_L | (1 << 15);
export const ATTR_CODE32 = 0xb | ATTR_S | ATTR_P | ATTR_DB | (1 << 15);
export const ATTR_DATA = 0x3 | ATTR_S | ATTR_P | ATTR_DB | (1 << 15);
export const attrWithDpl = (attr: number, dpl: number): number => (attr & ~(3 << 5)) | ((dpl & 3) << 5);
