/**
 * The x87 register stack: TOP, tags, ST(i) access and exception bookkeeping in FSW.
 *
 * FSW bits: IE DE ZE OE UE PE (0-5), SF (6), ES (7), C0 (8), C1 (9), C2 (10), TOP (11-13), C3 (14),
 * B (15). ES and B mirror "an unmasked exception is pending"; the next waiting x87 instruction then
 * raises #MF (see {@link pendingFault}).
 */
import { FpuState, ST_BASE } from '../fpu-state';
import {
  FLAG_IE,
  Fp,
  Kind,
  Rc,
  RoundOpts,
  RoundTarget,
  sf,
  T_F80,
  T_X87_PC24,
  T_X87_PC53,
  defaultNaN,
} from '../softfloat/fp';
import { decodeF80, encodeF80, F80Decoded } from '../softfloat/formats';

export const FSW_SF = 1 << 6;
export const FSW_ES = 1 << 7;
export const FSW_C0 = 1 << 8;
export const FSW_C1 = 1 << 9;
export const FSW_C2 = 1 << 10;
export const FSW_C3 = 1 << 14;
export const FSW_B = 1 << 15;
export const FSW_CC = FSW_C0 | FSW_C1 | FSW_C2 | FSW_C3;

export function top(st: FpuState): number {
  return (st.fsw >>> 11) & 7;
}
export function setTop(st: FpuState, t: number): void {
  st.fsw = (st.fsw & ~0x3800) | ((t & 7) << 11);
}
export function phys(st: FpuState, i: number): number {
  return (top(st) + i) & 7;
}
export function isEmpty(st: FpuState, i: number): boolean {
  return (st.ftw & (1 << phys(st, i))) === 0;
}

/** Raw access to physical register r: significand lo/hi dwords and sign|exponent. */
export function rawOff(r: number): number {
  return ST_BASE + r * 16;
}

export function readPhys(st: FpuState, r: number): F80Decoded {
  const o = rawOff(r);
  return decodeF80(
    st.view.getUint16(o + 8, true),
    st.view.getUint32(o, true),
    st.view.getUint32(o + 4, true),
  );
}
export function readST(st: FpuState, i: number): F80Decoded {
  return readPhys(st, phys(st, i));
}

export function writeRaw(st: FpuState, r: number, se: number, lo: number, hi: number): void {
  const o = rawOff(r);
  st.view.setUint32(o, lo >>> 0, true);
  st.view.setUint32(o + 4, hi >>> 0, true);
  st.view.setUint16(o + 8, se & 0xffff, true);
  st.view.setUint16(o + 10, 0, true);
  st.view.setUint32(o + 12, 0, true);
}

/** Store a value into ST(i) and mark it valid. */
export function writeST(st: FpuState, i: number, v: Fp): void {
  const r = phys(st, i);
  const b = encodeF80(v);
  writeRaw(st, r, b.se, b.lo, b.hi);
  st.ftw |= 1 << r;
}

/** Copy ST(src) to ST(dst) bit-exactly (tags follow). */
export function copyST(st: FpuState, dst: number, src: number): void {
  const a = rawOff(phys(st, src));
  const b = rawOff(phys(st, dst));
  st.u8.copyWithin(b, a, a + 16);
  st.ftw |= 1 << phys(st, dst);
}

export function pop(st: FpuState): void {
  st.ftw &= ~(1 << top(st));
  setTop(st, top(st) + 1);
}

/** Decrement TOP and store v in the new ST(0). The caller has checked for stack overflow. */
export function push(st: FpuState, v: Fp): void {
  setTop(st, top(st) - 1);
  writeST(st, 0, v);
}

export function setCC(st: FpuState, c3: number, c2: number, c1: number, c0: number): void {
  st.fsw = (st.fsw & ~FSW_CC) | (c0 ? FSW_C0 : 0) | (c1 ? FSW_C1 : 0) | (c2 ? FSW_C2 : 0) | (c3 ? FSW_C3 : 0);
}
export function setC1(st: FpuState, on: boolean): void {
  st.fsw = on ? st.fsw | FSW_C1 : st.fsw & ~FSW_C1;
}

/** Recompute ES/B from the exception flags and the masks (after FLDCW, FLDENV, FRSTOR, ...). */
export function updateES(st: FpuState): void {
  const unmasked = st.fsw & ~st.fcw & 0x3f;
  st.fsw = unmasked ? st.fsw | FSW_ES | FSW_B : st.fsw & ~(FSW_ES | FSW_B);
}

/** Merge exception flags into FSW. Returns true when one of them is unmasked. */
export function raise(st: FpuState, flags: number): boolean {
  if (flags === 0) return false;
  st.fsw |= flags & 0x7f;
  if ((flags & ~st.fcw & 0x3f) !== 0) {
    st.fsw |= FSW_ES | FSW_B;
    return true;
  }
  return false;
}

export function masked(st: FpuState, flag: number): boolean {
  return (st.fcw & flag) !== 0;
}

/**
 * Stack fault (#IS): IE + SF, C1 = 1 for overflow, 0 for underflow. Returns true when #I is masked
 * (the instruction then delivers the QNaN indefinite as its result).
 */
export function stackFault(st: FpuState, overflow: boolean): boolean {
  setC1(st, overflow);
  raise(st, FLAG_IE | FSW_SF);
  return masked(st, FLAG_IE);
}

/** The waiting-instruction check: an unmasked exception pending in FSW raises #MF. */
export function pendingFault(st: FpuState): boolean {
  return (st.fsw & FSW_ES) !== 0;
}

export function indefinite(): Fp {
  return defaultNaN();
}

/** Rounding parameters from FCW. */
export function rcOf(st: FpuState): Rc {
  return ((st.fcw >>> 10) & 3) as Rc;
}
export function pcTarget(st: FpuState): RoundTarget {
  const pc = (st.fcw >>> 8) & 3;
  return pc === 0 ? T_X87_PC24 : pc === 2 ? T_X87_PC53 : T_F80;
}
export function roundOpts(st: FpuState): RoundOpts {
  return { ftz: false, ueMasked: masked(st, 0x10), unbounded: false };
}

/** Clear the accumulator before an x87 operation. */
export function beginOp(): void {
  sf.flags = 0;
  sf.up = false;
}

export function isNaNOrUnsupported(d: F80Decoded): boolean {
  return d.unsupported || d.v.k === Kind.NaN;
}
