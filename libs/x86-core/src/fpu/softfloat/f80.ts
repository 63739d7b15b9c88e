/**
 * Conversions between the m80 (x87 extended) format and JS numbers, for embedders and debuggers.
 * m80 → number rounds to nearest (ties to even), overflowing to ±Infinity and underflowing through
 * binary64 subnormals; NaNs become NaN. number → m80 is exact. The FPU itself never goes through
 * these: registers keep the 80-bit encoding and arithmetic is exact (fp.ts).
 */
import { Kind, Rc, roundTo, T_F64 } from './fp';
import { decodeF80, encodeF80, F80Bits, fromNumber, toNumber } from './formats';

export function f80ToNumber(se: number, lo: number, hi: number): number {
  const d = decodeF80(se, lo, hi);
  if (d.unsupported || d.v.k === Kind.NaN) return NaN;
  return toNumber(roundTo(d.v, T_F64, Rc.Nearest));
}

export function numberToF80(x: number): F80Bits {
  return encodeF80(fromNumber(x));
}
