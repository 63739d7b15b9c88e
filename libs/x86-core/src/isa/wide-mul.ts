/**
 * 64 × 64 → 128-bit products on int32 words, without BigInt.
 *
 * MUL/IMUL r64 are hot in compiled code (hashes, division by constants through reciprocal
 * multiplication, the kernel's mult/shift time conversions); BigInt made each one allocate and cost
 * ~20× an integer multiply. Four 32 × 32 partial products are summed in doubles, which hold every
 * intermediate exactly (each sum stays below 2^34).
 */

const TWO32 = 4294967296;

/** The product's words, least significant first: WIDE[0..1] the low 64 bits, WIDE[2..3] the high. */
export const WIDE = new Int32Array(4);

/** Unsigned 32 × 32 → 64 as [lo, hi] words into WIDE[at], WIDE[at+1] (unsigned doubles in, words out). */
function mul32Into(at: number, a: number, b: number): void {
  const a0 = a & 0xffff;
  const a1 = a >>> 16;
  const b0 = b & 0xffff;
  const b1 = b >>> 16;
  const p00 = a0 * b0;
  const mid = (p00 >>> 16) + a0 * b1 + a1 * b0; // < 2^33 + 2^16: exact
  const lo = ((mid % 65536) * 65536 + (p00 & 0xffff)) >>> 0;
  const hi = a1 * b1 + Math.floor(mid / 65536);
  WIDE[at] = lo;
  WIDE[at + 1] = hi;
}

/**
 * Full product of two 64-bit values given as (lo, hi) int32 words, into WIDE. `signed` treats both as
 * two's complement (IMUL); otherwise unsigned (MUL). The low 64 bits are the same either way.
 */
export function mul64x64(al: number, ah: number, bl: number, bh: number, signed: boolean): void {
  mul32Into(0, al, bl);
  const w0 = WIDE[0];
  const p0h = WIDE[1] >>> 0;
  mul32Into(0, al, bh);
  const p1l = WIDE[0] >>> 0;
  const p1h = WIDE[1] >>> 0;
  mul32Into(0, ah, bl);
  const p2l = WIDE[0] >>> 0;
  const p2h = WIDE[1] >>> 0;
  mul32Into(0, ah, bh);
  const p3l = WIDE[0] >>> 0;
  const p3h = WIDE[1] >>> 0;
  const t1 = p0h + p1l + p2l;
  const c1 = Math.floor(t1 / TWO32);
  const t2 = p1h + p2h + p3l + c1;
  const c2 = Math.floor(t2 / TWO32);
  let w2 = t2 % TWO32;
  let w3 = (p3h + c2) % TWO32;
  if (signed) {
    // (a − 2^64·[a<0])(b − 2^64·[b<0]) ≡ a·b − 2^64·(b·[a<0] + a·[b<0])  (mod 2^128)
    if (ah < 0) {
      const lo = w2 - (bl >>> 0);
      w2 = lo < 0 ? lo + TWO32 : lo;
      w3 = w3 - (bh >>> 0) - (lo < 0 ? 1 : 0);
      if (w3 < 0) w3 += TWO32;
    }
    if (bh < 0) {
      const lo = w2 - (al >>> 0);
      w2 = lo < 0 ? lo + TWO32 : lo;
      w3 = w3 - (ah >>> 0) - (lo < 0 ? 1 : 0);
      if (w3 < 0) w3 += TWO32;
    }
  }
  WIDE[0] = w0;
  WIDE[1] = t1 % TWO32;
  WIDE[2] = w2;
  WIDE[3] = w3;
}

/** Signed 32 × 32 → 64 into WIDE[0] (lo) and WIDE[1] (hi). */
export function imul32x32(a: number, b: number): void {
  mul32Into(0, a, b);
  let hi = WIDE[1];
  if (a < 0) hi -= b;
  if (b < 0) hi -= a;
  WIDE[1] = hi;
}
