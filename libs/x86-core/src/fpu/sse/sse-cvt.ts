/**
 * SSE/SSE2 conversions. Float->int conversions that are invalid (NaN, Inf, out of range) return the
 * "integer indefinite" 0x80000000 / 0x8000000000000000 and raise #I (and not #P). Results for GPR
 * destinations are returned in {@link gprOut}; all functions return 0 or VEC_XM.
 */
import {
  FLAG_IE,
  fromBigInt,
  Fp,
  isSNaN,
  Kind,
  quiet,
  roundTo,
  Rc,
  RoundTarget,
  sf,
  T_F32,
  T_F64,
  toIntegerBig,
  zero,
} from '../softfloat/fp';
import { decodeF32, decodeF64, encodeF32, encodeF64, f64Hi, f64Lo } from '../softfloat/formats';
import { FpuState } from '../fpu-state';
import { begin, finish, operand, SseEnv } from './mxcsr';

/** 64-bit GPR result of the last CVT*2SI as an int32 pair (lo, hi); hi is 0 for 32-bit forms. */
export const gprOut = { lo: 0, hi: 0 };

const out = new Uint32Array(4);

function fToF(a: Fp, t: RoundTarget, e: SseEnv): Fp {
  if (a.k === Kind.NaN) {
    if (isSNaN(a)) sf.flags |= FLAG_IE;
    return quiet(a);
  }
  a = operand(a, e);
  return roundTo(a, t, e.rc, e.ro);
}

const INDEF32 = -(2n ** 31n);
const INDEF64 = -(2n ** 63n);

/** Float to signed integer of `bits` width; truncating or per MXCSR.RC. */
export function fToInt(a: Fp, bits: 32 | 64, trunc: boolean, e: SseEnv): bigint {
  const indef = bits === 32 ? INDEF32 : INDEF64;
  if (a.k === Kind.NaN || a.k === Kind.Inf) {
    sf.flags |= FLAG_IE;
    return indef;
  }
  if (a.den && e.daz) a = zero(a.s);
  const saved = sf.flags;
  const q = toIntegerBig(a, trunc ? Rc.Zero : e.rc);
  if (q < indef || q > -indef - 1n) {
    sf.flags = saved | FLAG_IE;
    return indef;
  }
  return q;
}

function int64(lo: number, hi: number): bigint {
  return BigInt.asIntN(64, (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0));
}

function put64(lane: number, v: Fp): void {
  const b = encodeF64(v);
  out[lane * 2] = f64Lo(b);
  out[lane * 2 + 1] = f64Hi(b);
}

function commit(st: FpuState, d: number, e: SseEnv): number {
  const f = finish(st, e);
  if (f === 0) st.u32.set(out, d * 4);
  return f;
}

function keep(st: FpuState, d: number): void {
  for (let i = 0; i < 4; i++) out[i] = st.u32[d * 4 + i];
}

// ---------------------------------------------------------------- float <-> float

export function cvtss2sd(st: FpuState, d: number, s: number): number {
  const e = begin(st);
  keep(st, d);
  put64(0, fToF(decodeF32(st.u32[s * 4]), T_F64, e));
  return commit(st, d, e);
}
export function cvtsd2ss(st: FpuState, d: number, s: number): number {
  const e = begin(st);
  keep(st, d);
  out[0] = encodeF32(fToF(decodeF64(st.u32[s * 4], st.u32[s * 4 + 1]), T_F32, e));
  return commit(st, d, e);
}
export function cvtps2pd(st: FpuState, d: number, s: number): number {
  const e = begin(st);
  const a = st.u32[s * 4];
  const b = st.u32[s * 4 + 1];
  put64(0, fToF(decodeF32(a), T_F64, e));
  put64(1, fToF(decodeF32(b), T_F64, e));
  return commit(st, d, e);
}
export function cvtpd2ps(st: FpuState, d: number, s: number): number {
  const e = begin(st);
  const u = st.u32;
  for (let i = 0; i < 2; i++)
    out[i] = encodeF32(fToF(decodeF64(u[s * 4 + 2 * i], u[s * 4 + 2 * i + 1]), T_F32, e));
  out[2] = 0;
  out[3] = 0;
  return commit(st, d, e);
}

// ---------------------------------------------------------------- packed int <-> float

export function cvtdq2ps(st: FpuState, d: number, s: number): number {
  const e = begin(st);
  for (let i = 0; i < 4; i++)
    out[i] = encodeF32(roundTo(fromBigInt(BigInt(st.i32[s * 4 + i])), T_F32, e.rc, e.ro));
  return commit(st, d, e);
}
export function cvtdq2pd(st: FpuState, d: number, s: number): number {
  const a = st.i32[s * 4];
  const b = st.i32[s * 4 + 1];
  st.f64[d * 2] = a;
  st.f64[d * 2 + 1] = b;
  return 0;
}

function psToDq(st: FpuState, d: number, s: number, trunc: boolean): number {
  const e = begin(st);
  for (let i = 0; i < 4; i++)
    out[i] = Number(BigInt.asUintN(32, fToInt(decodeF32(st.u32[s * 4 + i]), 32, trunc, e)));
  return commit(st, d, e);
}
function pdToDq(st: FpuState, d: number, s: number, trunc: boolean): number {
  const e = begin(st);
  const u = st.u32;
  for (let i = 0; i < 2; i++) {
    out[i] = Number(
      BigInt.asUintN(32, fToInt(decodeF64(u[s * 4 + 2 * i], u[s * 4 + 2 * i + 1]), 32, trunc, e)),
    );
  }
  out[2] = 0;
  out[3] = 0;
  return commit(st, d, e);
}
export const cvtps2dq = (st: FpuState, d: number, s: number): number => psToDq(st, d, s, false);
export const cvttps2dq = (st: FpuState, d: number, s: number): number => psToDq(st, d, s, true);
export const cvtpd2dq = (st: FpuState, d: number, s: number): number => pdToDq(st, d, s, false);
export const cvttpd2dq = (st: FpuState, d: number, s: number): number => pdToDq(st, d, s, true);

// ---------------------------------------------------------------- GPR <-> scalar

/** CVTSI2SS xmm, r/m32|64: `lo`/`hi` are the source (hi ignored unless `is64`). */
export function cvtsi2ss(st: FpuState, d: number, lo: number, hi: number, is64: boolean): number {
  const e = begin(st);
  keep(st, d);
  const v = is64 ? int64(lo, hi) : BigInt(lo | 0);
  out[0] = encodeF32(roundTo(fromBigInt(v), T_F32, e.rc, e.ro));
  return commit(st, d, e);
}
export function cvtsi2sd(st: FpuState, d: number, lo: number, hi: number, is64: boolean): number {
  const e = begin(st);
  keep(st, d);
  const v = is64 ? int64(lo, hi) : BigInt(lo | 0);
  put64(0, roundTo(fromBigInt(v), T_F64, e.rc, e.ro));
  return commit(st, d, e);
}

function toGpr(st: FpuState, a: Fp, is64: boolean, trunc: boolean): number {
  const e = begin(st);
  const q = fToInt(a, is64 ? 64 : 32, trunc, e);
  const f = finish(st, e);
  if (f !== 0) return f;
  const u = BigInt.asUintN(64, q);
  gprOut.lo = Number(u & 0xffffffffn) | 0;
  gprOut.hi = is64 ? Number(u >> 32n) | 0 : 0;
  return 0;
}

/** CVT(T)SS2SI r32|r64, xmm/m32. */
export const cvtss2si = (st: FpuState, s: number, is64: boolean, trunc: boolean): number =>
  toGpr(st, decodeF32(st.u32[s * 4]), is64, trunc);
/** CVT(T)SD2SI r32|r64, xmm/m64. */
export const cvtsd2si = (st: FpuState, s: number, is64: boolean, trunc: boolean): number =>
  toGpr(st, decodeF64(st.u32[s * 4], st.u32[s * 4 + 1]), is64, trunc);
