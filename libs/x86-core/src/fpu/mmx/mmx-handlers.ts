/**
 * MMX register forms (no-prefix 0F 6x/7x/Dx-Fx). MM0-7 are the significands of the *physical* x87
 * registers R0-R7 (SDM Vol. 1 §9.5): an MMX write stores the 64-bit value in bits 63:0 and sets bits
 * 79:64 (sign + exponent) to all ones; every MMX instruction except EMMS sets FSW.TOP = 0 and marks all
 * eight tags valid; EMMS marks them all empty.
 *
 * The 128-bit SSE2 semantic functions do the arithmetic: each 64-bit MMX operand is copied into both
 * halves of a scratch XMM slot, so the low half of the 128-bit result is exactly the MMX result for
 * element-wise ops, shifts (the count is the low 64 bits of the source) and PUNPCKL*. The MMX
 * PUNPCKH* interleave the high dwords, which is PUNPCKL* of the operands shifted right by 32. PACK*
 * read all of d then all of s, so the destination and source go side by side into one slot that is
 * packed with itself.
 *
 * Faults: CR0.EM → #UD, CR0.TS → #NM, a pending unmasked x87 exception → #MF (SDM "Numeric
 * Exceptions" of every MMX instruction); memory faults leave all state unchanged because the x87
 * transition is applied only at write-back.
 */
import type { Cpu } from '../../cpu';
import type { Insn } from '../../decoder/insn';
import type { Handler } from '../../decoder/opcode-row';
import { ea } from '../../isa/operand';
import { FAULT, MF, NM, UD } from '../../state/cpu-state';
import { CR0, CR0_EM, CR0_TS } from '../../state/layout';
import { OFF_FSW, ST_BASE, XMM_TMP0, XMM_TMP1, type FpuState } from '../fpu-state';
import { pendingFault } from '../x87/x87-stack';
import { readEy, setGpr } from '../exec/sse-operands';

type Op2 = (st: FpuState, d: number, s: number) => void;
type OpImm = (st: FpuState, d: number, n: number) => void;

/** u32 index of MMn's low dword (physical register Rn's significand). */
const mmWord = (n: number): number => (ST_BASE >> 2) + n * 4;
/** u16 index of Rn's sign/exponent field. */
const mmExp = (n: number): number => (ST_BASE >> 1) + n * 8 + 4;
const FSW_TOP_MASK = 7 << 11;
const U16_FSW = OFF_FSW >> 1;

/** 0 when MMX instructions may execute, else the fault (already raised). */
export function mmxCheck(c: Cpu): number {
  const cr0 = c.s[CR0];
  if ((cr0 & CR0_EM) !== 0) return c.raise(UD);
  if ((cr0 & CR0_TS) !== 0) return c.raise(NM);
  if (pendingFault(c.fpu)) return c.raise(MF);
  return 0;
}

/** The x87 → MMX transition every MMX instruction except EMMS performs. */
export function enterMmx(st: FpuState): void {
  st.u16[U16_FSW] &= ~FSW_TOP_MASK;
  st.ftw = 0xff;
}

/** Write MMn = (lo, hi) with the exponent bits set to ones, and enter MMX state. */
export function writeMm(st: FpuState, n: number, lo: number, hi: number): void {
  const w = mmWord(n);
  st.i32[w] = lo;
  st.i32[w + 1] = hi;
  st.u16[mmExp(n)] = 0xffff;
  enterMmx(st);
}

/** Copy MMn into both qwords of scratch slot `x`. */
function dupMm(st: FpuState, x: number, n: number): void {
  const w = mmWord(n);
  dup(st, x, st.i32[w], st.i32[w + 1]);
}
function dup(st: FpuState, x: number, lo: number, hi: number): void {
  const u = st.i32;
  u[x * 4] = u[x * 4 + 2] = lo;
  u[x * 4 + 1] = u[x * 4 + 3] = hi;
}

/**
 * The Q operand (mm register, or `memBytes` = 8 or 4 bytes of memory, zero-extended) into both halves
 * of slot `x`. Returns false on a memory fault (already recorded). MMX memory operands need no
 * alignment.
 */
function loadQ(c: Cpu, i: Insn, x: number, memBytes = 8): boolean {
  if (i.mod === 3) {
    dupMm(c.fpu, x, i.rm & 7);
    return true;
  }
  const a = ea(c, i);
  const lo = memBytes === 4 ? c.rd32(a, c.eaHi) : c.rd64(a, c.eaHi);
  if (c.fault !== 0) return false;
  dup(c.fpu, x, lo, memBytes === 4 ? 0 : c.rhi);
  return true;
}

/** Write the low qword of slot `x` to MMn. */
function storeSlot(st: FpuState, n: number, x: number): void {
  writeMm(st, n, st.i32[x * 4], st.i32[x * 4 + 1]);
}

/**
 * P = op(P, Q) for element-wise ops, shifts by a register count and PUNPCKL* (whose memory form
 * reads only 4 bytes: `memBytes`).
 */
export function mmxOp(fn: Op2, memBytes = 8): Handler {
  return (c: Cpu, i: Insn) => {
    if (mmxCheck(c) !== 0) return FAULT;
    if (!loadQ(c, i, XMM_TMP1, memBytes)) return FAULT;
    const st = c.fpu;
    const d = i.reg & 7;
    dupMm(st, XMM_TMP0, d);
    fn(st, XMM_TMP0, XMM_TMP1);
    storeSlot(st, d, XMM_TMP0);
    return 0;
  };
}

/** PUNPCKHBW/WD/DQ mm, mm/m64 via the matching PUNPCKL on the high dwords. */
export function mmxUnpackHigh(unpackLow: Op2): Handler {
  return (c: Cpu, i: Insn) => {
    if (mmxCheck(c) !== 0) return FAULT;
    if (!loadQ(c, i, XMM_TMP1)) return FAULT;
    const st = c.fpu;
    const u = st.i32;
    const d = i.reg & 7;
    dup(st, XMM_TMP0, u[mmWord(d) + 1], 0);
    dup(st, XMM_TMP1, u[XMM_TMP1 * 4 + 1], 0);
    unpackLow(st, XMM_TMP0, XMM_TMP1);
    storeSlot(st, d, XMM_TMP0);
    return 0;
  };
}

/** PACKSSWB/PACKUSWB/PACKSSDW: slot = [P, Q], packed with itself. */
export function mmxPack(fn: Op2): Handler {
  return (c: Cpu, i: Insn) => {
    if (mmxCheck(c) !== 0) return FAULT;
    if (!loadQ(c, i, XMM_TMP1)) return FAULT;
    const st = c.fpu;
    const u = st.i32;
    const d = i.reg & 7;
    const w = mmWord(d);
    u[XMM_TMP0 * 4] = u[w];
    u[XMM_TMP0 * 4 + 1] = u[w + 1];
    u[XMM_TMP0 * 4 + 2] = u[XMM_TMP1 * 4];
    u[XMM_TMP0 * 4 + 3] = u[XMM_TMP1 * 4 + 1];
    fn(st, XMM_TMP0, XMM_TMP0);
    storeSlot(st, d, XMM_TMP0);
    return 0;
  };
}

/** 0F 71/72/73 /2 /4 /6 ib: shift MM(rm) by an immediate. */
export function mmxShiftImm(fn: OpImm): Handler {
  return (c: Cpu, i: Insn) => {
    if (mmxCheck(c) !== 0) return FAULT;
    const st = c.fpu;
    const d = i.rm & 7;
    dupMm(st, XMM_TMP0, d);
    fn(st, XMM_TMP0, i.immLo & 0xff);
    storeSlot(st, d, XMM_TMP0);
    return 0;
  };
}

/** PSHUFW mm, mm/m64, imm8: word k of the result is source word imm[2k+1:2k]. */
export const pshufwH: Handler = (c, i) => {
  if (mmxCheck(c) !== 0) return FAULT;
  if (!loadQ(c, i, XMM_TMP1)) return FAULT;
  const st = c.fpu;
  const w = st.u16;
  const src = XMM_TMP1 * 8;
  const imm = i.immLo & 0xff;
  const r0 = w[src + (imm & 3)];
  const r1 = w[src + ((imm >> 2) & 3)];
  const r2 = w[src + ((imm >> 4) & 3)];
  const r3 = w[src + ((imm >> 6) & 3)];
  writeMm(st, i.reg & 7, r0 | (r1 << 16), r2 | (r3 << 16));
  return 0;
};

/** PMOVMSKB r32/64, mm: the sign bits of the eight bytes. */
export const pmovmskbH: Handler = (c, i) => {
  if (mmxCheck(c) !== 0) return FAULT;
  const st = c.fpu;
  const b = (ST_BASE + (i.rm & 7) * 16) | 0;
  let m = 0;
  for (let k = 0; k < 8; k++) m |= (st.u8[b + k] >> 7) << k;
  setGpr(c, i.reg, m, 0, true);
  enterMmx(st);
  return 0;
};

/** MOVD/MOVQ mm, r/m32|64 (zero-extended). */
export const movdToMmH: Handler = (c, i) => {
  if (mmxCheck(c) !== 0) return FAULT;
  const is64 = i.os === 8;
  const lo = readEy(c, i, is64);
  if (c.fault !== 0) return FAULT;
  writeMm(c.fpu, i.reg & 7, lo, is64 ? c.rhi : 0);
  return 0;
};

/** MOVD/MOVQ r/m32|64, mm. */
export const movdFromMmH: Handler = (c, i) => {
  if (mmxCheck(c) !== 0) return FAULT;
  const st = c.fpu;
  const w = mmWord(i.reg & 7);
  const lo = st.i32[w];
  const hi = st.i32[w + 1];
  const is64 = i.os === 8;
  if (i.mod === 3) setGpr(c, i.rm, lo, hi, is64);
  else {
    const a = ea(c, i);
    if ((is64 ? c.wr64(a, c.eaHi, lo, hi) : c.wr32(a, c.eaHi, lo)) !== 0) return FAULT;
  }
  enterMmx(st);
  return 0;
};

/** MOVQ mm, mm/m64. */
export const movqLoadH: Handler = (c, i) => {
  if (mmxCheck(c) !== 0) return FAULT;
  if (!loadQ(c, i, XMM_TMP1)) return FAULT;
  storeSlot(c.fpu, i.reg & 7, XMM_TMP1);
  return 0;
};

/** MOVQ mm/m64, mm (and MOVNTQ m64, mm: the non-temporal hint has no effect here). */
export const movqStoreH: Handler = (c, i) => {
  if (mmxCheck(c) !== 0) return FAULT;
  const st = c.fpu;
  const w = mmWord(i.reg & 7);
  const lo = st.i32[w];
  const hi = st.i32[w + 1];
  if (i.mod === 3) writeMm(st, i.rm & 7, lo, hi);
  else {
    if (c.wr64(ea(c, i), c.eaHi, lo, hi) !== 0) return FAULT;
    enterMmx(st);
  }
  return 0;
};

/** EMMS: all x87 tags empty (TOP is left alone). */
export const emmsH: Handler = (c) => {
  if (mmxCheck(c) !== 0) return FAULT;
  c.fpu.ftw = 0;
  return 0;
};
