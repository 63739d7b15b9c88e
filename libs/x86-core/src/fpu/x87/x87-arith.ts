/**
 * x87 arithmetic: FADD/FSUB/FSUBR/FMUL/FDIV/FDIVR (register, m32/m64 and integer forms, with pop),
 * FSQRT, FCHS, FABS, FRNDINT, FSCALE, FPREM, FPREM1, FXTRACT.
 *
 * Results are exact to the precision selected by FCW.PC (24/53/64 bits, 15-bit exponent range) and
 * rounded per FCW.RC: the BigInt core computes the exact value and rounds once, like the hardware.
 */
import {
  addCore,
  divCore,
  FLAG_DE,
  FLAG_PE,
  FLAG_ZE,
  finite,
  Fp,
  fromBigInt,
  inf,
  Kind,
  mulCore,
  sf,
  sqrtCore,
  T_F80,
  toIntegerBig,
  topExp,
  zero,
  Rc,
  RoundOpts,
  RoundTarget,
} from '../softfloat/fp';
import { F80Decoded } from '../softfloat/formats';
import { FpuState } from '../fpu-state';
import {
  beginOp,
  indefinite,
  isEmpty,
  phys,
  pop,
  push,
  raise,
  rawOff,
  readST,
  setC1,
  setCC,
  stackFault,
  writeST,
} from './x87-stack';
import { invalidResult, preUnmasked, screen1, screen2, x87Round } from './x87-value';

export enum X87Op {
  Add = 0,
  Mul = 1,
  Sub = 2,
  SubR = 3,
  Div = 4,
  DivR = 5,
}

/** Exact x op y (SubR/DivR already resolved by the caller into Sub/Div with swapped operands). */
function compute(st: FpuState, op: X87Op, x: F80Decoded, y: F80Decoded): Fp {
  const early = screen2(x, y);
  if (early) return early;
  const a = x.v;
  const b = y.v;
  const s = a.s ^ b.s;
  switch (op) {
    case X87Op.Add:
    case X87Op.Sub: {
      const bs = op === X87Op.Sub ? b.s ^ 1 : b.s;
      if (a.k === Kind.Inf || b.k === Kind.Inf) {
        if (a.k === Kind.Inf && b.k === Kind.Inf && a.s !== bs) return invalidResult();
        return a.k === Kind.Inf ? a : inf(bs);
      }
      return x87Round(st, (t, rc, o) => addCore(a, b, op === X87Op.Sub, t, rc, o));
    }
    case X87Op.Mul:
      if (a.k === Kind.Inf || b.k === Kind.Inf) {
        if (a.k === Kind.Zero || b.k === Kind.Zero) return invalidResult();
        return inf(s);
      }
      return x87Round(st, (t, rc, o) => mulCore(a, b, t, rc, o));
    default:
      if (a.k === Kind.Inf) return b.k === Kind.Inf ? invalidResult() : inf(s);
      if (b.k === Kind.Inf) return zero(s);
      if (b.k === Kind.Zero) {
        if (a.k === Kind.Zero) return invalidResult();
        sf.flags = (sf.flags & ~FLAG_DE) | FLAG_ZE;
        return inf(s);
      }
      return x87Round(st, (t, rc, o) => divCore(a, b, t, rc, o));
  }
}

/**
 * Store an arithmetic result into ST(i) applying the exception response. Returns false when an
 * unmasked pre-computation exception suppressed the store.
 */
function deliver(st: FpuState, i: number, r: Fp): boolean {
  if (preUnmasked(st)) {
    raise(st, sf.flags);
    return false;
  }
  setC1(st, (sf.flags & FLAG_PE) !== 0 && sf.up);
  raise(st, sf.flags);
  writeST(st, i, r);
  return true;
}

/** ST(dst) = reverse ? ST(other) op ST(dst) : ST(dst) op ST(other); then pop when asked. */
export function farithReg(st: FpuState, op: X87Op, dst: number, other: number, popAfter: boolean): void {
  beginOp();
  if (isEmpty(st, dst) || isEmpty(st, other)) {
    if (!stackFault(st, false)) return;
    writeST(st, dst, indefinite());
  } else {
    const x = readST(st, dst);
    const y = readST(st, other);
    const rev = op === X87Op.SubR || op === X87Op.DivR;
    const base = op === X87Op.SubR ? X87Op.Sub : op === X87Op.DivR ? X87Op.Div : op;
    if (!deliver(st, dst, rev ? compute(st, base, y, x) : compute(st, base, x, y))) return;
  }
  if (popAfter) pop(st);
}

/** ST(0) = ST(0) op src for a memory operand already decoded (m32/m64 real or m16/m32 integer). */
export function farithMem(st: FpuState, op: X87Op, src: F80Decoded): void {
  beginOp();
  if (isEmpty(st, 0)) {
    if (stackFault(st, false)) writeST(st, 0, indefinite());
    return;
  }
  const x = readST(st, 0);
  const rev = op === X87Op.SubR || op === X87Op.DivR;
  const base = op === X87Op.SubR ? X87Op.Sub : op === X87Op.DivR ? X87Op.Div : op;
  deliver(st, 0, rev ? compute(st, base, src, x) : compute(st, base, x, src));
}

/** Unary on ST(0) with the usual empty-register handling. */
function unary(st: FpuState, fn: (x: F80Decoded) => Fp): void {
  beginOp();
  if (isEmpty(st, 0)) {
    if (stackFault(st, false)) writeST(st, 0, indefinite());
    return;
  }
  deliver(st, 0, fn(readST(st, 0)));
}

export function fsqrt(st: FpuState): void {
  unary(st, (x) => {
    const early = screen1(x);
    if (early) return early;
    const a = x.v;
    if (a.k === Kind.Zero) return a;
    if (a.s) return invalidResult();
    if (a.k === Kind.Inf) return a;
    return x87Round(st, (t, rc, o) => sqrtCore(a, t, rc, o));
  });
}

/** FCHS / FABS act on the encoding (no exceptions besides stack underflow; C1 cleared). */
function signOp(st: FpuState, fn: (se: number) => number): void {
  beginOp();
  if (isEmpty(st, 0)) {
    if (stackFault(st, false)) writeST(st, 0, indefinite());
    return;
  }
  const o = rawOff(phys(st, 0)) + 8;
  st.view.setUint16(o, fn(st.view.getUint16(o, true)), true);
  setC1(st, false);
}
export const fchs = (st: FpuState): void => signOp(st, (se) => se ^ 0x8000);
export const fabs = (st: FpuState): void => signOp(st, (se) => se & 0x7fff);

export function frndint(st: FpuState): void {
  unary(st, (x) => {
    const early = screen1(x);
    if (early) return early;
    const a = x.v;
    if (a.k !== Kind.Finite) return a;
    const q = toIntegerBig(a, ((st.fcw >>> 10) & 3) as Rc);
    return q === 0n ? zero(a.s) : fromBigInt(q);
  });
}

/** FSCALE: ST(0) * 2^trunc(ST(1)), exact up to overflow/underflow (not subject to FCW.PC). */
export function fscale(st: FpuState): void {
  beginOp();
  if (isEmpty(st, 0) || isEmpty(st, 1)) {
    if (stackFault(st, false)) writeST(st, 0, indefinite());
    return;
  }
  const x = readST(st, 0);
  const y = readST(st, 1);
  const early = screen2(x, y);
  let r: Fp;
  if (early) {
    r = early;
  } else {
    const a = x.v;
    const b = y.v;
    if (b.k === Kind.Inf) {
      if (b.s === 0) r = a.k === Kind.Zero ? invalidResult() : a.k === Kind.Inf ? a : inf(a.s);
      else r = a.k === Kind.Inf ? invalidResult() : zero(a.s);
    } else if (a.k !== Kind.Finite) {
      r = a;
    } else {
      const n = b.k === Kind.Zero ? 0n : toIntegerBig({ ...b }, Rc.Zero);
      sf.flags &= ~FLAG_PE; // truncating the scale factor is not an inexact result
      const clamped = Number(n > 100000n ? 100000n : n < -100000n ? -100000n : n);
      r = x87Round(st, (t, rc, o) => roundScaled(a, clamped, t, rc, o), T_F80);
    }
  }
  deliver(st, 0, r);
}

function roundScaled(a: Fp, n: number, t: RoundTarget, rc: Rc, o: RoundOpts): Fp {
  return mulCore(a, finite(0, 1n, n), t, rc, o);
}

/**
 * FPREM (truncating quotient) / FPREM1 (round-to-nearest quotient). When the exponent difference is
 * 64 or more only a partial reduction is done and C2 is set; the partial step reduces the exponent
 * difference to a value N in [32, 63] (N = 32 + (D - 32) mod 32, the documented AMD/Intel choice).
 * C0, C3, C1 receive quotient bits 2, 1, 0 on completion.
 */
function remainder(st: FpuState, ieee: boolean): void {
  beginOp();
  if (isEmpty(st, 0) || isEmpty(st, 1)) {
    if (stackFault(st, false)) writeST(st, 0, indefinite());
    return;
  }
  const x = readST(st, 0);
  const y = readST(st, 1);
  const early = screen2(x, y);
  const a = x.v;
  const b = y.v;
  let r: Fp;
  let c: number[] | null = [0, 0, 0, 0]; // c3 c2 c1 c0; null leaves them unchanged
  if (early) {
    r = early;
    c = null;
  } else if (a.k === Kind.Inf || b.k === Kind.Zero) {
    r = invalidResult();
    c = null;
  } else if (a.k === Kind.Zero || b.k === Kind.Inf) {
    r = a;
  } else {
    const d = topExp(a) - topExp(b);
    if (d < 0) {
      r = a;
      if (ieee && d === -1) {
        // |a| may exceed |b|/2: quotient rounds to 1
        r = remExact(a, b, true);
        c = quotBits(remQ);
      }
    } else if (d < 64) {
      r = remExact(a, b, ieee);
      c = quotBits(remQ);
    } else {
      const n = 32 + ((d - 32) % 32);
      const bb = finite(b.s, b.m, b.e + (d - n));
      r = remExact(a, bb, false);
      c = [0, 1, 0, 0];
    }
  }
  if (preUnmasked(st)) {
    raise(st, sf.flags);
    return;
  }
  raise(st, sf.flags);
  writeST(st, 0, r);
  if (c) setCC(st, c[0], c[1], c[2], c[3]);
}

let remQ = 0n;
/** Exact remainder a - q*b with q = trunc(a/b) or nearest-even(a/b); sets remQ = |q|. */
function remExact(a: Fp, b: Fp, nearest: boolean): Fp {
  const e = Math.min(a.e, b.e);
  const ma = a.m << BigInt(a.e - e);
  const mb = b.m << BigInt(b.e - e);
  let q = ma / mb;
  let r = ma - q * mb;
  if (nearest) {
    const twice = 2n * r;
    if (twice > mb || (twice === mb && (q & 1n) === 1n)) {
      q += 1n;
      r -= mb;
    }
  }
  remQ = q;
  if (r === 0n) return zero(a.s);
  return r < 0n ? finite(a.s ^ 1, -r, e) : finite(a.s, r, e);
}

function quotBits(q: bigint): number[] {
  const n = Number(q & 7n);
  return [(n >> 1) & 1, 0, n & 1, (n >> 2) & 1];
}

export const fprem = (st: FpuState): void => remainder(st, false);
export const fprem1 = (st: FpuState): void => remainder(st, true);

/** FXTRACT: ST(0) = significand, then push... i.e. ST(1) = exponent, ST(0) = significand. */
export function fxtract(st: FpuState): void {
  beginOp();
  if (isEmpty(st, 0)) {
    if (stackFault(st, false)) writeST(st, 0, indefinite());
    return;
  }
  if (!isEmpty(st, 7)) {
    if (!stackFault(st, true)) return;
    writeST(st, 0, indefinite());
    push(st, indefinite());
    return;
  }
  const x = readST(st, 0);
  const early = screen1(x);
  let expo: Fp;
  let sig: Fp;
  if (early) {
    expo = early;
    sig = early;
  } else if (x.v.k === Kind.Zero) {
    sf.flags |= FLAG_ZE;
    expo = inf(1);
    sig = x.v;
  } else if (x.v.k === Kind.Inf) {
    expo = inf(0);
    sig = x.v;
  } else {
    const t = topExp(x.v);
    expo = fromBigInt(BigInt(t));
    sig = finite(x.v.s, x.v.m, x.v.e - t);
  }
  if (preUnmasked(st)) {
    raise(st, sf.flags);
    return;
  }
  raise(st, sf.flags);
  setC1(st, false);
  writeST(st, 0, expo);
  push(st, sig);
}
