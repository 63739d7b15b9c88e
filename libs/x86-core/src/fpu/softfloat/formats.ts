/**
 * Bit-exact conversion between the memory/register encodings (binary32, binary64, x87 80-bit
 * extended) and {@link Fp}. Encoders expect a value already rounded to the format; they never round.
 */
import { bitLen, finite, Fp, inf, Kind, nan, zero } from './fp';

const M32 = 0xffffffffn;

// ---------------------------------------------------------------- binary32

export function decodeF32(bits: number): Fp {
  const s = bits >>> 31;
  const ex = (bits >>> 23) & 0xff;
  const fr = bits & 0x7fffff;
  if (ex === 0xff) return fr === 0 ? inf(s) : nan(s, BigInt(fr) << 40n);
  if (ex === 0) {
    if (fr === 0) return zero(s);
    const d = finite(s, BigInt(fr), -149);
    d.den = true;
    return d;
  }
  return finite(s, BigInt(fr | 0x800000), ex - 150);
}

export function encodeF32(a: Fp): number {
  const sb = a.s ? 0x80000000 : 0;
  switch (a.k) {
    case Kind.Zero:
      return sb >>> 0;
    case Kind.Inf:
      return (sb | 0x7f800000) >>> 0;
    case Kind.NaN:
      return (sb | 0x7f800000 | Number((a.m >> 40n) & 0x7fffffn)) >>> 0;
  }
  const n = bitLen(a.m);
  const m = n <= 24 ? a.m << BigInt(24 - n) : a.m >> BigInt(n - 24);
  const e = a.e - (24 - n);
  const biased = e + 150;
  if (biased >= 1) return (sb | (biased << 23) | Number(m & 0x7fffffn)) >>> 0;
  return (sb | Number(m >> BigInt(1 - biased))) >>> 0;
}

// ---------------------------------------------------------------- binary64 (as two 32-bit halves)

export function decodeF64(lo: number, hi: number): Fp {
  const s = hi >>> 31;
  const ex = (hi >>> 20) & 0x7ff;
  const frHi = hi & 0xfffff;
  const fr = (BigInt(frHi) << 32n) | BigInt(lo >>> 0);
  if (ex === 0x7ff) return fr === 0n ? inf(s) : nan(s, fr << 11n);
  if (ex === 0) {
    if (fr === 0n) return zero(s);
    const d = finite(s, fr, -1074);
    d.den = true;
    return d;
  }
  return finite(s, fr | (1n << 52n), ex - 1075);
}

/** Returns the 64-bit pattern as a BigInt. */
export function encodeF64(a: Fp): bigint {
  const sb = a.s ? 1n << 63n : 0n;
  switch (a.k) {
    case Kind.Zero:
      return sb;
    case Kind.Inf:
      return sb | (0x7ffn << 52n);
    case Kind.NaN:
      return sb | (0x7ffn << 52n) | ((a.m >> 11n) & ((1n << 52n) - 1n));
  }
  const n = bitLen(a.m);
  const m = n <= 53 ? a.m << BigInt(53 - n) : a.m >> BigInt(n - 53);
  const e = a.e - (53 - n);
  const biased = e + 1075;
  if (biased >= 1) return sb | (BigInt(biased) << 52n) | (m & ((1n << 52n) - 1n));
  return sb | (m >> BigInt(1 - biased));
}

export function f64Lo(bits: bigint): number {
  return Number(bits & M32) | 0;
}
export function f64Hi(bits: bigint): number {
  return Number((bits >> 32n) & M32) | 0;
}

// ---------------------------------------------------------------- x87 80-bit extended

/**
 * Decoded 80-bit value plus its encoding class. Unnormals, pseudo-infinities and pseudo-NaNs are
 * "unsupported" encodings: arithmetic treats them as invalid operands (#IA), as since the 387.
 */
export interface F80Decoded {
  v: Fp;
  unsupported: boolean;
}

export function decodeF80(se: number, mLo: number, mHi: number): F80Decoded {
  const s = (se >>> 15) & 1;
  const ex = se & 0x7fff;
  const mant = (BigInt(mHi >>> 0) << 32n) | BigInt(mLo >>> 0);
  const j = (mHi >>> 31) & 1;
  const frac = mant & ((1n << 63n) - 1n);
  if (ex === 0x7fff) {
    if (j === 0) return { v: frac === 0n ? inf(s) : nan(s, frac), unsupported: true };
    return { v: frac === 0n ? inf(s) : nan(s, frac), unsupported: false };
  }
  if (ex === 0) {
    if (mant === 0n) return { v: zero(s), unsupported: false };
    // denormal (J=0) or pseudo-denormal (J=1): both weigh 2^-16382 per the integer bit.
    const d = finite(s, mant, -16382 - 63);
    d.den = true;
    return { v: d, unsupported: false };
  }
  if (j === 0) {
    // unnormal: keep the value for fxam/classification, flag as unsupported.
    return { v: mant === 0n ? zero(s) : finite(s, mant, ex - 16383 - 63), unsupported: true };
  }
  return { v: finite(s, mant, ex - 16383 - 63), unsupported: false };
}

export interface F80Bits {
  se: number;
  lo: number;
  hi: number;
}

export function encodeF80(a: Fp): F80Bits {
  const sb = a.s ? 0x8000 : 0;
  switch (a.k) {
    case Kind.Zero:
      return { se: sb, lo: 0, hi: 0 };
    case Kind.Inf:
      return { se: sb | 0x7fff, lo: 0, hi: 0x80000000 | 0 };
    case Kind.NaN: {
      const m = (1n << 63n) | (a.m & ((1n << 63n) - 1n));
      return { se: sb | 0x7fff, lo: f64Lo(m), hi: f64Hi(m) };
    }
  }
  const n = bitLen(a.m);
  let m = n <= 64 ? a.m << BigInt(64 - n) : a.m >> BigInt(n - 64);
  const e = a.e - (64 - n);
  let biased = e + 16383 + 63;
  if (biased < 1) {
    m >>= BigInt(1 - biased);
    biased = 0;
  }
  return { se: sb | biased, lo: f64Lo(m), hi: f64Hi(m) };
}

// ---------------------------------------------------------------- JS numbers

const cvtBuf = new DataView(new ArrayBuffer(8));

/** Bit-exact decode of a JS number (NaN payloads of JS numbers are not meaningful; use bits). */
export function fromNumber(x: number): Fp {
  cvtBuf.setFloat64(0, x, true);
  return decodeF64(cvtBuf.getUint32(0, true), cvtBuf.getUint32(4, true));
}

/** Exact conversion of a value representable as binary64 (NaN becomes a JS NaN). */
export function toNumber(a: Fp): number {
  const b = encodeF64(a);
  cvtBuf.setUint32(0, f64Lo(b), true);
  cvtBuf.setUint32(4, f64Hi(b), true);
  return cvtBuf.getFloat64(0, true);
}
