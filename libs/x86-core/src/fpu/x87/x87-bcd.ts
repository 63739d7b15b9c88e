/**
 * FBLD / FBSTP: the x87 80-bit packed BCD format. Bytes 0–8 hold 18 decimal digits, two per byte,
 * least significant first (low nibble = lower digit); bit 7 of byte 9 is the sign, bits 0–6 of
 * byte 9 are ignored on load and zero on store.
 *
 * Memory travels as in the other x87 loads and stores: lo/hi dwords for bytes 0–7 and a 16-bit word
 * for bytes 8–9 (`se`), so the handlers reuse the m80 access paths.
 */
import { FLAG_IE, FLAG_PE, fromBigInt, Kind, sf, toIntegerBig, zero } from '../softfloat/fp';
import type { FpuState } from '../fpu-state';
import { memOut, pushConverted, storeSource } from './x87-ldst';
import { pop, raise, rcOf, setC1 } from './x87-stack';

/** 10^18: the first magnitude that 18 BCD digits cannot hold. */
const BCD_LIMIT = 10n ** 18n;

/**
 * FBLD m80bcd: exact conversion (at most 18 digits fit the 64-bit significand), -0 stays -0. A digit
 * above 9 is undefined in the SDM; it is taken at its binary weight here (what the digit loop gives).
 */
export function fbld(st: FpuState, se: number, lo: number, hi: number): void {
  let v = 0n;
  // most significant byte first: byte 8 is bits 0-7 of `se`, bytes 7..0 are hi then lo
  const bytes = [se & 0xff, hi >>> 24, (hi >>> 16) & 0xff, (hi >>> 8) & 0xff, hi & 0xff];
  bytes.push(lo >>> 24, (lo >>> 16) & 0xff, (lo >>> 8) & 0xff, lo & 0xff);
  for (const b of bytes) v = v * 100n + BigInt((b >>> 4) * 10 + (b & 0xf));
  const negative = (se & 0x8000) !== 0;
  pushConverted(st, v === 0n ? zero(negative ? 1 : 0) : fromBigInt(negative ? -v : v), false);
}

/**
 * FBSTP m80bcd: round ST(0) per FCW.RC, store, pop. NaN, infinity, an empty register or a rounded
 * magnitude of 10^18 or more is #IA; masked, it stores the packed BCD indefinite (FFFF C000 0000 0000
 * 0000). The sign byte follows the source sign, also when the value rounds to zero.
 * Returns whether memory is written (false when an unmasked exception suppresses the store).
 */
export function fbstp(st: FpuState): boolean {
  const src = storeSource(st);
  if (src === 'abort') return false;
  let q = 0n;
  let invalid = src === 'indef';
  let negative = false;
  if (src !== 'indef') {
    if (src.unsupported || src.v.k === Kind.NaN || src.v.k === Kind.Inf) {
      sf.flags |= FLAG_IE;
      invalid = true;
    } else {
      negative = src.v.s !== 0;
      q = toIntegerBig(src.v, rcOf(st));
      if (q <= -BCD_LIMIT || q >= BCD_LIMIT) {
        sf.flags = (sf.flags & ~FLAG_PE) | FLAG_IE;
        invalid = true;
      }
    }
  }
  setC1(st, (sf.flags & FLAG_PE) !== 0 && sf.up);
  if (raise(st, sf.flags) && (sf.flags & ~st.fcw & FLAG_IE) !== 0) return false;
  if (invalid) {
    memOut.lo = 0;
    memOut.hi = 0xc0000000 | 0;
    memOut.se = 0xffff;
  } else {
    let m = q < 0n ? -q : q;
    const digits = new Uint8Array(9);
    for (let k = 0; k < 9; k++) {
      const pair = Number(m % 100n);
      m /= 100n;
      digits[k] = (Math.floor(pair / 10) << 4) | (pair % 10);
    }
    memOut.lo = digits[0] | (digits[1] << 8) | (digits[2] << 16) | (digits[3] << 24) | 0;
    memOut.hi = digits[4] | (digits[5] << 8) | (digits[6] << 16) | (digits[7] << 24) | 0;
    memOut.se = digits[8] | (negative ? 0x8000 : 0);
  }
  pop(st);
  return true;
}
