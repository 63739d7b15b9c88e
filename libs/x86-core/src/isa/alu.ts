/**
 * Shared ALU helpers: the eight classic binary operations for every width, inc/dec/neg, with lazy
 * flags. `op` is the ALU index used by the encoding (opcode bits 5:3 or ModRM.reg of group 1).
 */
import {
  getCF,
  LF_ADC,
  LF_ADD,
  LF_LOGIC,
  LF_SBB,
  LF_SUB,
  materializeCF,
  setLazy,
  setLazy64,
} from '../state/flags';
import { F_ARITH, F_CF, LF_MASK, LF_RES } from '../state/layout';

export const ALU_ADD = 0;
export const ALU_OR = 1;
export const ALU_ADC = 2;
export const ALU_SBB = 3;
export const ALU_AND = 4;
export const ALU_SUB = 5;
export const ALU_XOR = 6;
export const ALU_CMP = 7;

export const ALU_NAMES = ['add', 'or', 'adc', 'sbb', 'and', 'sub', 'xor', 'cmp'];

/** 32-bit ALU op; returns the result (for CMP the result is computed but not meant to be stored). */
export function alu32(s: Int32Array, op: number, a: number, b: number): number {
  let r: number;
  switch (op) {
    case ALU_ADD:
      r = (a + b) | 0;
      setLazy(s, LF_ADD, 32, r, a, b);
      return r;
    case ALU_OR:
      r = a | b;
      break;
    case ALU_ADC: {
      const c = getCF(s);
      r = (a + b + c) | 0;
      setLazy(s, c !== 0 ? LF_ADC : LF_ADD, 32, r, a, b);
      return r;
    }
    case ALU_SBB: {
      const c = getCF(s);
      r = (a - b - c) | 0;
      setLazy(s, c !== 0 ? LF_SBB : LF_SUB, 32, r, a, b);
      return r;
    }
    case ALU_AND:
      r = a & b;
      break;
    case ALU_XOR:
      r = a ^ b;
      break;
    default:
      r = (a - b) | 0;
      setLazy(s, LF_SUB, 32, r, a, b);
      return r;
  }
  setLazy(s, LF_LOGIC, 32, r, a, b);
  return r;
}

/** 8/16-bit ALU op on zero-extended values; returns the masked result. */
export function aluSmall(s: Int32Array, op: number, bits: number, a: number, b: number): number {
  const m = bits === 8 ? 0xff : 0xffff;
  a &= m;
  b &= m;
  let r: number;
  let lop = LF_LOGIC;
  switch (op) {
    case ALU_ADD:
      r = a + b;
      lop = LF_ADD;
      break;
    case ALU_OR:
      r = a | b;
      break;
    case ALU_ADC: {
      const c = getCF(s);
      r = a + b + c;
      lop = c !== 0 ? LF_ADC : LF_ADD;
      break;
    }
    case ALU_SBB: {
      const c = getCF(s);
      r = a - b - c;
      lop = c !== 0 ? LF_SBB : LF_SUB;
      break;
    }
    case ALU_AND:
      r = a & b;
      break;
    case ALU_XOR:
      r = a ^ b;
      break;
    default:
      r = a - b;
      lop = LF_SUB;
      break;
  }
  r &= m;
  setLazy(s, lop, bits, r, a, b);
  return r;
}

/** 64-bit ALU op; returns the low word, high word in s[LF_RES + 1]. */
export function alu64(s: Int32Array, op: number, al: number, ah: number, bl: number, bh: number): number {
  let rl: number;
  let rh: number;
  let lop: number;
  switch (op) {
    case ALU_ADD: {
      const sum = (al >>> 0) + (bl >>> 0);
      rl = sum | 0;
      rh = (ah + bh + (sum > 0xffffffff ? 1 : 0)) | 0;
      lop = LF_ADD;
      break;
    }
    case ALU_OR:
      rl = al | bl;
      rh = ah | bh;
      lop = LF_LOGIC;
      break;
    case ALU_ADC: {
      const c = getCF(s);
      const sum = (al >>> 0) + (bl >>> 0) + c;
      rl = sum | 0;
      rh = (ah + bh + (sum > 0xffffffff ? 1 : 0)) | 0;
      lop = c !== 0 ? LF_ADC : LF_ADD;
      break;
    }
    case ALU_SBB: {
      const c = getCF(s);
      const d = (al >>> 0) - (bl >>> 0) - c;
      rl = d | 0;
      rh = (ah - bh - (d < 0 ? 1 : 0)) | 0;
      lop = c !== 0 ? LF_SBB : LF_SUB;
      break;
    }
    case ALU_AND:
      rl = al & bl;
      rh = ah & bh;
      lop = LF_LOGIC;
      break;
    case ALU_XOR:
      rl = al ^ bl;
      rh = ah ^ bh;
      lop = LF_LOGIC;
      break;
    default: {
      const d = (al >>> 0) - (bl >>> 0);
      rl = d | 0;
      rh = (ah - bh - (d < 0 ? 1 : 0)) | 0;
      lop = LF_SUB;
      break;
    }
  }
  setLazy64(s, lop, rl, rh, al, ah, bl, bh);
  return rl;
}

/** High word of the last alu64/inc64/neg64 result. */
export function resHi(s: Int32Array): number {
  return s[LF_RES + 1];
}

/** Generic ALU on `os` bytes; returns the low word (64-bit: hi via resHi). */
export function aluOs(
  s: Int32Array,
  op: number,
  os: number,
  al: number,
  ah: number,
  bl: number,
  bh: number,
): number {
  if (os === 4) return alu32(s, op, al, bl);
  if (os === 8) return alu64(s, op, al, ah, bl, bh);
  return aluSmall(s, op, os * 8, al, bl);
}

/** INC/DEC (dec = 1): CF preserved. Returns the low word (64-bit: hi via resHi). */
export function incDec(s: Int32Array, dec: number, os: number, al: number, ah: number): number {
  materializeCF(s);
  let r: number;
  if (os === 8) {
    r = dec !== 0 ? alu64(s, ALU_SUB, al, ah, 1, 0) : alu64(s, ALU_ADD, al, ah, 1, 0);
  } else if (os === 4) {
    r = dec !== 0 ? (al - 1) | 0 : (al + 1) | 0;
    setLazy(s, dec !== 0 ? LF_SUB : LF_ADD, 32, r, al, 1);
  } else {
    r = aluSmall(s, dec !== 0 ? ALU_SUB : ALU_ADD, os * 8, al, 1);
  }
  s[LF_MASK] = F_ARITH & ~F_CF;
  return r;
}

/** NEG: 0 - x with SUB flags (CF = x != 0). */
export function neg(s: Int32Array, os: number, al: number, ah: number): number {
  if (os === 8) return alu64(s, ALU_SUB, 0, 0, al, ah);
  if (os === 4) return alu32(s, ALU_SUB, 0, al);
  return aluSmall(s, ALU_SUB, os * 8, 0, al);
}
