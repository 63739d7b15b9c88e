/**
 * XMM operand access for the SSE handlers: the W (xmm/mem) source is either a register index or the
 * scratch slot XMM_TMP0 filled (zero-extended) from memory; stores write an XMM register's low
 * bytes to memory after probing the whole destination, so a fault leaves memory unchanged.
 *
 * Legacy-SSE 128-bit memory operands must be 16-byte aligned (#GP(0)) except for the explicitly
 * unaligned moves; the check is on the linear address.
 */
import type { Cpu } from '../../cpu';
import type { Insn } from '../../decoder/insn';
import { ea } from '../../isa/operand';
import { GP } from '../../state/cpu-state';
import { XMM_TMP0 } from '../fpu-state';

/** Returned instead of a register index when the access faulted (exception already recorded). */
export const OPERAND_FAULT = -1;

/** (lo, hi) + k with carry. */
function addrHi(lo: number, hi: number, k: number): number {
  const n = (lo + k) | 0;
  return n >>> 0 < lo >>> 0 ? (hi + 1) | 0 : hi;
}

/** Read `size` bytes (4, 8 or 16) at linear (lo, hi) into XMM_TMP0, zero-extended. */
export function loadTmp(c: Cpu, lo: number, hi: number, size: number): number {
  const u = c.fpu.i32;
  const b = XMM_TMP0 * 4;
  if (size === 4) {
    const v = c.rd32(lo, hi);
    if (c.fault !== 0) return OPERAND_FAULT;
    u[b] = v;
    u[b + 1] = 0;
    u[b + 2] = 0;
    u[b + 3] = 0;
    return XMM_TMP0;
  }
  const a = c.rd64(lo, hi);
  const ah = c.rhi;
  if (c.fault !== 0) return OPERAND_FAULT;
  let x = 0;
  let xh = 0;
  if (size === 16) {
    x = c.rd64((lo + 8) | 0, addrHi(lo, hi, 8));
    xh = c.rhi;
    if (c.fault !== 0) return OPERAND_FAULT;
  }
  u[b] = a;
  u[b + 1] = ah;
  u[b + 2] = x;
  u[b + 3] = xh;
  return XMM_TMP0;
}

/** The W operand as an XMM index: a register, or memory loaded into XMM_TMP0. */
export function srcW(c: Cpu, i: Insn, size: number, aligned: boolean): number {
  if (i.mod === 3) return i.rm;
  const lo = ea(c, i);
  const hi = c.eaHi;
  if (aligned && size === 16 && (lo & 15) !== 0) {
    c.raise(GP, 0);
    return OPERAND_FAULT;
  }
  return loadTmp(c, lo, hi, size);
}

/** Write the low `size` bytes of XMM `x` to the memory operand. Returns 0 or FAULT. */
export function storeW(c: Cpu, i: Insn, x: number, size: number, aligned: boolean): number {
  const lo = ea(c, i);
  const hi = c.eaHi;
  if (aligned && size === 16 && (lo & 15) !== 0) return c.raise(GP, 0);
  const u = c.fpu.i32;
  const b = x * 4;
  if (size === 4) return c.wr32(lo, hi, u[b]);
  if (size === 8) return c.wr64(lo, hi, u[b], u[b + 1]);
  if (c.probeW(lo, hi, 16) < 0) return 2;
  if (c.wr64(lo, hi, u[b], u[b + 1]) !== 0) return 2;
  return c.wr64((lo + 8) | 0, addrHi(lo, hi, 8), u[b + 2], u[b + 3]);
}

/** Write the high qword of XMM `x` (MOVHPS/MOVHPD stores). */
export function storeHigh(c: Cpu, i: Insn, x: number): number {
  const lo = ea(c, i);
  const u = c.fpu.i32;
  return c.wr64(lo, c.eaHi, u[x * 4 + 2], u[x * 4 + 3]);
}

/** Read the E operand as a 32- or 64-bit integer (lo returned, hi in c.rhi). Check c.fault. */
export function readEy(c: Cpu, i: Insn, is64: boolean): number {
  if (i.mod === 3) {
    c.rhi = is64 ? c.s[(i.rm << 1) | 1] : 0;
    return c.s[i.rm << 1];
  }
  const lo = ea(c, i);
  if (is64) return c.rd64(lo, c.eaHi);
  c.rhi = 0;
  return c.rd32(lo, c.eaHi);
}

/** Write a 32/64-bit GPR (32-bit writes zero-extend). */
export function setGpr(c: Cpu, r: number, lo: number, hi: number, is64: boolean): void {
  c.s[r << 1] = lo;
  c.s[(r << 1) | 1] = is64 ? hi : 0;
}
