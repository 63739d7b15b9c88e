/**
 * x87 loads, stores and register moves: FLD/FST/FSTP (m32/m64/m80/ST(i)), FILD/FIST/FISTP/FISTTP
 * (m16/m32/m64), the constants, FXCH, FCMOVcc, FFREE, FINCSTP, FDECSTP.
 *
 * Memory operands are passed as raw bit patterns (numbers for m16/m32, lo/hi dwords for m64, plus
 * the sign/exponent word for m80); store functions leave the bits in {@link memOut} and return
 * whether memory must be written (false when an unmasked exception suppresses the store).
 */
import {
  FLAG_IE,
  FLAG_PE,
  Fp,
  fromBigInt,
  isSNaN,
  Kind,
  quiet,
  Rc,
  roundFp,
  sf,
  T_F32,
  T_F64,
  toIntegerBig,
  zero,
} from '../softfloat/fp';
import {
  decodeF32,
  decodeF64,
  encodeF32,
  encodeF64,
  encodeF80,
  F80Decoded,
  f64Hi,
  f64Lo,
} from '../softfloat/formats';
import { FpuState } from '../fpu-state';
import {
  beginOp,
  copyST,
  indefinite,
  isEmpty,
  phys,
  pop,
  push,
  raise,
  rawOff,
  rcOf,
  readST,
  setC1,
  setTop,
  stackFault,
  top,
  writeRaw,
  writeST,
} from './x87-stack';
import { x87Round } from './x87-value';

/** Bits to store for the last store instruction: lo/hi dwords, and the m80 sign/exponent word. */
export const memOut = { lo: 0, hi: 0, se: 0 };

/** Common push check: returns false when an unmasked stack overflow leaves everything unchanged. */
function pushCheck(st: FpuState): 'ok' | 'indef' | 'abort' {
  if (isEmpty(st, 7)) return 'ok';
  return stackFault(st, true) ? 'indef' : 'abort';
}

/** Push a value converted from memory (after #IA/#D screening of m32/m64 sources). */
export function pushConverted(st: FpuState, v: Fp, den: boolean): void {
  beginOp();
  const p = pushCheck(st);
  if (p === 'abort') return;
  if (p === 'indef') {
    push(st, indefinite());
    return;
  }
  let flags = 0;
  if (isSNaN(v)) {
    flags |= FLAG_IE;
    v = quiet(v);
  }
  if (den) flags |= 0x02;
  if (raise(st, flags) && (flags & ~st.fcw & 0x03) !== 0) return;
  setC1(st, false);
  push(st, v);
}

export function fldF32(st: FpuState, bits: number): void {
  const v = decodeF32(bits);
  pushConverted(st, v, v.den);
}
export function fldF64(st: FpuState, lo: number, hi: number): void {
  const v = decodeF64(lo, hi);
  pushConverted(st, v, v.den);
}
/** FLD m80: bit-exact, no conversion exceptions (an SNaN is loaded as is). */
export function fldF80(st: FpuState, se: number, lo: number, hi: number): void {
  beginOp();
  const p = pushCheck(st);
  if (p === 'abort') return;
  setTop(st, top(st) - 1);
  if (p === 'indef') writeST(st, 0, indefinite());
  else {
    writeRaw(st, phys(st, 0), se, lo, hi);
    st.ftw |= 1 << phys(st, 0);
    setC1(st, false);
  }
}
/** FLD ST(i): pushes a bit-exact copy. */
export function fldST(st: FpuState, i: number): void {
  beginOp();
  const srcEmpty = isEmpty(st, i);
  const p = pushCheck(st);
  if (p === 'abort') return;
  if (p === 'ok' && srcEmpty) {
    if (!stackFault(st, false)) return;
    push(st, indefinite());
    return;
  }
  if (p === 'indef') {
    push(st, indefinite());
    return;
  }
  const src = phys(st, i);
  setTop(st, top(st) - 1);
  st.u8.copyWithin(rawOff(phys(st, 0)), rawOff(src), rawOff(src) + 16);
  st.ftw |= 1 << phys(st, 0);
  setC1(st, false);
}
/** FILD m16/m32/m64 (exact). */
export function fild(st: FpuState, v: bigint): void {
  pushConverted(st, fromBigInt(v), false);
}

// ---------------------------------------------------------------- constants

/** The FLDxx constants truncated to 128 bits (value = (m + sticky) * 2^e), rounded per FCW.RC on load. */
const CONSTS: Record<string, [bigint, number]> = {
  pi: [0xc90fdaa22168c234c4c6628b80dc1cd1n, -126],
  l2t: [0xd49a784bcd1b8afe492bf6ff4dafdb4cn, -126],
  l2e: [0xb8aa3b295c17f0bbbe87fed0691d3e88n, -127],
  lg2: [0x9a209a84fbcff7988f8959ac0b7c9178n, -129],
  ln2: [0xb17217f7d1cf79abc9e3b39803f2f6afn, -128],
};

export function fldConst(st: FpuState, name: 'one' | 'zero' | keyof typeof CONSTS): void {
  let v: Fp;
  if (name === 'one') v = fromBigInt(1n);
  else if (name === 'zero') v = zero(0);
  else {
    const [m, e] = CONSTS[name];
    const saved = sf.flags;
    // Loading a constant is not an inexact operation: no #P.
    v = roundFp(0, m, e, true, { precision: 64, emin: -16382, emax: 16383 }, rcOf(st));
    sf.flags = saved;
  }
  beginOp();
  const p = pushCheck(st);
  if (p === 'abort') return;
  setC1(st, false);
  push(st, p === 'indef' ? indefinite() : v);
}

// ---------------------------------------------------------------- stores

/** Prepare the value of ST(0) for a store; null when a masked stack underflow (indefinite) applies. */
export function storeSource(st: FpuState): F80Decoded | 'indef' | 'abort' {
  beginOp();
  if (isEmpty(st, 0)) return stackFault(st, false) ? 'indef' : 'abort';
  return readST(st, 0);
}

function storeReal(st: FpuState, dbl: boolean, popAfter: boolean): boolean {
  const src = storeSource(st);
  if (src === 'abort') return false;
  let v: Fp;
  if (src === 'indef') v = indefinite();
  else if (src.unsupported) {
    sf.flags |= FLAG_IE;
    v = indefinite();
  } else if (src.v.k === Kind.NaN) {
    if (isSNaN(src.v)) sf.flags |= FLAG_IE;
    v = quiet(src.v);
  } else if (src.v.k === Kind.Finite) {
    v = x87Round(st, (t, rc, o) => roundFp(src.v.s, src.v.m, src.v.e, false, t, rc, o), dbl ? T_F64 : T_F32);
    if ((sf.flags & ~st.fcw & 0x18) !== 0) {
      // unmasked #O/#U on a memory destination: nothing is stored
      raise(st, sf.flags);
      return false;
    }
  } else v = src.v;
  setC1(st, (sf.flags & FLAG_PE) !== 0 && sf.up);
  if (raise(st, sf.flags) && (sf.flags & ~st.fcw & FLAG_IE) !== 0) return false;
  if (dbl) {
    const b = encodeF64(v);
    memOut.lo = f64Lo(b);
    memOut.hi = f64Hi(b);
  } else {
    memOut.lo = encodeF32(v) | 0;
    memOut.hi = 0;
  }
  if (popAfter) pop(st);
  return true;
}

export const fstF32 = (st: FpuState, popAfter: boolean): boolean => storeReal(st, false, popAfter);
export const fstF64 = (st: FpuState, popAfter: boolean): boolean => storeReal(st, true, popAfter);

/** FSTP m80: bit-exact. */
export function fstpF80(st: FpuState): boolean {
  const src = storeSource(st);
  if (src === 'abort') return false;
  if (src === 'indef') {
    const b = encodeF80(indefinite());
    memOut.se = b.se;
    memOut.lo = b.lo;
    memOut.hi = b.hi;
  } else {
    const o = rawOff(phys(st, 0));
    memOut.lo = st.view.getInt32(o, true);
    memOut.hi = st.view.getInt32(o + 4, true);
    memOut.se = st.view.getUint16(o + 8, true);
    setC1(st, false);
  }
  pop(st);
  return true;
}

/** FST/FSTP ST(i). */
export function fstST(st: FpuState, i: number, popAfter: boolean): void {
  beginOp();
  if (isEmpty(st, 0)) {
    if (!stackFault(st, false)) return;
    writeST(st, i, indefinite());
  } else {
    copyST(st, i, 0);
    setC1(st, false);
  }
  if (popAfter) pop(st);
}

/**
 * FIST/FISTP/FISTTP to a 16/32/64-bit integer. Out-of-range, NaN and infinite sources give the
 * integer indefinite (0x8000, 0x80000000, 0x8000000000000000) with #IA.
 */
export function fist(st: FpuState, bits: 16 | 32 | 64, trunc: boolean, popAfter: boolean): boolean {
  const src = storeSource(st);
  if (src === 'abort') return false;
  const lim = 1n << BigInt(bits - 1);
  let q: bigint;
  if (src === 'indef') q = -lim;
  else if (src.unsupported || src.v.k === Kind.NaN || src.v.k === Kind.Inf) {
    sf.flags |= FLAG_IE;
    q = -lim;
  } else {
    q = toIntegerBig(src.v, trunc ? Rc.Zero : rcOf(st));
    if (q < -lim || q >= lim) {
      sf.flags = (sf.flags & ~FLAG_PE) | FLAG_IE;
      q = -lim;
    }
  }
  setC1(st, (sf.flags & FLAG_PE) !== 0 && sf.up);
  if (raise(st, sf.flags) && (sf.flags & ~st.fcw & FLAG_IE) !== 0) return false;
  const u = BigInt.asUintN(64, q);
  memOut.lo = Number(u & 0xffffffffn) | 0;
  memOut.hi = Number(u >> 32n) | 0;
  if (bits === 16) memOut.lo &= 0xffff;
  if (popAfter) pop(st);
  return true;
}

// ---------------------------------------------------------------- register moves

export function fxch(st: FpuState, i: number): void {
  beginOp();
  if (isEmpty(st, 0) || isEmpty(st, i)) {
    if (!stackFault(st, false)) return;
    if (isEmpty(st, 0)) writeST(st, 0, indefinite());
    if (isEmpty(st, i)) writeST(st, i, indefinite());
  } else setC1(st, false);
  const a = rawOff(phys(st, 0));
  const b = rawOff(phys(st, i));
  const t = st.u8.slice(a, a + 16);
  st.u8.copyWithin(a, b, b + 16);
  st.u8.set(t, b);
}

/** FCMOVcc ST(0), ST(i): `cond` is the evaluated EFLAGS condition. */
export function fcmov(st: FpuState, i: number, cond: boolean): void {
  beginOp();
  if (isEmpty(st, 0) || isEmpty(st, i)) {
    if (stackFault(st, false)) writeST(st, 0, indefinite());
    return;
  }
  setC1(st, false);
  if (cond) copyST(st, 0, i);
}

export function ffree(st: FpuState, i: number): void {
  st.ftw &= ~(1 << phys(st, i));
}
export function fincstp(st: FpuState): void {
  setTop(st, top(st) + 1);
  setC1(st, false);
}
export function fdecstp(st: FpuState): void {
  setTop(st, top(st) - 1);
  setC1(st, false);
}
