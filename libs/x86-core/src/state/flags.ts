/**
 * Lazy arithmetic flags. An instruction that sets flags records (operation, width, result, operands) in
 * the state buffer and marks the affected flags in LF_MASK; flags are computed only when read.
 *
 * Operands for widths 8/16 are stored zero-extended to their width; 32-bit values are stored as int32;
 * 64-bit values as (lo, hi) pairs.
 */
import {
  F_AF,
  F_ARITH,
  F_CF,
  F_OF,
  F_PF,
  F_SF,
  F_ZF,
  FLAGS,
  LF_A,
  LF_B,
  LF_BITS,
  LF_MASK,
  LF_OP,
  LF_RES,
} from './layout';

export const LF_ADD = 1;
/** add with carry-in 1 */
export const LF_ADC = 2;
export const LF_SUB = 3;
/** subtract with borrow-in 1 */
export const LF_SBB = 4;
/** result-only: CF = OF = AF = 0 (and/or/xor/test; shifts use it for SF ZF PF only) */
export const LF_LOGIC = 5;

export const PARITY = new Uint8Array(256);
for (let i = 0; i < 256; i++) {
  let b = i;
  b ^= b >> 4;
  b ^= b >> 2;
  b ^= b >> 1;
  PARITY[i] = (b & 1) === 0 ? F_PF : 0;
}

/** Record a lazy result for a 8/16/32-bit op (values already masked to `bits` for 8/16). */
export function setLazy(s: Int32Array, op: number, bits: number, r: number, a: number, b: number): void {
  s[LF_OP] = op;
  s[LF_BITS] = bits;
  s[LF_RES] = r;
  s[LF_A] = a;
  s[LF_B] = b;
  s[LF_MASK] = F_ARITH;
}

/** Record a lazy result for a 64-bit op. */
export function setLazy64(
  s: Int32Array,
  op: number,
  rl: number,
  rh: number,
  al: number,
  ah: number,
  bl: number,
  bh: number,
): void {
  s[LF_OP] = op;
  s[LF_BITS] = 64;
  s[LF_RES] = rl;
  s[LF_RES + 1] = rh;
  s[LF_A] = al;
  s[LF_A + 1] = ah;
  s[LF_B] = bl;
  s[LF_B + 1] = bh;
  s[LF_MASK] = F_ARITH;
}

/** Unsigned less-than on 64-bit pairs. */
function ult64(al: number, ah: number, bl: number, bh: number): boolean {
  return ah === bh ? al >>> 0 < bl >>> 0 : ah >>> 0 < bh >>> 0;
}

function lazyCF(s: Int32Array): number {
  const op = s[LF_OP];
  if (s[LF_BITS] !== 64) {
    const r = s[LF_RES] >>> 0;
    const a = s[LF_A] >>> 0;
    const b = s[LF_B] >>> 0;
    switch (op) {
      case LF_ADD:
        return r < a ? 1 : 0;
      case LF_ADC:
        return r <= a ? 1 : 0;
      case LF_SUB:
        return a < b ? 1 : 0;
      case LF_SBB:
        return a <= b ? 1 : 0;
      default:
        return 0;
    }
  }
  const rl = s[LF_RES];
  const rh = s[LF_RES + 1];
  const al = s[LF_A];
  const ah = s[LF_A + 1];
  const bl = s[LF_B];
  const bh = s[LF_B + 1];
  switch (op) {
    case LF_ADD:
      return ult64(rl, rh, al, ah) ? 1 : 0;
    case LF_ADC:
      return ult64(al, ah, rl, rh) ? 0 : 1;
    case LF_SUB:
      return ult64(al, ah, bl, bh) ? 1 : 0;
    case LF_SBB:
      return ult64(bl, bh, al, ah) ? 0 : 1;
    default:
      return 0;
  }
}

/** Sign bit (0/1) of the word holding bit `bits-1` of x. */
function signAt(bits: number, lo: number, hi: number): number {
  return bits === 64 ? hi >>> 31 : (lo >>> (bits - 1)) & 1;
}

function lazyOF(s: Int32Array): number {
  const op = s[LF_OP];
  const bits = s[LF_BITS];
  const w = bits === 64 ? 1 : 0;
  const r = s[LF_RES + w];
  const a = s[LF_A + w];
  const b = s[LF_B + w];
  let x: number;
  switch (op) {
    case LF_ADD:
    case LF_ADC:
      x = (a ^ r) & (b ^ r);
      break;
    case LF_SUB:
    case LF_SBB:
      x = (a ^ b) & (a ^ r);
      break;
    default:
      return 0;
  }
  return bits === 64 ? x >>> 31 : (x >>> (bits - 1)) & 1;
}

function lazyZF(s: Int32Array): number {
  if (s[LF_BITS] === 64) return (s[LF_RES] | s[LF_RES + 1]) === 0 ? 1 : 0;
  return s[LF_RES] === 0 ? 1 : 0;
}

function lazySF(s: Int32Array): number {
  return signAt(s[LF_BITS], s[LF_RES], s[LF_RES + 1]);
}

function lazyAF(s: Int32Array): number {
  if (s[LF_OP] === LF_LOGIC) return 0;
  return ((s[LF_A] ^ s[LF_B] ^ s[LF_RES]) >>> 4) & 1;
}

export function getCF(s: Int32Array): number {
  return (s[LF_MASK] & F_CF) !== 0 ? lazyCF(s) : s[FLAGS] & F_CF;
}
export function getZF(s: Int32Array): number {
  return (s[LF_MASK] & F_ZF) !== 0 ? lazyZF(s) : (s[FLAGS] >>> 6) & 1;
}
export function getSF(s: Int32Array): number {
  return (s[LF_MASK] & F_SF) !== 0 ? lazySF(s) : (s[FLAGS] >>> 7) & 1;
}
export function getOF(s: Int32Array): number {
  return (s[LF_MASK] & F_OF) !== 0 ? lazyOF(s) : (s[FLAGS] >>> 11) & 1;
}
export function getPF(s: Int32Array): number {
  return (s[LF_MASK] & F_PF) !== 0 ? PARITY[s[LF_RES] & 0xff] >>> 2 : (s[FLAGS] >>> 2) & 1;
}
export function getAF(s: Int32Array): number {
  return (s[LF_MASK] & F_AF) !== 0 ? lazyAF(s) : (s[FLAGS] >>> 4) & 1;
}

/** Full RFLAGS value (low 32 bits). */
export function getFlags(s: Int32Array): number {
  const mask = s[LF_MASK];
  let f = s[FLAGS];
  if (mask === 0) return f;
  f &= ~mask;
  if (mask & F_CF) f |= lazyCF(s);
  if (mask & F_PF) f |= PARITY[s[LF_RES] & 0xff];
  if (mask & F_AF) f |= lazyAF(s) << 4;
  if (mask & F_ZF) f |= lazyZF(s) << 6;
  if (mask & F_SF) f |= lazySF(s) << 7;
  if (mask & F_OF) f |= lazyOF(s) << 11;
  return f;
}

/** Materialise all flags into FLAGS (clearing the lazy mask). */
export function materialize(s: Int32Array): void {
  if (s[LF_MASK] !== 0) {
    s[FLAGS] = getFlags(s);
    s[LF_MASK] = 0;
  }
}

/** Materialise only CF, leaving the other lazy flags (used by inc/dec which preserve CF). */
export function materializeCF(s: Int32Array): void {
  if ((s[LF_MASK] & F_CF) !== 0) {
    s[FLAGS] = (s[FLAGS] & ~F_CF) | lazyCF(s);
    s[LF_MASK] &= ~F_CF;
  }
}

/**
 * Set the six arithmetic flags eagerly. `f` holds the new values at their RFLAGS positions; bits of
 * F_ARITH not in `which` keep their current value.
 */
export function setArith(s: Int32Array, which: number, f: number): void {
  materialize(s);
  s[FLAGS] = (s[FLAGS] & ~which) | (f & which);
}

/** Condition code evaluation (cc = low 4 bits of Jcc/SETcc/CMOVcc opcodes). */
export function cond(s: Int32Array, cc: number): boolean {
  if (s[LF_MASK] === F_ARITH) {
    const op = s[LF_OP];
    const bits = s[LF_BITS];
    if (op === LF_SUB && bits === 32) {
      const a = s[LF_A];
      const b = s[LF_B];
      switch (cc) {
        case 2:
          return a >>> 0 < b >>> 0;
        case 3:
          return a >>> 0 >= b >>> 0;
        case 4:
          return a === b;
        case 5:
          return a !== b;
        case 6:
          return a >>> 0 <= b >>> 0;
        case 7:
          return a >>> 0 > b >>> 0;
        case 12:
          return a < b;
        case 13:
          return a >= b;
        case 14:
          return a <= b;
        case 15:
          return a > b;
      }
    } else if (op === LF_LOGIC) {
      const r = bits === 64 ? s[LF_RES + 1] : bits === 32 ? s[LF_RES] : (s[LF_RES] << (32 - bits)) | 0;
      const z = bits === 64 ? (s[LF_RES] | s[LF_RES + 1]) === 0 : s[LF_RES] === 0;
      switch (cc) {
        case 2:
          return false;
        case 3:
          return true;
        case 4:
          return z;
        case 5:
          return !z;
        case 6:
          return z;
        case 7:
          return !z;
        case 8:
        case 12:
          return r < 0;
        case 9:
        case 13:
          return r >= 0;
        case 14:
          return z || r < 0;
        case 15:
          return !z && r >= 0;
      }
    } else if (op === LF_SUB && bits === 64) {
      const al = s[LF_A];
      const ah = s[LF_A + 1];
      const bl = s[LF_B];
      const bh = s[LF_B + 1];
      switch (cc) {
        case 2:
          return ult64(al, ah, bl, bh);
        case 3:
          return !ult64(al, ah, bl, bh);
        case 4:
          return al === bl && ah === bh;
        case 5:
          return al !== bl || ah !== bh;
        case 6:
          return !ult64(bl, bh, al, ah);
        case 7:
          return ult64(bl, bh, al, ah);
        case 12:
          return ah === bh ? al >>> 0 < bl >>> 0 : ah < bh;
        case 13:
          return ah === bh ? al >>> 0 >= bl >>> 0 : ah > bh;
        case 14:
          return ah === bh ? al >>> 0 <= bl >>> 0 : ah < bh;
        case 15:
          return ah === bh ? al >>> 0 > bl >>> 0 : ah > bh;
      }
    }
  }
  return condSlow(s, cc);
}

function condSlow(s: Int32Array, cc: number): boolean {
  let r: boolean;
  switch (cc >> 1) {
    case 0:
      r = getOF(s) !== 0;
      break;
    case 1:
      r = getCF(s) !== 0;
      break;
    case 2:
      r = getZF(s) !== 0;
      break;
    case 3:
      r = (getCF(s) | getZF(s)) !== 0;
      break;
    case 4:
      r = getSF(s) !== 0;
      break;
    case 5:
      r = getPF(s) !== 0;
      break;
    case 6:
      r = getSF(s) !== getOF(s);
      break;
    default:
      r = getZF(s) !== 0 || getSF(s) !== getOF(s);
      break;
  }
  return (cc & 1) !== 0 ? !r : r;
}
