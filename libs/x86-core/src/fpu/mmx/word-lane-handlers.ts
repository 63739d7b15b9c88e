/**
 * The SSE/SSE2 additions that cross the MMX and XMM files or pick single word lanes: PEXTRW, PINSRW
 * (0F C5/C4 on mm, 66 0F C5/C4 on xmm), MOVQ2DQ (F3 0F D6), MOVDQ2Q (F2 0F D6) and MASKMOVQ (0F F7).
 *
 * Lane selection follows the SDM: the imm8 is masked to the lane count (imm8[1:0] for mm, imm8[2:0]
 * for xmm), PEXTRW zero-extends the word into the whole r32/r64, PINSRW reads the low word of r32/r64
 * or a 16-bit memory operand. The mm forms perform the x87 → MMX transition (TOP = 0, all tags valid);
 * MOVQ2DQ/MOVDQ2Q do too (SDM: "x87 FPU ... MMX technology state"), and additionally need
 * CR4.OSFXSR like every SSE instruction.
 */
import type { Cpu } from '../../cpu';
import type { Insn } from '../../decoder/insn';
import type { Handler } from '../../decoder/opcode-row';
import { ea, stringAddr } from '../../isa/operand';
import { FAULT, MF } from '../../state/cpu-state';
import { RDI } from '../../state/layout';
import { sseCheck } from '../exec/access';
import { setGpr } from '../exec/sse-operands';
import { ST_BASE, type FpuState } from '../fpu-state';
import { pendingFault } from '../x87/x87-stack';
import { enterMmx, mmxCheck, writeMm } from './mmx-handlers';

/** u16 index of word `k` of MMn (the significand of physical register Rn). */
const mmU16 = (n: number, k: number): number => (ST_BASE >> 1) + n * 8 + k;
/** u32 index of MMn's low dword. */
const mmU32 = (n: number): number => (ST_BASE >> 2) + n * 4;

/** The PINSRW source word: low 16 bits of r32/r64, or m16. -1 on a memory fault (recorded). */
function sourceWord(c: Cpu, i: Insn): number {
  if (i.mod === 3) return c.s[i.rm << 1] & 0xffff;
  const v = c.rd16(ea(c, i), c.eaHi);
  return c.fault !== 0 ? -1 : v & 0xffff;
}

/** PEXTRW r32/r64, mm, imm8 (register form only). */
export const pextrwMmH: Handler = (c, i) => {
  if (mmxCheck(c) !== 0) return FAULT;
  const st = c.fpu;
  setGpr(c, i.reg, st.u16[mmU16(i.rm & 7, i.immLo & 3)], 0, true);
  enterMmx(st);
  return 0;
};

/** PINSRW mm, r32/r64/m16, imm8. */
export const pinsrwMmH: Handler = (c, i) => {
  if (mmxCheck(c) !== 0) return FAULT;
  const w = sourceWord(c, i);
  if (w < 0) return FAULT;
  const st = c.fpu;
  const d = i.reg & 7;
  st.u16[mmU16(d, i.immLo & 3)] = w;
  const x = mmU32(d);
  writeMm(st, d, st.i32[x], st.i32[x + 1]);
  return 0;
};

/** PEXTRW r32/r64, xmm, imm8 (66 0F C5, register form only). */
export const pextrwXmmH: Handler = (c, i) => {
  if (sseCheck(c) !== 0) return FAULT;
  setGpr(c, i.reg, c.fpu.u16[i.rm * 8 + (i.immLo & 7)], 0, true);
  return 0;
};

/** PINSRW xmm, r32/r64/m16, imm8 (66 0F C4). */
export const pinsrwXmmH: Handler = (c, i) => {
  if (sseCheck(c) !== 0) return FAULT;
  const w = sourceWord(c, i);
  if (w < 0) return FAULT;
  c.fpu.u16[i.reg * 8 + (i.immLo & 7)] = w;
  return 0;
};

/** SSE availability plus the pending-x87-exception check of instructions that touch MMX state. */
function sseMmxCheck(c: Cpu): number {
  if (sseCheck(c) !== 0) return FAULT;
  if (pendingFault(c.fpu)) return c.raise(MF);
  return 0;
}

/** MOVQ2DQ xmm, mm: xmm = zero-extended mm. */
export const movq2dqH: Handler = (c, i) => {
  if (sseMmxCheck(c) !== 0) return FAULT;
  const st: FpuState = c.fpu;
  const u = st.i32;
  const s = mmU32(i.rm & 7);
  const d = i.reg * 4;
  u[d] = u[s];
  u[d + 1] = u[s + 1];
  u[d + 2] = 0;
  u[d + 3] = 0;
  enterMmx(st);
  return 0;
};

/** MOVDQ2Q mm, xmm: mm = low qword of xmm. */
export const movdq2qH: Handler = (c, i) => {
  if (sseMmxCheck(c) !== 0) return FAULT;
  const st = c.fpu;
  const s = i.rm * 4;
  writeMm(st, i.reg & 7, st.i32[s], st.i32[s + 1]);
  return 0;
};

/**
 * MASKMOVQ mm1, mm2: the bytes of mm1 whose mask byte in mm2 has bit 7 set are stored to [seg:rDI],
 * in ascending order (a fault on a later byte leaves the earlier ones written, and MMX state untouched).
 */
export const maskmovqH: Handler = (c, i) => {
  if (mmxCheck(c) !== 0) return FAULT;
  const st = c.fpu;
  const mask = (ST_BASE + (i.rm & 7) * 16) | 0;
  const data = (ST_BASE + (i.reg & 7) * 16) | 0;
  const lo = stringAddr(c, i, RDI, i.seg);
  const hi = c.eaHi;
  for (let k = 0; k < 8; k++) {
    if ((st.u8[mask + k] & 0x80) === 0) continue;
    const n = (lo + k) | 0;
    if (c.wr8(n, n >>> 0 < lo >>> 0 ? (hi + 1) | 0 : hi, st.u8[data + k]) !== 0) return FAULT;
  }
  enterMmx(st);
  return 0;
};
