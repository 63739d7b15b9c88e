/**
 * Fast path for SSE add/sub/mul/div/sqrt: host IEEE double arithmetic when that is provably the
 * correctly rounded result and the exception flags are cheap to derive.
 *
 * Taken only when MXCSR.RC = nearest and every lane's inputs are zero or normal (no denormal, Inf,
 * NaN) and every lane's result is zero-exact or normal with margin (no overflow, no tiny result, so
 * DAZ/FZ/#O/#U cannot matter). Then:
 *  - binary64: the host result is correctly rounded; exactness (for #P) is decided with error-free
 *    transformations (TwoSum; Dekker's TwoProduct for mul, div remainder and sqrt residual), whose
 *    range preconditions are checked.
 *  - binary32: fround(double result) is the correctly rounded float for + - * / sqrt (53 >= 2*24+2),
 *    and exactness is checked in double, where float products are exact.
 * Otherwise (or if #P is unmasked) it returns false without touching the state, and the BigInt slow
 * path (softfloat/fp.ts) computes everything.
 */
import { FpuState } from '../fpu-state';

export const FAST_ADD = 0;
export const FAST_SUB = 1;
export const FAST_MUL = 2;
export const FAST_DIV = 3;
export const FAST_SQRT = 4;

const res64 = new Float64Array(2);
const res32 = new Float32Array(4);
const SPLIT = 134217729; // 2^27 + 1
const F64_MIN_SAFE = 2 ** -960;
const F64_MAX_SAFE = 2 ** 995;
const F32_MIN_SAFE = 2 ** -125;
let inexact = false;

/** Error of the product x*y against its rounded value p (Dekker). */
function twoProductErr(x: number, y: number, p: number): number {
  let t = SPLIT * x;
  const xh = t - (t - x);
  const xl = x - xh;
  t = SPLIT * y;
  const yh = t - (t - y);
  const yl = y - yh;
  return xh * yh - p + xh * yl + xl * yh + xl * yl;
}

function normal64(lo: number, hi: number): boolean {
  const ex = (hi >>> 20) & 0x7ff;
  return ex !== 0x7ff && (ex !== 0 || ((hi & 0x7fffffff) === 0 && lo === 0));
}

function lane64(op: number, a: number, b: number): number {
  let r: number;
  switch (op) {
    case FAST_ADD:
    case FAST_SUB: {
      if (op === FAST_SUB) b = -b;
      r = a + b;
      const bb = r - a;
      if (a - (r - bb) + (b - bb) !== 0) inexact = true;
      break;
    }
    case FAST_MUL: {
      r = a * b;
      if (a === 0 || b === 0) return r;
      if (Math.abs(r) < F64_MIN_SAFE || Math.abs(a) > F64_MAX_SAFE || Math.abs(b) > F64_MAX_SAFE) return NaN;
      if (twoProductErr(a, b, r) !== 0) inexact = true;
      break;
    }
    case FAST_DIV: {
      if (b === 0) return NaN;
      r = a / b;
      if (a === 0) return r;
      const ar = Math.abs(r);
      if (ar < F64_MIN_SAFE || ar > F64_MAX_SAFE || Math.abs(b) > F64_MAX_SAFE) return NaN;
      if (Math.abs(a) < F64_MIN_SAFE || Math.abs(a) > F64_MAX_SAFE) return NaN;
      const p = r * b;
      if (p !== a || twoProductErr(r, b, p) !== 0) inexact = true;
      break;
    }
    default: {
      if (b < 0 || b > F64_MAX_SAFE || (b !== 0 && b < F64_MIN_SAFE)) return NaN;
      r = Math.sqrt(b);
      if (b === 0) return r;
      const p = r * r;
      if (p !== b || twoProductErr(r, r, p) !== 0) inexact = true;
      return r;
    }
  }
  if (r !== 0 && !(Math.abs(r) >= 2 ** -1021 && Math.abs(r) < Infinity)) return NaN;
  return r;
}

function normal32(bits: number): boolean {
  const ex = (bits >>> 23) & 0xff;
  return ex !== 0xff && (ex !== 0 || (bits & 0x7fffffff) === 0);
}

function lane32(op: number, a: number, b: number): number {
  let f: number;
  switch (op) {
    case FAST_ADD:
    case FAST_SUB: {
      if (op === FAST_SUB) b = -b;
      const r = a + b;
      const bb = r - a;
      f = Math.fround(r);
      if (f !== r || a - (r - bb) + (b - bb) !== 0) inexact = true;
      break;
    }
    case FAST_MUL: {
      const r = a * b;
      f = Math.fround(r);
      if (f !== r) inexact = true;
      if (r !== 0 && f === 0) return NaN;
      break;
    }
    case FAST_DIV:
      if (b === 0) return NaN;
      f = Math.fround(a / b);
      if (f === 0 && a !== 0) return NaN;
      if (f * b !== a) inexact = true;
      break;
    default:
      if (b < 0) return NaN;
      f = Math.fround(Math.sqrt(b));
      if (f * f !== b) inexact = true;
  }
  if (f !== 0 && !(Math.abs(f) >= F32_MIN_SAFE && Math.abs(f) < Infinity)) return NaN;
  return f;
}

/** Try the fast path; true when it fully executed the instruction. */
export function fastBinary(
  op: number,
  st: FpuState,
  d: number,
  s: number,
  dbl: boolean,
  scalar: boolean,
): boolean {
  const mx = st.mxcsr;
  if ((mx & 0x6000) !== 0) return false;
  const u = st.u32;
  inexact = false;
  if (dbl) {
    const n = scalar ? 1 : 2;
    for (let i = 0; i < n; i++) {
      if (op !== FAST_SQRT && !normal64(u[d * 4 + i * 2], u[d * 4 + i * 2 + 1])) return false;
      if (!normal64(u[s * 4 + i * 2], u[s * 4 + i * 2 + 1])) return false;
      const r = lane64(op, st.f64[d * 2 + i], st.f64[s * 2 + i]);
      if (r !== r) return false;
      res64[i] = r;
    }
    if (inexact && (mx & (1 << 12)) === 0) return false;
    for (let i = 0; i < n; i++) st.f64[d * 2 + i] = res64[i];
  } else {
    const n = scalar ? 1 : 4;
    for (let i = 0; i < n; i++) {
      if ((op !== FAST_SQRT && !normal32(u[d * 4 + i])) || !normal32(u[s * 4 + i])) return false;
      const r = lane32(op, st.f32[d * 4 + i], st.f32[s * 4 + i]);
      if (r !== r) return false;
      res32[i] = r;
    }
    if (inexact && (mx & (1 << 12)) === 0) return false;
    for (let i = 0; i < n; i++) st.f32[d * 4 + i] = res32[i];
  }
  if (inexact) st.mxcsr = mx | 0x20;
  return true;
}
