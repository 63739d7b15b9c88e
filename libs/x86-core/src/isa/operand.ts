/**
 * Operand access shared by all handlers: effective addresses, E (reg/mem) and G (reg) operands of
 * every size. Memory reads report faults through `c.fault`; writes return 0 or FAULT.
 */
import type { Cpu } from '../cpu';
import type { Insn } from '../decoder/insn';
import { SEG, SEG_BASE_HI, SEG_BASE_LO, SEG_WORDS } from '../state/layout';

/** Linear address of the memory operand: returns the low word, high word in c.eaHi. */
export function ea(c: Cpu, i: Insn): number {
  const s = c.s;
  let lo = i.dispLo;
  let hi = i.dispHi;
  const b = i.base;
  if (b >= 0 && b < 16) {
    const bl = s[b << 1];
    const sum = (lo >>> 0) + (bl >>> 0);
    hi = (hi + s[(b << 1) | 1] + (sum > 0xffffffff ? 1 : 0)) | 0;
    lo = sum | 0;
  }
  const x = i.index;
  if (x >= 0) {
    let xl = s[x << 1];
    let xh = s[(x << 1) | 1];
    const sc = i.scale;
    if (sc !== 0) {
      xh = (xh << sc) | (xl >>> (32 - sc));
      xl <<= sc;
    }
    const sum = (lo >>> 0) + (xl >>> 0);
    hi = (hi + xh + (sum > 0xffffffff ? 1 : 0)) | 0;
    lo = sum | 0;
  }
  if (i.as !== 8) {
    hi = 0;
    if (i.as === 2) lo &= 0xffff;
  }
  const sg = i.segBase;
  if (sg >= 0) {
    const o = SEG + sg * SEG_WORDS;
    const sum = (lo >>> 0) + (s[o + SEG_BASE_LO] >>> 0);
    if (i.mode === 64) hi = (hi + s[o + SEG_BASE_HI] + (sum > 0xffffffff ? 1 : 0)) | 0;
    lo = sum | 0;
  }
  c.eaHi = hi;
  return lo;
}

/** Linear address of a string operand: (rSI or rDI) sized by address size, plus segment base. */
export function stringAddr(c: Cpu, i: Insn, reg: number, seg: number): number {
  const s = c.s;
  let lo = s[reg << 1];
  let hi = s[(reg << 1) | 1];
  if (i.as !== 8) {
    hi = 0;
    if (i.as === 2) lo &= 0xffff;
  }
  if (i.mode !== 64 || seg >= 4) {
    const o = SEG + seg * SEG_WORDS;
    const sum = (lo >>> 0) + (s[o + SEG_BASE_LO] >>> 0);
    if (i.mode === 64) hi = (hi + s[o + SEG_BASE_HI] + (sum > 0xffffffff ? 1 : 0)) | 0;
    lo = sum | 0;
  }
  c.eaHi = hi;
  return lo;
}

/** Read a register operand of `os` bytes (8-bit via byte offset `b`). 64-bit: hi in c.rhi. */
export function getReg(c: Cpu, os: number, r: number, b: number): number {
  switch (os) {
    case 1:
      return c.s8[b];
    case 2:
      return c.s16[r << 2];
    case 4:
      return c.s[r << 1];
    default:
      c.rhi = c.s[(r << 1) | 1];
      return c.s[r << 1];
  }
}

/** Write a register operand (32-bit writes zero the upper half; 8/16-bit writes merge). */
export function setReg(c: Cpu, os: number, r: number, b: number, lo: number, hi: number): void {
  switch (os) {
    case 1:
      c.s8[b] = lo;
      return;
    case 2:
      c.s16[r << 2] = lo;
      return;
    case 4:
      c.s[r << 1] = lo;
      c.s[(r << 1) | 1] = 0;
      return;
    default:
      c.s[r << 1] = lo;
      c.s[(r << 1) | 1] = hi;
  }
}

/** Read memory of `os` bytes at (lo, hi). 64-bit: hi word in c.rhi. */
export function readMem(c: Cpu, os: number, lo: number, hi: number): number {
  switch (os) {
    case 1:
      return c.rd8(lo, hi);
    case 2:
      return c.rd16(lo, hi);
    case 4:
      return c.rd32(lo, hi);
    default:
      return c.rd64(lo, hi);
  }
}

/** Read memory with write intent (RMW). */
export function readMemW(c: Cpu, os: number, lo: number, hi: number): number {
  switch (os) {
    case 1:
      return c.rdw8(lo, hi);
    case 2:
      return c.rdw16(lo, hi);
    case 4:
      return c.rdw32(lo, hi);
    default:
      return c.rdw64(lo, hi);
  }
}

export function writeMem(c: Cpu, os: number, lo: number, hi: number, vlo: number, vhi: number): number {
  switch (os) {
    case 1:
      return c.wr8(lo, hi, vlo);
    case 2:
      return c.wr16(lo, hi, vlo);
    case 4:
      return c.wr32(lo, hi, vlo);
    default:
      return c.wr64(lo, hi, vlo, vhi);
  }
}

/** Read the E operand (register or memory). Check c.fault after a memory read. */
export function readE(c: Cpu, i: Insn, os: number): number {
  if (i.mod === 3) return getReg(c, os, i.rm, i.rmB);
  const lo = ea(c, i);
  return readMem(c, os, lo, c.eaHi);
}

/** Write the E operand; returns 0 or FAULT. */
export function writeE(c: Cpu, i: Insn, os: number, vlo: number, vhi: number): number {
  if (i.mod === 3) {
    setReg(c, os, i.rm, i.rmB, vlo, vhi);
    return 0;
  }
  const lo = ea(c, i);
  return writeMem(c, os, lo, c.eaHi, vlo, vhi);
}

/** Mask a value to `os` bytes (os ≤ 4); 32-bit values stay int32. */
export function maskTo(os: number, v: number): number {
  return os === 1 ? v & 0xff : os === 2 ? v & 0xffff : v | 0;
}

/** Sign-extend a value of `os` bytes (≤ 4) to int32. */
export function sext(os: number, v: number): number {
  return os === 1 ? (v << 24) >> 24 : os === 2 ? (v << 16) >> 16 : v | 0;
}

/** Add a signed 32-bit delta to a 64-bit pair; returns lo, hi in c.rhi. */
export function add64(c: Cpu, lo: number, hi: number, d: number): number {
  const sum = (lo >>> 0) + d;
  const l = sum | 0;
  c.rhi = (hi + Math.floor(sum / 4294967296)) | 0;
  return l;
}
