/**
 * x87 transcendental instructions: FSIN, FCOS, FSINCOS, FPTAN, FPATAN, F2XM1, FYL2X, FYL2XP1.
 *
 * Precision: not exact like the rest of the x87 unit, but better than binary64. The kernels (sin/cos
 * Taylor series, atan with two argument halvings, atanh for the logarithms, expm1) run in 160-bit
 * BigInt fixed point and the result is rounded once to FCW.PC/RC, so results are accurate to the
 * 64-bit significand (the last bit can differ from hardware, which is not correctly rounded either).
 * PE is raised for every inexact result; C1 = "rounded up" from that final rounding.
 * - FSIN/FCOS/FSINCOS/FPTAN reduce the argument exactly by pi/2 with a 256-bit pi (hardware uses a
 *   66-bit pi, so results for huge arguments differ); |x| >= 2^63 sets C2 and leaves the operand
 *   unchanged; |x| < 2^-33 returns x (sin, tan) or 1 (cos) with PE.
 * - FYL2X splits x = 2^E * (1 + f) with f exact, so x near 1 and x outside binary64 range are exact
 *   in the kernel; y * log2(x) is one soft-float multiply.
 * - FYL2XP1 (|x| < 1/2) and F2XM1 (|x| <= 1), the documented ranges, use the fixed-point kernels;
 *   outside them (undefined per the SDM) the host's binary64 Math.log1p / Math.expm1 are used.
 * - FPATAN: a tiny quotient (x > 0) is computed as y / x; zeros and infinities follow atan2.
 */
import {
  divCore,
  FLAG_PE,
  FLAG_UE,
  FLAG_ZE,
  finite,
  Fp,
  inf,
  Kind,
  mulCore,
  Rc,
  roundTo,
  isqrt,
  sf,
  T_F64,
  topExp,
  zero,
} from '../softfloat/fp';
import { F80Decoded, fromNumber, toNumber } from '../softfloat/formats';
import { FpuState } from '../fpu-state';
import {
  beginOp,
  indefinite,
  isEmpty,
  pop,
  push,
  raise,
  readST,
  setC1,
  stackFault,
  writeST,
  FSW_C2,
} from './x87-stack';
import { invalidResult, preUnmasked, screen1, screen2, x87Round } from './x87-value';

/** pi * 2^256, truncated (from the 384 fraction bits of pi: 3.243F6A8885A308D3...). */
const PI_SHIFT = 256;
const PI_BIG =
  BigInt(
    '0x3243F6A8885A308D313198A2E03707344A4093822299F31D0082EFA98EC4E6C89452821E638D01377BE5466CF34E90C6C',
  ) >> 128n;
const HALF_PI_BIG = PI_BIG >> 1n; // pi/2 * 2^256
const LOG2E = Math.LOG2E;

// ---------------------------------------------------------------- fixed-point kernels (2^-FB units)

const FB = 160;
const ONE = 1n << BigInt(FB);
const fmul = (a: bigint, b: bigint): bigint => (a * b) / ONE; // truncates towards zero
const fdiv = (a: bigint, b: bigint): bigint => (a << BigInt(FB)) / b;

/** atanh(z) = z + z^3/3 + z^5/5 + ... (|z| <= 0.2). */
function atanhFix(z: bigint): bigint {
  const z2 = fmul(z, z);
  let p = z;
  let s = z;
  for (let k = 3n; p !== 0n; k += 2n) {
    p = fmul(p, z2);
    s += p / k;
  }
  return s;
}
/** atan(z) for |z| <= 1: two argument halvings, then the alternating series. */
function atanFix(z: bigint): bigint {
  for (let h = 0; h < 2; h++) z = fdiv(z, ONE + isqrt((ONE + fmul(z, z)) << BigInt(FB)));
  const z2 = fmul(z, z);
  let p = z;
  let s = z;
  for (let k = 3n; p !== 0n; k += 2n) {
    p = -fmul(p, z2);
    s += p / k;
  }
  return s * 4n;
}
/** sin r and cos r for |r| <= pi/4 (Taylor). */
function sinCosFix(r: bigint): [bigint, bigint] {
  const r2 = fmul(r, r);
  let p = r;
  let sn = r;
  for (let k = 2n; p !== 0n; k += 2n) {
    p = -fmul(p, r2) / (k * (k + 1n));
    sn += p;
  }
  p = ONE;
  let cs = ONE;
  for (let k = 1n; p !== 0n; k += 2n) {
    p = -fmul(p, r2) / (k * (k + 1n));
    cs += p;
  }
  return [sn, cs];
}
/** e^t - 1 for |t| < 1 (Taylor). */
function expm1Fix(t: bigint): bigint {
  let p = t;
  let s = t;
  for (let k = 2n; p !== 0n; k++) {
    p = fmul(p, t) / k;
    s += p;
  }
  return s;
}
const LN2_FIX = 2n * atanhFix(fdiv(ONE, 3n * ONE));
const PI_FIX = PI_BIG >> BigInt(PI_SHIFT - FB);

/** Fixed-point value of a finite Fp (truncated). */
function toFix(a: Fp): bigint {
  const sh = a.e + FB;
  const m = sh >= 0 ? a.m << BigInt(sh) : a.m >> BigInt(-sh);
  return a.s ? -m : m;
}
function fixToFp(v: bigint): Fp {
  if (v === 0n) return zero(0);
  return v < 0n ? finite(1, -v, -FB) : finite(0, v, -FB);
}
/** Round a fixed-point result (an approximation of an irrational value) to FCW.PC/RC: PE is set. */
function fromFix(st: FpuState, v: bigint): Fp {
  return approx(st, fixToFp(v));
}

/** Binary64 value of a finite Fp (nearest), without disturbing the exception accumulator. */
function toDouble(a: Fp): number {
  if (a.k === Kind.Zero) return a.s ? -0 : 0;
  if (a.k === Kind.Inf) return a.s ? -Infinity : Infinity;
  const saved = sf.flags;
  const up = sf.up;
  const tiny = sf.tiny;
  const d = toNumber(roundTo(a, T_F64, Rc.Nearest));
  sf.flags = saved;
  sf.up = up;
  sf.tiny = tiny;
  return d;
}

/** Round an (inexact) binary64 result to FCW.PC/RC; raises PE, and UE when the result is tiny. */
function fromDouble(st: FpuState, d: number): Fp {
  const v = fromNumber(d);
  if (v.k !== Kind.Finite) return v;
  const r = x87Round(st, (t, rc, o) => roundTo(v, t, rc, o));
  sf.flags |= FLAG_PE;
  if (r.k === Kind.Finite && topExp(r) < -16382) sf.flags |= FLAG_UE;
  return r;
}

/** Inexact result equal to an exactly known value (x for sin x with tiny x, ...). */
function approx(st: FpuState, v: Fp): Fp {
  if (v.k !== Kind.Finite) return v;
  const r = x87Round(st, (t, rc, o) => roundTo(v, t, rc, o));
  sf.flags |= FLAG_PE;
  if (r.k === Kind.Finite && topExp(r) < -16382) sf.flags |= FLAG_UE;
  return r;
}

function cmpMag(a: Fp, b: Fp): number {
  const sh = a.e - b.e;
  const ma = sh >= 0 ? a.m << BigInt(sh) : a.m;
  const mb = sh >= 0 ? b.m : b.m << BigInt(-sh);
  return ma < mb ? -1 : ma > mb ? 1 : 0;
}

/** Exact reduction x = k * pi/2 + r, |r| <= pi/4 (approximately); returns [k mod 4, r]. */
function reduce(a: Fp): [number, bigint] {
  const sh = a.e + PI_SHIFT;
  const num = sh >= 0 ? a.m << BigInt(sh) : a.m >> BigInt(-sh);
  const k = (num + (HALF_PI_BIG >> 1n)) / HALF_PI_BIG;
  const rem = num - k * HALF_PI_BIG;
  const r = rem >> BigInt(PI_SHIFT - FB);
  const q = Number(k & 3n);
  return a.s ? [(4 - q) & 3, -r] : [q, r];
}

const TRIG_LIMIT = 63; // |x| >= 2^63: out of range (C2 = 1)
const TINY_TRIG = -33; // |x| < 2^-32: sin x = tan x = x, cos x = 1 to 64 bits

type Trig = 'sin' | 'cos' | 'tan';

function trig(st: FpuState, a: Fp, f: Trig): Fp {
  if (a.k === Kind.Zero) return f === 'cos' ? finite(0, 1n, 0) : a;
  if (topExp(a) < TINY_TRIG) return approx(st, f === 'cos' ? finite(0, 1n, 0) : a);
  const [q, r] = reduce(a);
  const [sn, cs] = sinCosFix(r);
  let d: bigint;
  if (f === 'tan') {
    d = q & 1 ? -fdiv(cs, sn) : fdiv(sn, cs);
  } else {
    const n = f === 'sin' ? q : (q + 1) & 3;
    d = n === 0 ? sn : n === 1 ? cs : n === 2 ? -sn : -cs;
  }
  return fromFix(st, d);
}

/** Operand check shared by FSIN/FCOS/FSINCOS/FPTAN: an early result, 'range' (C2), or null. */
function trigScreen(x: F80Decoded): Fp | 'range' | null {
  const early = screen1(x);
  if (early) return early;
  if (x.v.k === Kind.Inf) return invalidResult();
  if (x.v.k === Kind.Finite && topExp(x.v) >= TRIG_LIMIT) return 'range';
  return null;
}

function setC2(st: FpuState, on: boolean): void {
  st.fsw = on ? st.fsw | FSW_C2 : st.fsw & ~FSW_C2;
}

/** FSIN / FCOS: ST(0) = f(ST(0)). */
function trigUnary(st: FpuState, f: Trig): void {
  beginOp();
  if (isEmpty(st, 0)) {
    if (stackFault(st, false)) writeST(st, 0, indefinite());
    return;
  }
  const x = readST(st, 0);
  const s = trigScreen(x);
  if (s === 'range') {
    setC2(st, true);
    raise(st, sf.flags);
    return;
  }
  const r = s ?? trig(st, x.v, f);
  if (preUnmasked(st)) {
    raise(st, sf.flags);
    return;
  }
  setC1(st, (sf.flags & FLAG_PE) !== 0 && sf.up);
  setC2(st, false);
  raise(st, sf.flags);
  writeST(st, 0, r);
}

export const fsin = (st: FpuState): void => trigUnary(st, 'sin');
export const fcos = (st: FpuState): void => trigUnary(st, 'cos');

/**
 * FSINCOS (ST(0) = sin, then push cos) and FPTAN (ST(0) = tan, then push 1.0). A NaN operand gives
 * the quiet NaN in both registers; invalid operands give the indefinite in both.
 */
function trigPush(st: FpuState, tan: boolean): void {
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
  const s = trigScreen(x);
  if (s === 'range') {
    setC2(st, true);
    raise(st, sf.flags);
    return;
  }
  let lo: Fp;
  let hi: Fp;
  let up = false;
  if (s) {
    lo = s;
    hi = s;
  } else if (tan) {
    lo = trig(st, x.v, 'tan');
    up = (sf.flags & FLAG_PE) !== 0 && sf.up;
    hi = finite(0, 1n, 0);
  } else {
    hi = trig(st, x.v, 'cos');
    up = (sf.flags & FLAG_PE) !== 0 && sf.up;
    lo = trig(st, x.v, 'sin');
    up = up || ((sf.flags & FLAG_PE) !== 0 && sf.up);
  }
  if (preUnmasked(st)) {
    raise(st, sf.flags);
    return;
  }
  setC1(st, up);
  setC2(st, false);
  raise(st, sf.flags);
  writeST(st, 0, lo);
  push(st, hi);
}

export const fsincos = (st: FpuState): void => trigPush(st, false);
export const fptan = (st: FpuState): void => trigPush(st, true);

/** Two-operand instructions: ST(1) = f(ST(1), ST(0)), then pop. */
function binaryPop(st: FpuState, f: (y: Fp, x: Fp) => Fp): void {
  beginOp();
  if (isEmpty(st, 0) || isEmpty(st, 1)) {
    if (!stackFault(st, false)) return;
    writeST(st, 1, indefinite());
    pop(st);
    return;
  }
  const x = readST(st, 0);
  const y = readST(st, 1);
  const r = screen2(y, x) ?? f(y.v, x.v);
  if (preUnmasked(st)) {
    raise(st, sf.flags);
    return;
  }
  setC1(st, (sf.flags & FLAG_PE) !== 0 && sf.up);
  raise(st, sf.flags);
  writeST(st, 1, r);
  pop(st);
}

/** y * L where L is a (binary64 or special) factor; 0 * inf is invalid. Inexact unless exact. */
function mulBy(st: FpuState, y: Fp, l: Fp, exact: boolean): Fp {
  const s = y.s ^ l.s;
  if (y.k === Kind.Inf || l.k === Kind.Inf) {
    if (y.k === Kind.Zero || l.k === Kind.Zero) return invalidResult();
    return inf(s);
  }
  if (y.k === Kind.Zero || l.k === Kind.Zero) return zero(s);
  const r = x87Round(st, (t, rc, o) => mulCore(y, l, t, rc, o));
  if (!exact) sf.flags |= FLAG_PE;
  return r;
}

/** FPATAN: ST(1) = atan2(ST(1), ST(0)), pop. */
export function fpatan(st: FpuState): void {
  binaryPop(st, (y, x) => {
    if (y.k !== Kind.Finite || x.k !== Kind.Finite) {
      // only the sign of a finite operand matters next to a zero or an infinity
      const d = (a: Fp): number => (a.k === Kind.Finite ? (a.s ? -1 : 1) : toDouble(a));
      const a = Math.atan2(d(y), d(x));
      if (a === 0) return zero(Object.is(a, -0) ? 1 : 0);
      return fromFix(st, (BigInt(Math.round((a / Math.PI) * 4)) * PI_FIX) / 4n); // a multiple of pi/4
    }
    const ey = topExp(y);
    const ex = topExp(x);
    if (x.s === 0 && ey - ex < -60) {
      // atan(q) = q to 64 bits for |q| < 2^-32
      const q = x87Round(st, (t, rc, o) => divCore(y, x, t, rc, o));
      sf.flags |= FLAG_PE;
      return q;
    }
    // |y| <= |x|: atan(|y|/|x|), else pi/2 - atan(|x|/|y|); then pi - a for x < 0; sign of y
    const ratio = (n: Fp, d: Fp): bigint => {
      const sh = n.e - d.e + FB;
      return sh >= 0 ? (n.m << BigInt(sh)) / d.m : n.m / (d.m << BigInt(-sh));
    };
    const small = ey < ex || (ey === ex && cmpMag(y, x) <= 0);
    let a = small ? atanFix(ratio(y, x)) : PI_FIX / 2n - atanFix(ratio(x, y));
    if (x.s) a = PI_FIX - a;
    return fromFix(st, y.s ? -a : a);
  });
}

/** log2(x) for finite x > 0 as a binary64 Fp; exactly +0 for x = 1. */
function log2Of(x: Fp): [Fp, boolean] {
  const n = x.m.toString(2).length;
  let e = x.e + n - 1; // x = 2^e * m, m in [1, 2)
  // m = M / 2^(n-1); choose e so that m in [sqrt(1/2), sqrt(2)): compare M^2 with 2^(2n-1)
  let den = n - 1;
  if (x.m * x.m >= 1n << BigInt(2 * n - 1)) {
    e += 1;
    den += 1;
  }
  const num = x.m - (1n << BigInt(den)); // f = num / 2^den, exact
  if (num === 0n && e === 0) return [zero(0), true];
  if (num === 0n) return [fromNumber(e), true];
  const f = num << BigInt(FB - den);
  const ln = 2n * atanhFix(fdiv(f, 2n * ONE + f));
  return [fixToFp(BigInt(e) * ONE + fdiv(ln, LN2_FIX)), false];
}

/** FYL2X: ST(1) = ST(1) * log2(ST(0)), pop. */
export function fyl2x(st: FpuState): void {
  binaryPop(st, (y, x) => {
    if (x.s === 1 && x.k !== Kind.Zero) return invalidResult();
    if (x.k === Kind.Zero) {
      if (y.k === Kind.Zero) return invalidResult();
      if (y.k === Kind.Finite) sf.flags |= FLAG_ZE;
      return inf(y.s ^ 1);
    }
    if (x.k === Kind.Inf) return mulBy(st, y, inf(0), true);
    const [l, exact] = log2Of(x);
    return mulBy(st, y, l, exact);
  });
}

/** FYL2XP1: ST(1) = ST(1) * log2(ST(0) + 1), pop (defined for |x| < 1 - sqrt(2)/2). */
export function fyl2xp1(st: FpuState): void {
  binaryPop(st, (y, x) => {
    if (x.k === Kind.Inf) return x.s ? invalidResult() : mulBy(st, y, x, true);
    if (x.k === Kind.Zero) return mulBy(st, y, x, true);
    if (topExp(x) < -60) {
      // log2(1 + x) = x * log2(e) to 64 bits
      return mulBy(
        st,
        y,
        x87Round(st, (t, rc, o) => mulCore(x, fixToFp(fdiv(ONE, LN2_FIX)), t, rc, o)),
        false,
      );
    }
    if (topExp(x) < -1) {
      // |x| < 1/2: log(1 + x) = 2 atanh(x / (2 + x))
      const f = toFix(x);
      return mulBy(st, y, fixToFp(fdiv(2n * atanhFix(fdiv(f, 2n * ONE + f)), LN2_FIX)), false);
    }
    const xd = toDouble(x);
    if (xd < -1) return invalidResult();
    if (xd === -1) {
      if (y.k === Kind.Zero) return invalidResult();
      if (y.k === Kind.Finite) sf.flags |= FLAG_ZE;
      return inf(y.s ^ 1);
    }
    return mulBy(st, y, fromNumber(Math.log1p(xd) * LOG2E), false);
  });
}

/** F2XM1: ST(0) = 2^ST(0) - 1 (defined for -1 <= x <= 1). */
export function f2xm1(st: FpuState): void {
  beginOp();
  if (isEmpty(st, 0)) {
    if (stackFault(st, false)) writeST(st, 0, indefinite());
    return;
  }
  const x = readST(st, 0);
  let r = screen1(x);
  if (!r) {
    const a = x.v;
    if (a.k === Kind.Zero) r = a;
    else if (a.k === Kind.Inf) r = a.s ? finite(1, 1n, 0) : a;
    else if (topExp(a) < -60) {
      r = x87Round(st, (t, rc, o) => mulCore(a, fixToFp(LN2_FIX), t, rc, o));
      sf.flags |= FLAG_PE;
    } else if (topExp(a) < 0 || (topExp(a) === 0 && (a.m & (a.m - 1n)) === 0n)) {
      r = fromFix(st, expm1Fix(fmul(toFix(a), LN2_FIX)));
    } else r = fromDouble(st, Math.expm1(toDouble(a) * Math.LN2)); // outside [-1, 1]: undefined
  }
  if (preUnmasked(st)) {
    raise(st, sf.flags);
    return;
  }
  setC1(st, (sf.flags & FLAG_PE) !== 0 && sf.up);
  raise(st, sf.flags);
  writeST(st, 0, r);
}
