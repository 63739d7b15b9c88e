/**
 * MUL / IMUL (one-, two- and three-operand forms) and DIV / IDIV with #DE.
 *
 * Flags: CF = OF = "the upper half is significant". SF/ZF/PF (architecturally undefined) are set from
 * the low half of the result and AF is cleared, as Bochs does. DIV/IDIV leave the flags unchanged.
 */
import type { Cpu } from '../cpu';
import type { Insn } from '../decoder/insn';
import { DE, FAULT } from '../state/cpu-state';
import { F_AF, F_CF, F_OF, F_PF, F_SF, F_ZF, FLAGS, LF_BITS, LF_MASK, LF_OP, LF_RES } from '../state/layout';
import { LF_LOGIC } from '../state/flags';
import { readE, setReg } from './operand';
import { imul32x32, mul64x64, WIDE } from './wide-mul';

function mulFlags(s: Int32Array, bits: number, lo: number, hi: number, ovf: boolean): void {
  s[LF_OP] = LF_LOGIC;
  s[LF_BITS] = bits;
  s[LF_RES] = bits === 8 ? lo & 0xff : bits === 16 ? lo & 0xffff : lo;
  s[LF_RES + 1] = hi;
  s[FLAGS] = (s[FLAGS] & ~(F_CF | F_OF | F_AF)) | (ovf ? F_CF | F_OF : 0);
  s[LF_MASK] = F_SF | F_ZF | F_PF;
}

/** Unsigned 32x32 → 64: returns lo, hi in c.rhi. */
export function mulu32(c: Cpu, a: number, b: number): number {
  const a0 = a & 0xffff;
  const a1 = a >>> 16;
  const b0 = b & 0xffff;
  const b1 = b >>> 16;
  const p00 = a0 * b0;
  const p01 = a0 * b1;
  const p10 = a1 * b0;
  const p11 = a1 * b1;
  const mid = (p00 >>> 16) + (p01 & 0xffff) + (p10 & 0xffff);
  c.rhi = (p11 + (p01 >>> 16) + (p10 >>> 16) + (mid >>> 16)) | 0;
  return (mid << 16) | (p00 & 0xffff) | 0;
}

const big = (lo: number, hi: number): bigint => (BigInt(hi) << 32n) | BigInt(lo >>> 0);
const M64 = (1n << 64n) - 1n;

/** Low 64 bits of a 64x64 product (lo; hi in c.rhi). */
export function mul64lo(c: Cpu, al: number, ah: number, bl: number, bh: number): number {
  const lo = mulu32(c, al, bl);
  c.rhi = (c.rhi + Math.imul(al, bh) + Math.imul(ah, bl)) | 0;
  return lo;
}

/** Signed product of `os`-byte operands, truncated to os; sets CF/OF. Returns lo (hi in c.rhi). */
function imulTrunc(c: Cpu, os: number, a: number, ah: number, b: number, bh: number): number {
  const s = c.s;
  if (os === 8) {
    const small = ah === a >> 31 && bh === b >> 31;
    if (small) {
      // |a|,|b| < 2^31: the product fits in 63 bits; no overflow
      const lo = mul64lo(c, a, ah, b, bh);
      mulFlags(s, 64, lo, c.rhi, false);
      return lo;
    }
    mul64x64(a, ah, b, bh, true);
    const lo = WIDE[0];
    const hi = WIDE[1];
    const sign = hi >> 31;
    mulFlags(s, 64, lo, hi, WIDE[2] !== sign || WIDE[3] !== sign);
    c.rhi = hi;
    return lo;
  }
  if (os === 4) {
    const p = a * b; // exact in double (|p| < 2^62 may lose bits), check via imul and range
    const lo = Math.imul(a, b);
    const ovf = p !== lo && (p > 2147483647 || p < -2147483648);
    mulFlags(s, 32, lo, 0, ovf);
    c.rhi = 0;
    return lo;
  }
  const bits = os * 8;
  const sa = bits === 8 ? (a << 24) >> 24 : (a << 16) >> 16;
  const sb = bits === 8 ? (b << 24) >> 24 : (b << 16) >> 16;
  const p = sa * sb;
  const t = bits === 8 ? (p << 24) >> 24 : (p << 16) >> 16;
  mulFlags(s, bits, p, 0, t !== p);
  c.rhi = 0;
  return p & (bits === 8 ? 0xff : 0xffff);
}

/** 0F AF: imul Gv, Ev */
export function op_0faf_imul_Gv_Ev(c: Cpu, i: Insn): number {
  const os = i.os;
  const b = readE(c, i, os);
  if (c.fault !== 0) return FAULT;
  const bh = os === 8 ? c.rhi : 0;
  const r = i.reg << 1;
  const v = imulTrunc(c, os, os === 2 ? c.s16[i.reg << 2] : c.s[r], c.s[r | 1], b, bh);
  setReg(c, os, i.reg, 0, v, c.rhi);
  return 0;
}
/** 69: imul Gv, Ev, Iz   6B: imul Gv, Ev, Ibs */
export function op_69_imul_Gv_Ev_Iz(c: Cpu, i: Insn): number {
  const os = i.os;
  const a = readE(c, i, os);
  if (c.fault !== 0) return FAULT;
  const ah = os === 8 ? c.rhi : 0;
  const v = imulTrunc(c, os, a, ah, i.immLo, i.immHi);
  setReg(c, os, i.reg, 0, v, c.rhi);
  return 0;
}

/** F6 /4 /5, F7 /4 /5: mul / imul E (one operand: double-width result in rDX:rAX / AX) */
export function op_f7_mul_Ev(c: Cpu, i: Insn): number {
  const s = c.s;
  const os = i.os;
  const signed = (i.reg & 7) === 5;
  const b = readE(c, i, os);
  if (c.fault !== 0) return FAULT;
  const bh = c.rhi;
  if (os === 1) {
    const a = c.s8[0];
    const p = signed ? ((a << 24) >> 24) * ((b << 24) >> 24) : a * b;
    c.s16[0] = p;
    mulFlags(s, 8, p, 0, signed ? p !== (p << 24) >> 24 : p >>> 8 !== 0);
    return 0;
  }
  if (os === 2) {
    const a = c.s16[0];
    const p = signed ? ((a << 16) >> 16) * ((b << 16) >> 16) : a * b;
    c.s16[0] = p;
    c.s16[2 << 2] = p >> 16;
    mulFlags(s, 16, p, 0, signed ? p !== (p << 16) >> 16 : p >>> 16 !== 0);
    return 0;
  }
  if (os === 4) {
    const a = s[0];
    let lo: number;
    let hi: number;
    if (signed) {
      imul32x32(a, b);
      lo = WIDE[0];
      hi = WIDE[1];
    } else {
      lo = mulu32(c, a, b);
      hi = c.rhi;
    }
    s[0] = lo;
    s[1] = 0;
    s[4] = hi;
    s[5] = 0;
    mulFlags(s, 32, lo, 0, signed ? hi !== lo >> 31 : hi !== 0);
    return 0;
  }
  mul64x64(s[0], s[1], b, bh, signed);
  s[0] = WIDE[0];
  s[1] = WIDE[1];
  s[4] = WIDE[2];
  s[5] = WIDE[3];
  const upper = signed ? WIDE[1] >> 31 : 0;
  mulFlags(s, 64, s[0], s[1], WIDE[2] !== upper || WIDE[3] !== upper);
  return 0;
}

/** F6 /6 /7, F7 /6 /7: div / idiv E (#DE on divide by zero or quotient overflow) */
export function op_f7_div_Ev(c: Cpu, i: Insn): number {
  const s = c.s;
  const os = i.os;
  const signed = (i.reg & 7) === 7;
  const b = readE(c, i, os);
  if (c.fault !== 0) return FAULT;
  const bh = c.rhi;
  if (os === 1) {
    const d = signed ? (b << 24) >> 24 : b & 0xff;
    if (d === 0) return c.raise(DE);
    const n = signed ? (c.s16[0] << 16) >> 16 : c.s16[0];
    const q = Math.trunc(n / d);
    const r = n - q * d;
    if (signed ? q > 127 || q < -128 : q > 255) return c.raise(DE);
    c.s8[0] = q;
    c.s8[1] = r;
    return 0;
  }
  if (os === 2) {
    const d = signed ? (b << 16) >> 16 : b & 0xffff;
    if (d === 0) return c.raise(DE);
    const raw = (c.s16[2 << 2] << 16) | c.s16[0];
    const n = signed ? raw : raw >>> 0;
    const q = Math.trunc(n / d);
    const r = n - q * d;
    if (signed ? q > 32767 || q < -32768 : q > 65535) return c.raise(DE);
    c.s16[0] = q;
    c.s16[2 << 2] = r;
    return 0;
  }
  if (os === 4) {
    const dl = b | 0;
    if (dl === 0) return c.raise(DE);
    let q: number;
    let r: number;
    if (!signed && s[4] === 0) {
      const n = s[0] >>> 0;
      const d = dl >>> 0;
      q = Math.floor(n / d);
      r = n - q * d;
    } else if (signed && s[4] === s[0] >> 31) {
      const n = s[0];
      q = Math.trunc(n / dl);
      r = n - q * dl;
      if (q > 2147483647) return c.raise(DE); // -2^31 / -1
    } else {
      const N = signed ? BigInt.asIntN(64, big(s[0], s[4])) : big(s[0], s[4]) & M64;
      const D = signed ? BigInt(dl) : BigInt(dl >>> 0);
      const Q = N / D;
      if (signed ? Q > 2147483647n || Q < -2147483648n : Q > 0xffffffffn) return c.raise(DE);
      q = Number(Q);
      r = Number(N - Q * D);
    }
    s[0] = q | 0;
    s[1] = 0;
    s[4] = r | 0;
    s[5] = 0;
    return 0;
  }
  // 64-bit
  if ((b | bh) === 0) return c.raise(DE);
  const nl = s[0];
  const nh = s[1];
  const dxl = s[4];
  const dxh = s[5];
  if (!signed && (dxl | dxh) === 0 && nh >>> 0 < 0x200000 && bh >>> 0 < 0x200000) {
    const n = (nh >>> 0) * 4294967296 + (nl >>> 0);
    const d = (bh >>> 0) * 4294967296 + (b >>> 0);
    const q = Math.floor(n / d);
    const r = n - q * d;
    s[0] = (q % 4294967296) | 0;
    s[1] = Math.floor(q / 4294967296) | 0;
    s[4] = (r % 4294967296) | 0;
    s[5] = Math.floor(r / 4294967296) | 0;
    return 0;
  }
  let N: bigint;
  let D: bigint;
  if (signed) {
    N = BigInt.asIntN(128, (big(dxl, dxh) << 64n) | (big(nl, nh) & M64));
    D = BigInt.asIntN(64, big(b, bh));
  } else {
    N = ((big(dxl, dxh) & M64) << 64n) | (big(nl, nh) & M64);
    D = big(b, bh) & M64;
  }
  const Q = N / D;
  const R = N - Q * D;
  if (signed ? Q > 0x7fffffffffffffffn || Q < -0x8000000000000000n : Q > M64) return c.raise(DE);
  const q = Q & M64;
  const r = R & M64;
  s[0] = Number(q & 0xffffffffn) | 0;
  s[1] = Number(q >> 32n) | 0;
  s[4] = Number(r & 0xffffffffn) | 0;
  s[5] = Number(r >> 32n) | 0;
  return 0;
}
