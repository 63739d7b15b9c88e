/**
 * Exact binary floating point on BigInt significands: the slow, always-correct path shared by SSE
 * (f32/f64) and x87 (f80 with precision control). Every operation computes the exact result (or the
 * exact result plus a sticky bit) and rounds it once with {@link roundFp}, so all four rounding modes,
 * subnormals, overflow and underflow come out as on hardware.
 *
 * Exceptions accumulate in {@link sf}.flags using the bit positions shared by MXCSR[5:0] and FSW[5:0].
 */

export enum Kind {
  Zero = 0,
  Finite = 1,
  Inf = 2,
  NaN = 3,
}

/** Rounding control, same encoding as MXCSR.RC and FCW.RC. */
export enum Rc {
  Nearest = 0,
  Down = 1,
  Up = 2,
  Zero = 3,
}

export const FLAG_IE = 0x01;
export const FLAG_DE = 0x02;
export const FLAG_ZE = 0x04;
export const FLAG_OE = 0x08;
export const FLAG_UE = 0x10;
export const FLAG_PE = 0x20;

/**
 * A decoded value. Finite: (-1)^s * m * 2^e with m > 0. NaN: `m` holds the 63-bit fraction aligned as
 * in the 80-bit format (quiet bit = bit 62) so payloads survive conversions by truncation, exactly as
 * the hardware does. `den` records that the encoding was a denormal (for #DE / DAZ).
 */
export interface Fp {
  k: Kind;
  s: number;
  m: bigint;
  e: number;
  den: boolean;
}

/** Precision and exponent range of a rounding destination. emin/emax are unbiased normal exponents. */
export interface RoundTarget {
  readonly precision: number;
  readonly emin: number;
  readonly emax: number;
}

export const T_F32: RoundTarget = { precision: 24, emin: -126, emax: 127 };
export const T_F64: RoundTarget = { precision: 53, emin: -1022, emax: 1023 };
export const T_F80: RoundTarget = { precision: 64, emin: -16382, emax: 16383 };
/** x87 precision control 00 / 10 keep the 15-bit exponent range of the register format. */
export const T_X87_PC24: RoundTarget = { precision: 24, emin: -16382, emax: 16383 };
export const T_X87_PC53: RoundTarget = { precision: 53, emin: -16382, emax: 16383 };

export const QUIET_BIT = 1n << 62n;

/**
 * Side results of the last operations. `flags` is sticky until the caller clears it; `up` tells
 * whether the last rounding increased the magnitude (x87 C1); `tiny` whether the last rounding was
 * tiny (after rounding), used by callers with an unmasked underflow.
 */
export const sf = { flags: 0, up: false, tiny: false };

export function zero(s: number): Fp {
  return { k: Kind.Zero, s, m: 0n, e: 0, den: false };
}
export function inf(s: number): Fp {
  return { k: Kind.Inf, s, m: 0n, e: 0, den: false };
}
export function finite(s: number, m: bigint, e: number): Fp {
  return { k: Kind.Finite, s, m, e, den: false };
}
export function nan(s: number, frac63: bigint): Fp {
  return { k: Kind.NaN, s, m: frac63, e: 0, den: false };
}
/** The "real indefinite" QNaN every format produces for invalid operations. */
export function defaultNaN(): Fp {
  return nan(1, QUIET_BIT);
}
export function isSNaN(a: Fp): boolean {
  return a.k === Kind.NaN && (a.m & QUIET_BIT) === 0n;
}
export function quiet(a: Fp): Fp {
  return nan(a.s, a.m | QUIET_BIT);
}

export function bitLen(m: bigint): number {
  // toString(2) is fast enough for the <200-bit values seen here and keeps this obviously right.
  return m === 0n ? 0 : m.toString(2).length;
}

/** Exponent of the leading bit of a finite value. */
export function topExp(a: Fp): number {
  return a.e + bitLen(a.m) - 1;
}

/** Round `m` right by `shift` bits (shift may be <= 0 when no bits are lost). */
function shiftRound(m: bigint, shift: number, sticky: boolean, s: number, rc: Rc): [bigint, boolean] {
  if (shift <= 0) {
    if (sticky) throw new Error('softfloat: sticky bit above the rounding position');
    return [m << BigInt(-shift), false];
  }
  const sh = BigInt(shift);
  let q = m >> sh;
  const rem = m & ((1n << sh) - 1n);
  const inexact = rem !== 0n || sticky;
  if (inexact) {
    let up: boolean;
    switch (rc) {
      case Rc.Nearest: {
        const half = 1n << (sh - 1n);
        up = rem > half || (rem === half && (sticky || (q & 1n) === 1n));
        break;
      }
      case Rc.Down:
        up = s === 1;
        break;
      case Rc.Up:
        up = s === 0;
        break;
      default:
        up = false;
    }
    if (up) q += 1n;
  }
  return [q, inexact];
}

export interface RoundOpts {
  /** SSE MXCSR.FZ: a tiny result becomes a signed zero (only honoured when underflow is masked). */
  ftz: boolean;
  /** Whether #U is masked: masked underflow is only flagged when the tiny result is also inexact. */
  ueMasked: boolean;
  /** x87 unmasked overflow/underflow: round with an unbounded exponent (caller re-biases). */
  unbounded: boolean;
}

export const DEFAULT_ROUND: RoundOpts = { ftz: false, ueMasked: true, unbounded: false };

function maxFinite(s: number, t: RoundTarget): Fp {
  return finite(s, (1n << BigInt(t.precision)) - 1n, t.emax - t.precision + 1);
}

/**
 * Round the exact value (-1)^s * (m + sticky*epsilon) * 2^e to the target. Tininess is detected after
 * rounding (as x86 does): the result is tiny when rounding to `precision` bits with an unbounded
 * exponent gives a magnitude below 2^emin.
 */
export function roundFp(
  s: number,
  m: bigint,
  e: number,
  sticky: boolean,
  t: RoundTarget,
  rc: Rc,
  o: RoundOpts = DEFAULT_ROUND,
): Fp {
  sf.up = false;
  sf.tiny = false;
  if (m === 0n && !sticky) return zero(s);
  const p = t.precision;
  const n = bitLen(m);
  const lead = e + n - 1;
  if (o.unbounded) {
    const [q, inexact] = shiftRound(m, n - p, sticky, s, rc);
    if (inexact) sf.flags |= FLAG_PE;
    sf.up = inexact && q << BigInt(Math.max(0, n - p)) > m;
    return finite(s, q, e + Math.max(0, n - p));
  }
  let tiny = false;
  if (lead < t.emin) {
    const [q] = shiftRound(m, n - p, sticky, s, rc);
    tiny = !(lead + 1 === t.emin && bitLen(q) > p);
  }
  const lsb = Math.max(lead, t.emin) - p + 1;
  const shift = lsb - e;
  const [q, inexact] = shiftRound(m, shift, sticky, s, rc);
  if (inexact) sf.up = shift > 0 ? q << BigInt(shift) > m : false;
  if (q !== 0n && lsb + bitLen(q) - 1 > t.emax) {
    sf.flags |= FLAG_OE | FLAG_PE;
    const toInf = rc === Rc.Nearest || (rc === Rc.Up && s === 0) || (rc === Rc.Down && s === 1);
    sf.up = toInf;
    return toInf ? inf(s) : maxFinite(s, t);
  }
  if (tiny) {
    sf.tiny = true;
    if (o.ueMasked && o.ftz) {
      sf.flags |= FLAG_UE | FLAG_PE;
      sf.up = false;
      return zero(s);
    }
    if (!o.ueMasked || inexact) sf.flags |= FLAG_UE;
  }
  if (inexact) sf.flags |= FLAG_PE;
  if (q === 0n) return zero(s);
  return finite(s, q, lsb);
}

/** Round an already-finite value to a (possibly narrower) target. */
export function roundTo(a: Fp, t: RoundTarget, rc: Rc, o?: RoundOpts): Fp {
  if (a.k !== Kind.Finite) return a;
  return roundFp(a.s, a.m, a.e, false, t, rc, o);
}

/** Exact sum of two finite-or-zero values, rounded. `b` is negated first when `sub`. */
export function addCore(a: Fp, b: Fp, sub: boolean, t: RoundTarget, rc: Rc, o?: RoundOpts): Fp {
  const bs = sub ? b.s ^ 1 : b.s;
  if (a.k === Kind.Zero && b.k === Kind.Zero) {
    if (a.s === bs) return zero(a.s);
    return zero(rc === Rc.Down ? 1 : 0);
  }
  if (a.k === Kind.Zero) return roundFp(bs, b.m, b.e, false, t, rc, o);
  if (b.k === Kind.Zero) return roundFp(a.s, a.m, a.e, false, t, rc, o);
  const ta = topExp(a);
  const tb = topExp(b);
  let big: Fp = a;
  let bigS = a.s;
  let small: Fp = b;
  let smallS = bs;
  if (tb > ta) {
    big = b;
    bigS = bs;
    small = a;
    smallS = a.s;
  }
  const gap = topExp(big) - topExp(small);
  if (gap > t.precision + 3 && gap > bitLen(big.m) + 3) {
    // The small operand only decides the direction: fold it into a sticky bit below two guard bits.
    const k = Math.max(2, t.precision + 2 - bitLen(big.m));
    let m = big.m << BigInt(k);
    if (bigS !== smallS) m -= 1n;
    return roundFp(bigS, m, big.e - k, true, t, rc, o);
  }
  const e = Math.min(a.e, b.e);
  const va = (a.m << BigInt(a.e - e)) * (a.s ? -1n : 1n);
  const vb = (b.m << BigInt(b.e - e)) * (bs ? -1n : 1n);
  const sum = va + vb;
  if (sum === 0n) return zero(rc === Rc.Down ? 1 : 0);
  return sum < 0n ? roundFp(1, -sum, e, false, t, rc, o) : roundFp(0, sum, e, false, t, rc, o);
}

export function mulCore(a: Fp, b: Fp, t: RoundTarget, rc: Rc, o?: RoundOpts): Fp {
  const s = a.s ^ b.s;
  if (a.k === Kind.Zero || b.k === Kind.Zero) return zero(s);
  return roundFp(s, a.m * b.m, a.e + b.e, false, t, rc, o);
}

/** a / b for finite a (or zero) and finite non-zero b. */
export function divCore(a: Fp, b: Fp, t: RoundTarget, rc: Rc, o?: RoundOpts): Fp {
  const s = a.s ^ b.s;
  if (a.k === Kind.Zero) return zero(s);
  const k = Math.max(0, t.precision + 3 + bitLen(b.m) - bitLen(a.m));
  const num = a.m << BigInt(k);
  const q = num / b.m;
  const r = num - q * b.m;
  return roundFp(s, q, a.e - k - b.e, r !== 0n, t, rc, o);
}

export function isqrt(n: bigint): bigint {
  if (n < 2n) return n;
  let x = 1n << BigInt(Math.ceil(bitLen(n) / 2));
  for (;;) {
    const y = (x + n / x) >> 1n;
    if (y >= x) return x;
    x = y;
  }
}

/** sqrt of a positive finite value. */
export function sqrtCore(a: Fp, t: RoundTarget, rc: Rc, o?: RoundOpts): Fp {
  let k = Math.max(0, 2 * t.precision + 6 - bitLen(a.m));
  if ((a.e - k) % 2 !== 0) k++;
  const n = a.m << BigInt(k);
  const r = isqrt(n);
  return roundFp(0, r, (a.e - k) / 2, r * r !== n, t, rc, o);
}

/** Compare two non-NaN values: -1, 0, 1. */
export function cmpCore(a: Fp, b: Fp): number {
  const sa = a.k === Kind.Zero ? 0 : a.s ? -1 : 1;
  const sb = b.k === Kind.Zero ? 0 : b.s ? -1 : 1;
  if (a.k === Kind.Zero && b.k === Kind.Zero) return 0;
  if (sa !== sb) return sa < sb ? -1 : 1;
  // same non-zero sign
  const mag = cmpMag(a, b);
  return a.s ? -mag : mag;
}

function cmpMag(a: Fp, b: Fp): number {
  if (a.k === Kind.Inf) return b.k === Kind.Inf ? 0 : 1;
  if (b.k === Kind.Inf) return -1;
  const ta = topExp(a);
  const tb = topExp(b);
  if (ta !== tb) return ta < tb ? -1 : 1;
  const e = Math.min(a.e, b.e);
  const ma = a.m << BigInt(a.e - e);
  const mb = b.m << BigInt(b.e - e);
  return ma === mb ? 0 : ma < mb ? -1 : 1;
}

/**
 * Round a finite value to an integer per `rc` (exact BigInt result). Sets PE when inexact. Zero and
 * non-finite inputs are the caller's business.
 */
export function toIntegerBig(a: Fp, rc: Rc): bigint {
  if (a.k !== Kind.Finite) return 0n;
  let q: bigint;
  if (a.e >= 0) {
    q = a.m << BigInt(a.e);
  } else {
    let inexact: boolean;
    [q, inexact] = shiftRound(a.m, -a.e, false, a.s, rc);
    if (inexact) sf.flags |= FLAG_PE;
    sf.up = inexact && q << BigInt(-a.e) > a.m;
  }
  return a.s ? -q : q;
}

/** An exact integer as a value. */
export function fromBigInt(v: bigint): Fp {
  if (v === 0n) return zero(0);
  return v < 0n ? finite(1, -v, 0) : finite(0, v, 0);
}
