/**
 * SSE/SSE2 floating-point arithmetic, min/max, sqrt and compares (packed and scalar, single and
 * double). `op(st, d, s)` computes d = d op s lane-wise and returns 0 or VEC_XM (see mxcsr.ts);
 * scalar forms touch lane 0 only and keep the upper lanes of `d`.
 *
 * NaN rules (SDM vol. 1, table 4-7, SSE column): if the first source (d) is a NaN it is returned
 * quieted, else the second (s) quieted; an SNaN input raises #I; invalid operations return the
 * negative "real indefinite" QNaN. MIN/MAX instead return the second operand unchanged when either
 * input is a NaN or both are zeros, and raise #I for QNaN inputs too.
 */
import {
  addCore,
  cmpCore,
  defaultNaN,
  divCore,
  FLAG_IE,
  FLAG_ZE,
  Fp,
  inf,
  isSNaN,
  Kind,
  mulCore,
  quiet,
  RoundTarget,
  sf,
  sqrtCore,
  T_F32,
  T_F64,
  zero,
} from '../softfloat/fp';
import { decodeF32, decodeF64, encodeF32, encodeF64, f64Hi, f64Lo } from '../softfloat/formats';
import { FpuState } from '../fpu-state';
import { begin, finish, operand, SseEnv } from './mxcsr';
import { FAST_SQRT, fastBinary } from './sse-fast';

export enum ArithOp {
  Add = 0,
  Sub = 1,
  Mul = 2,
  Div = 3,
}

type LaneFn = (a: Fp, b: Fp, e: SseEnv, t: RoundTarget) => Fp;

function propagateNaN(a: Fp, b: Fp): Fp {
  if (isSNaN(a) || isSNaN(b)) sf.flags |= FLAG_IE;
  return a.k === Kind.NaN ? quiet(a) : quiet(b);
}

/**
 * Invalid-operation result. Hardware does not report #D for a denormal operand of an operation that
 * is invalid (or divides by zero): `f0` is the flag state from before this lane's operand checks.
 */
function invalid(f0: number): Fp {
  sf.flags = f0 | FLAG_IE;
  return defaultNaN();
}

export function arithLane(op: ArithOp, a: Fp, b: Fp, e: SseEnv, t: RoundTarget): Fp {
  if (a.k === Kind.NaN || b.k === Kind.NaN) return propagateNaN(a, b);
  const f0 = sf.flags;
  a = operand(a, e);
  b = operand(b, e);
  const s = a.s ^ b.s;
  switch (op) {
    case ArithOp.Add:
    case ArithOp.Sub: {
      const bs = op === ArithOp.Sub ? b.s ^ 1 : b.s;
      if (a.k === Kind.Inf || b.k === Kind.Inf) {
        if (a.k === Kind.Inf && b.k === Kind.Inf && a.s !== bs) return invalid(f0);
        return a.k === Kind.Inf ? a : inf(bs);
      }
      return addCore(a, b, op === ArithOp.Sub, t, e.rc, e.ro);
    }
    case ArithOp.Mul:
      if (a.k === Kind.Inf || b.k === Kind.Inf) {
        if (a.k === Kind.Zero || b.k === Kind.Zero) return invalid(f0);
        return inf(s);
      }
      return mulCore(a, b, t, e.rc, e.ro);
    case ArithOp.Div:
      if (a.k === Kind.Inf) return b.k === Kind.Inf ? invalid(f0) : inf(s);
      if (b.k === Kind.Inf) return zero(s);
      if (b.k === Kind.Zero) {
        if (a.k === Kind.Zero) return invalid(f0);
        sf.flags = f0 | FLAG_ZE;
        return inf(s);
      }
      return divCore(a, b, t, e.rc, e.ro);
  }
}

export function sqrtLane(_a: Fp, b: Fp, e: SseEnv, t: RoundTarget): Fp {
  if (b.k === Kind.NaN) return propagateNaN(b, b);
  const f0 = sf.flags;
  b = operand(b, e);
  if (b.k === Kind.Zero) return b;
  if (b.s) return invalid(f0);
  if (b.k === Kind.Inf) return b;
  return sqrtCore(b, t, e.rc, e.ro);
}

function minMaxLane(isMax: boolean, a: Fp, b: Fp, e: SseEnv): Fp {
  if (a.k === Kind.NaN || b.k === Kind.NaN) {
    sf.flags |= FLAG_IE;
    return b.den && e.daz ? zero(b.s) : b;
  }
  a = operand(a, e);
  b = operand(b, e);
  const c = cmpCore(a, b);
  if (isMax) return c > 0 ? a : b;
  return c < 0 ? a : b;
}

const out = new Uint32Array(4);

function load(st: FpuState, x: number, lane: number, dbl: boolean): Fp {
  const u = st.u32;
  return dbl ? decodeF64(u[x * 4 + lane * 2], u[x * 4 + lane * 2 + 1]) : decodeF32(u[x * 4 + lane]);
}

function put(lane: number, dbl: boolean, v: Fp): void {
  if (dbl) {
    const b = encodeF64(v);
    out[lane * 2] = f64Lo(b);
    out[lane * 2 + 1] = f64Hi(b);
  } else {
    out[lane] = encodeF32(v);
  }
}

/** Generic lane loop: d = fn(d, s) on 1 (scalar), 2 (pd) or 4 (ps) lanes. */
function lanes(st: FpuState, d: number, s: number, dbl: boolean, scalar: boolean, fn: LaneFn): number {
  const e = begin(st);
  const u = st.u32;
  for (let i = 0; i < 4; i++) out[i] = u[d * 4 + i];
  const n = scalar ? 1 : dbl ? 2 : 4;
  const t = dbl ? T_F64 : T_F32;
  for (let i = 0; i < n; i++) put(i, dbl, fn(load(st, d, i, dbl), load(st, s, i, dbl), e, t));
  const f = finish(st, e);
  if (f !== 0) return f;
  u.set(out, d * 4);
  return 0;
}

function arith(op: ArithOp, st: FpuState, d: number, s: number, dbl: boolean, scalar: boolean): number {
  if (fastBinary(op, st, d, s, dbl, scalar)) return 0;
  return lanes(st, d, s, dbl, scalar, (a, b, e, t) => arithLane(op, a, b, e, t));
}

export const addps = (st: FpuState, d: number, s: number): number =>
  arith(ArithOp.Add, st, d, s, false, false);
export const addss = (st: FpuState, d: number, s: number): number =>
  arith(ArithOp.Add, st, d, s, false, true);
export const addpd = (st: FpuState, d: number, s: number): number =>
  arith(ArithOp.Add, st, d, s, true, false);
export const addsd = (st: FpuState, d: number, s: number): number => arith(ArithOp.Add, st, d, s, true, true);
export const subps = (st: FpuState, d: number, s: number): number =>
  arith(ArithOp.Sub, st, d, s, false, false);
export const subss = (st: FpuState, d: number, s: number): number =>
  arith(ArithOp.Sub, st, d, s, false, true);
export const subpd = (st: FpuState, d: number, s: number): number =>
  arith(ArithOp.Sub, st, d, s, true, false);
export const subsd = (st: FpuState, d: number, s: number): number => arith(ArithOp.Sub, st, d, s, true, true);
export const mulps = (st: FpuState, d: number, s: number): number =>
  arith(ArithOp.Mul, st, d, s, false, false);
export const mulss = (st: FpuState, d: number, s: number): number =>
  arith(ArithOp.Mul, st, d, s, false, true);
export const mulpd = (st: FpuState, d: number, s: number): number =>
  arith(ArithOp.Mul, st, d, s, true, false);
export const mulsd = (st: FpuState, d: number, s: number): number => arith(ArithOp.Mul, st, d, s, true, true);
export const divps = (st: FpuState, d: number, s: number): number =>
  arith(ArithOp.Div, st, d, s, false, false);
export const divss = (st: FpuState, d: number, s: number): number =>
  arith(ArithOp.Div, st, d, s, false, true);
export const divpd = (st: FpuState, d: number, s: number): number =>
  arith(ArithOp.Div, st, d, s, true, false);
export const divsd = (st: FpuState, d: number, s: number): number => arith(ArithOp.Div, st, d, s, true, true);

function sqrt(st: FpuState, d: number, s: number, dbl: boolean, scalar: boolean): number {
  if (fastBinary(FAST_SQRT, st, d, s, dbl, scalar)) return 0;
  return lanes(st, d, s, dbl, scalar, sqrtLane);
}
export const sqrtps = (st: FpuState, d: number, s: number): number => sqrt(st, d, s, false, false);
export const sqrtss = (st: FpuState, d: number, s: number): number => sqrt(st, d, s, false, true);
export const sqrtpd = (st: FpuState, d: number, s: number): number => sqrt(st, d, s, true, false);
export const sqrtsd = (st: FpuState, d: number, s: number): number => sqrt(st, d, s, true, true);

const minL: LaneFn = (a, b, e) => minMaxLane(false, a, b, e);
const maxL: LaneFn = (a, b, e) => minMaxLane(true, a, b, e);
export const minps = (st: FpuState, d: number, s: number): number => lanes(st, d, s, false, false, minL);
export const minss = (st: FpuState, d: number, s: number): number => lanes(st, d, s, false, true, minL);
export const minpd = (st: FpuState, d: number, s: number): number => lanes(st, d, s, true, false, minL);
export const minsd = (st: FpuState, d: number, s: number): number => lanes(st, d, s, true, true, minL);
export const maxps = (st: FpuState, d: number, s: number): number => lanes(st, d, s, false, false, maxL);
export const maxss = (st: FpuState, d: number, s: number): number => lanes(st, d, s, false, true, maxL);
export const maxpd = (st: FpuState, d: number, s: number): number => lanes(st, d, s, true, false, maxL);
export const maxsd = (st: FpuState, d: number, s: number): number => lanes(st, d, s, true, true, maxL);

// ---------------------------------------------------------------- compares

/**
 * CMPxx predicate (imm8[2:0]; legacy-SSE encodings ignore imm8[7:3]): returns true for an all-ones
 * lane. EQ/UNORD/NEQ/ORD are quiet (only SNaN raises #I), LT/LE/NLT/NLE signal on any NaN.
 */
export function cmpLane(pred: number, a: Fp, b: Fp, e: SseEnv): boolean {
  const p = pred & 7;
  if (a.k === Kind.NaN || b.k === Kind.NaN) {
    const signaling = p === 1 || p === 2 || p === 5 || p === 6;
    if (signaling || isSNaN(a) || isSNaN(b)) sf.flags |= FLAG_IE;
    return p >= 3 && p <= 6;
  }
  a = operand(a, e);
  b = operand(b, e);
  const c = cmpCore(a, b);
  switch (p) {
    case 0:
      return c === 0;
    case 1:
      return c < 0;
    case 2:
      return c <= 0;
    case 3:
      return false;
    case 4:
      return c !== 0;
    case 5:
      return c >= 0;
    case 6:
      return c > 0;
    default:
      return true;
  }
}

function cmp(st: FpuState, d: number, s: number, imm: number, dbl: boolean, scalar: boolean): number {
  const e = begin(st);
  const u = st.u32;
  for (let i = 0; i < 4; i++) out[i] = u[d * 4 + i];
  const n = scalar ? 1 : dbl ? 2 : 4;
  for (let i = 0; i < n; i++) {
    const r = cmpLane(imm, load(st, d, i, dbl), load(st, s, i, dbl), e) ? 0xffffffff : 0;
    if (dbl) {
      out[i * 2] = r;
      out[i * 2 + 1] = r;
    } else {
      out[i] = r;
    }
  }
  const f = finish(st, e);
  if (f !== 0) return f;
  u.set(out, d * 4);
  return 0;
}

export const cmpps = (st: FpuState, d: number, s: number, imm: number): number =>
  cmp(st, d, s, imm, false, false);
export const cmpss = (st: FpuState, d: number, s: number, imm: number): number =>
  cmp(st, d, s, imm, false, true);
export const cmppd = (st: FpuState, d: number, s: number, imm: number): number =>
  cmp(st, d, s, imm, true, false);
export const cmpsd = (st: FpuState, d: number, s: number, imm: number): number =>
  cmp(st, d, s, imm, true, true);

export const EFLAGS_CF = 0x01;
export const EFLAGS_PF = 0x04;
export const EFLAGS_ZF = 0x40;

/** Result of the last (U)COMIS: the ZF/PF/CF bits to install (OF, SF, AF are cleared). */
export const comiOut = { eflags: 0 };

function comi(st: FpuState, d: number, s: number, dbl: boolean, quietCmp: boolean): number {
  const e = begin(st);
  let a = load(st, d, 0, dbl);
  let b = load(st, s, 0, dbl);
  let fl: number;
  if (a.k === Kind.NaN || b.k === Kind.NaN) {
    if (!quietCmp || isSNaN(a) || isSNaN(b)) sf.flags |= FLAG_IE;
    fl = EFLAGS_ZF | EFLAGS_PF | EFLAGS_CF;
  } else {
    a = operand(a, e);
    b = operand(b, e);
    const c = cmpCore(a, b);
    fl = c === 0 ? EFLAGS_ZF : c < 0 ? EFLAGS_CF : 0;
  }
  const f = finish(st, e);
  if (f !== 0) return f;
  comiOut.eflags = fl;
  return 0;
}

/** COMISS/COMISD/UCOMISS/UCOMISD: on success (0) the flags are in {@link comiOut}. */
export const comiss = (st: FpuState, d: number, s: number): number => comi(st, d, s, false, false);
export const comisd = (st: FpuState, d: number, s: number): number => comi(st, d, s, true, false);
export const ucomiss = (st: FpuState, d: number, s: number): number => comi(st, d, s, false, true);
export const ucomisd = (st: FpuState, d: number, s: number): number => comi(st, d, s, true, true);
