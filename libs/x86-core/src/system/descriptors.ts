/**
 * GDT/LDT descriptor access and the segment-register loads long mode and compatibility mode perform
 * (MOV Sreg / POP Sreg / far transfers / IRET), with their #GP/#SS/#NP checks.
 */
import type { Cpu } from '../cpu';
import { GP, NP, SSF, TS } from '../state/cpu-state';
import {
  ATTR_UNUSABLE,
  CODE_BITS,
  CPL,
  CS,
  EFER,
  EFER_LMA,
  GDTR_BASE_HI,
  GDTR_BASE_LO,
  GDTR_LIMIT,
  LDTR,
  SEG_ATTR,
  SEG_BASE_HI,
  SEG_BASE_LO,
  SEG_LIMIT,
  SEG_SEL,
  SS,
  TR,
  segIdx,
} from '../state/layout';

/** Result of readDescriptor when the selector is outside the table (caller picks the exception). */
export const DESC_LIMIT = -1;

/** Descriptor words of the last readDescriptor (lo, hi, and for 16-byte system descriptors hi2). */
export class DescScratch {
  lo = 0;
  hi = 0;
  /** bits 63:32 of the base for 16-byte system descriptors */
  hi2 = 0;
}

export const descAttr = (hi: number): number => (hi >>> 8) & 0xf0ff;
export const descBase = (lo: number, hi: number): number =>
  (lo >>> 16) | ((hi & 0xff) << 16) | (hi & 0xff000000) | 0;
export function descLimit(lo: number, hi: number): number {
  const l = (lo & 0xffff) | (hi & 0xf0000);
  return (hi & 0x800000) !== 0 ? (l << 12) | 0xfff | 0 : l;
}

/** Linear address of the descriptor for `sel` (lo; hi in c.eaHi). The caller checks the limit. */
function descAddr(c: Cpu, sel: number): number {
  const s = c.s;
  const index = sel & 0xfff8;
  const ldt = (sel & 4) !== 0;
  const baseLo = ldt ? s[segIdx(LDTR, SEG_BASE_LO)] : s[GDTR_BASE_LO];
  const baseHi = ldt ? s[segIdx(LDTR, SEG_BASE_HI)] : s[GDTR_BASE_HI];
  const sum = (baseLo >>> 0) + index;
  c.eaHi = (baseHi + (sum > 0xffffffff ? 1 : 0)) | 0;
  return sum | 0;
}

/**
 * Read the 8-byte descriptor (16 bytes if `wide`) for `sel` into c.desc. Returns 0, DESC_LIMIT, or
 * FAULT (memory fault pending). Supervisor accesses.
 */
export function readDescriptor(c: Cpu, sel: number, wide = false): number {
  if (!descInLimit(c, sel, wide ? 16 : 8)) return DESC_LIMIT;
  const lo = descAddr(c, sel);
  const hi = c.eaHi;
  const d = c.desc;
  d.lo = c.rdPriv(lo, hi, 4, 0);
  if (c.fault !== 0) return 2;
  const lo4 = (lo + 4) | 0;
  const hi4 = lo4 >>> 0 < lo >>> 0 ? (hi + 1) | 0 : hi;
  d.hi = c.rdPriv(lo4, hi4, 4, 0);
  if (c.fault !== 0) return 2;
  d.hi2 = 0;
  if (wide) {
    const lo8 = (lo + 8) | 0;
    const hi8 = lo8 >>> 0 < lo >>> 0 ? (hi + 1) | 0 : hi;
    d.hi2 = c.rdPriv(lo8, hi8, 4, 0);
    if (c.fault !== 0) return 2;
  }
  return 0;
}

function descInLimit(c: Cpu, sel: number, size: number): boolean {
  const s = c.s;
  const index = sel & 0xfff8;
  if ((sel & 4) !== 0) {
    if ((s[segIdx(LDTR, SEG_ATTR)] & ATTR_UNUSABLE) !== 0 || (s[segIdx(LDTR, SEG_SEL)] & 0xfffc) === 0)
      return false;
    return index + size - 1 <= s[segIdx(LDTR, SEG_LIMIT)] >>> 0;
  }
  return index + size - 1 <= (s[GDTR_LIMIT] & 0xffff);
}

/** Set the accessed bit of the descriptor just read (if clear). */
export function setAccessed(c: Cpu, sel: number): number {
  if ((c.desc.hi & 0x100) !== 0) return 0;
  if (!descInLimit(c, sel, 8)) return 0;
  const lo = descAddr(c, sel);
  const hi = c.eaHi;
  const lo4 = (lo + 4) | 0;
  const hi4 = lo4 >>> 0 < lo >>> 0 ? (hi + 1) | 0 : hi;
  c.desc.hi |= 0x100;
  return c.wrPriv(lo4, hi4, 4, c.desc.hi, 0, 0);
}

/** Load a segment cache from raw descriptor words. */
export function loadSegCache(c: Cpu, seg: number, sel: number, lo: number, hi: number, baseHi = 0): void {
  const s = c.s;
  s[segIdx(seg, SEG_SEL)] = sel & 0xffff;
  s[segIdx(seg, SEG_BASE_LO)] = descBase(lo, hi);
  s[segIdx(seg, SEG_BASE_HI)] = baseHi;
  s[segIdx(seg, SEG_LIMIT)] = descLimit(lo, hi);
  s[segIdx(seg, SEG_ATTR)] = descAttr(hi);
  if (seg === CS) c.updateCodeMode();
}

/** Load a null selector into a data segment register. */
export function loadNull(c: Cpu, seg: number, sel: number): void {
  const s = c.s;
  s[segIdx(seg, SEG_SEL)] = sel & 0xffff;
  s[segIdx(seg, SEG_ATTR)] = ATTR_UNUSABLE | (s[segIdx(seg, SEG_ATTR)] & (3 << 5));
  // Intel zeroes the FS/GS base on a null selector load (AMD keeps it); follow Intel.
  if (seg === 4 || seg === 5) {
    s[segIdx(seg, SEG_BASE_LO)] = 0;
    s[segIdx(seg, SEG_BASE_HI)] = 0;
  }
}

/**
 * MOV/POP into a data segment register (DS, ES, FS, GS) or SS, with the protected-mode checks.
 * Returns 0 or FAULT.
 */
export function loadDataSeg(c: Cpu, seg: number, sel: number): number {
  const s = c.s;
  const cpl = s[CPL];
  const rpl = sel & 3;
  if ((sel & 0xfffc) === 0) {
    if (seg === SS) {
      // null SS: allowed only in 64-bit mode at CPL < 3 with RPL == CPL
      if (s[CODE_BITS] !== 64 || cpl === 3 || rpl !== cpl) return c.raise(GP, 0);
    }
    loadNull(c, seg, sel);
    return 0;
  }
  const r = readDescriptor(c, sel);
  if (r === DESC_LIMIT) return c.raise(GP, sel & 0xfffc);
  if (r !== 0) return r;
  const { lo, hi } = c.desc;
  const dpl = (hi >>> 13) & 3;
  const type = (hi >>> 8) & 0xf;
  const isSeg = (hi & 0x1000) !== 0;
  const isCode = (type & 8) !== 0;
  if (seg === SS) {
    if (!isSeg || isCode || (type & 2) === 0 || rpl !== cpl || dpl !== cpl) return c.raise(GP, sel & 0xfffc);
    if ((hi & 0x8000) === 0) return c.raise(SSF, sel & 0xfffc);
  } else {
    if (!isSeg || (isCode && (type & 2) === 0)) return c.raise(GP, sel & 0xfffc);
    const conformingCode = isCode && (type & 4) !== 0;
    if (!conformingCode && (rpl > dpl || cpl > dpl)) return c.raise(GP, sel & 0xfffc);
    if ((hi & 0x8000) === 0) return c.raise(NP, sel & 0xfffc);
  }
  if (setAccessed(c, sel) !== 0) return 2;
  loadSegCache(c, seg, sel, lo, c.desc.hi);
  return 0;
}

/**
 * Check a code-segment descriptor (already in c.desc) as a far-transfer/return target. `newCpl` is
 * the privilege the caller intends; returns 0 or FAULT.
 */
export function checkCodeDesc(c: Cpu, sel: number, errExt = 0): number {
  const hi = c.desc.hi;
  if ((hi & 0x1800) !== 0x1800) return c.raise(GP, (sel & 0xfffc) + errExt);
  if ((hi & 0x8000) === 0) return c.raise(NP, (sel & 0xfffc) + errExt);
  return 0;
}

/** LTR: load the task register from a 16-byte available 64-bit TSS descriptor. */
export function loadTaskRegister(c: Cpu, sel: number): number {
  if ((sel & 0xfffc) === 0 || (sel & 4) !== 0) return c.raise(GP, sel & 0xfffc);
  const r = readDescriptor(c, sel, c.s[CODE_BITS] === 64 || (c.s[EFER] & EFER_LMA) !== 0);
  if (r === DESC_LIMIT) return c.raise(GP, sel & 0xfffc);
  if (r !== 0) return r;
  const hi = c.desc.hi;
  const type = (hi >>> 8) & 0x1f;
  if (type !== 0x09) return c.raise(GP, sel & 0xfffc);
  if ((hi & 0x8000) === 0) return c.raise(NP, sel & 0xfffc);
  // mark busy
  const lo = descAddr(c, sel);
  const h = c.eaHi;
  const lo4 = (lo + 4) | 0;
  const hi4 = lo4 >>> 0 < lo >>> 0 ? (h + 1) | 0 : h;
  if (c.wrPriv(lo4, hi4, 4, hi | 0x200, 0, 0) !== 0) return 2;
  loadSegCache(c, TR, sel, c.desc.lo, hi | 0x200, c.desc.hi2);
  return 0;
}

/** LLDT: load LDTR from a 16-byte LDT descriptor (null selector makes LDTR unusable). */
export function loadLdt(c: Cpu, sel: number): number {
  if ((sel & 0xfffc) === 0) {
    c.s[segIdx(LDTR, SEG_SEL)] = sel;
    c.s[segIdx(LDTR, SEG_ATTR)] = ATTR_UNUSABLE;
    return 0;
  }
  if ((sel & 4) !== 0) return c.raise(GP, sel & 0xfffc);
  const r = readDescriptor(c, sel, c.s[CODE_BITS] === 64 || (c.s[EFER] & EFER_LMA) !== 0);
  if (r === DESC_LIMIT) return c.raise(GP, sel & 0xfffc);
  if (r !== 0) return r;
  const hi = c.desc.hi;
  if (((hi >>> 8) & 0x1f) !== 0x02) return c.raise(GP, sel & 0xfffc);
  if ((hi & 0x8000) === 0) return c.raise(NP, sel & 0xfffc);
  loadSegCache(c, LDTR, sel, c.desc.lo, hi, c.desc.hi2);
  return 0;
}

/** Read a 64-bit value from the TSS at `off` (supervisor). Returns lo (hi in c.rhi) or sets fault (#TS). */
export function readTss64(c: Cpu, off: number): number {
  const s = c.s;
  const limit = s[segIdx(TR, SEG_LIMIT)] >>> 0;
  if (off + 7 > limit) {
    c.raise(TS, s[segIdx(TR, SEG_SEL)] & 0xfffc);
    return 0;
  }
  const bl = s[segIdx(TR, SEG_BASE_LO)];
  const bh = s[segIdx(TR, SEG_BASE_HI)];
  const sum = (bl >>> 0) + off;
  const lo = sum | 0;
  const hi = (bh + (sum > 0xffffffff ? 1 : 0)) | 0;
  const v = c.rdPriv(lo, hi, 8, 0);
  return v;
}
