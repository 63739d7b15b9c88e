/**
 * x87 value-level rules shared by the arithmetic, load/store and compare instructions: NaN
 * propagation, operand validation (#IA for unsupported encodings and SNaNs, #D for denormals) and
 * rounding with the masked/unmasked overflow and underflow responses.
 */
import {
  FLAG_DE,
  FLAG_IE,
  FLAG_OE,
  FLAG_UE,
  Fp,
  isSNaN,
  Kind,
  quiet,
  Rc,
  RoundOpts,
  RoundTarget,
  sf,
  defaultNaN,
} from '../softfloat/fp';
import { F80Decoded } from '../softfloat/formats';
import { FpuState } from '../fpu-state';
import { masked, pcTarget, rcOf } from './x87-stack';

/** Exponent bias adjustment applied to the delivered result of an unmasked #O / #U (SDM 8.5.4). */
export const X87_BIAS_ADJUST = 24576;

/**
 * NaN propagation for two x87 operands (SDM vol. 1, table 4-7, x87 column): an SNaN raises #I; an
 * SNaN and a QNaN give the QNaN; two NaNs of the same kind give the larger significand (ties: the
 * one with the smaller sign/exponent word, i.e. the positive one, else the first); results are quiet.
 */
export function propagateNaN2(a: Fp, b: Fp): Fp {
  const sa = isSNaN(a);
  const sb = isSNaN(b);
  if (sa || sb) sf.flags |= FLAG_IE;
  if (a.k !== Kind.NaN) return quiet(b);
  if (b.k !== Kind.NaN) return quiet(a);
  if (sa !== sb) return quiet(sa ? b : a);
  const ma = a.m & ((1n << 63n) - 1n);
  const mb = b.m & ((1n << 63n) - 1n);
  if (ma !== mb) return quiet(ma > mb ? a : b);
  return quiet(a.s <= b.s ? a : b);
}

/** Invalid-operation result; a denormal operand of an invalid operation does not also raise #D. */
export function invalidResult(): Fp {
  sf.flags = (sf.flags & ~FLAG_DE) | FLAG_IE;
  return defaultNaN();
}

/**
 * Pre-checks for a two-operand arithmetic instruction. Returns a final result for unsupported / NaN
 * operands, or null when the caller should compute. Flags #D for denormal operands.
 */
export function screen2(x: F80Decoded, y: F80Decoded): Fp | null {
  if (x.unsupported || y.unsupported) return invalidResult();
  if (x.v.k === Kind.NaN || y.v.k === Kind.NaN) return propagateNaN2(x.v, y.v);
  if (x.v.den || y.v.den) sf.flags |= FLAG_DE;
  return null;
}

export function screen1(x: F80Decoded): Fp | null {
  if (x.unsupported) return invalidResult();
  if (x.v.k === Kind.NaN) return propagateNaN2(x.v, x.v);
  if (x.v.den) sf.flags |= FLAG_DE;
  return null;
}

/** True when the flags raised so far include an unmasked pre-computation exception (#I #D #Z). */
export function preUnmasked(st: FpuState): boolean {
  return (sf.flags & ~st.fcw & (FLAG_IE | FLAG_DE | 0x04)) !== 0;
}

export type Rounder = (t: RoundTarget, rc: Rc, o: RoundOpts) => Fp;

/**
 * Run an exact computation that rounds once (softfloat *Core) under FCW, implementing the unmasked
 * #O/#U response: the result is rounded with an unbounded exponent and re-biased by 2^-+24576.
 */
export function x87Round(st: FpuState, compute: Rounder, t: RoundTarget = pcTarget(st)): Fp {
  const rc = rcOf(st);
  const ueMasked = masked(st, FLAG_UE);
  const before = sf.flags;
  const r = compute(t, rc, { ftz: false, ueMasked, unbounded: false });
  const oe = (sf.flags & FLAG_OE) !== 0 && !masked(st, FLAG_OE);
  const ue = sf.tiny && !ueMasked;
  if (!oe && !ue) return r;
  sf.flags = before;
  const u = compute(t, rc, { ftz: false, ueMasked, unbounded: true });
  if (u.k !== Kind.Finite) return u;
  sf.flags |= oe ? FLAG_OE : FLAG_UE;
  return { ...u, e: u.e + (oe ? -X87_BIAS_ADJUST : X87_BIAS_ADJUST) };
}
