/**
 * Shifts and rotates (group 2: ROL ROR RCL RCR SHL SHR SAL SAR) and SHLD/SHRD.
 *
 * Flag rules (SDM): a masked count of 0 changes nothing. Shifts set SF/ZF/PF from the result, CF to
 * the last bit shifted out; OF is defined for count 1 and computed with the same formula for larger
 * counts (SHL: MSB(result) ^ CF, SHR: top two result bits XOR'ed, SAR: 0) as Bochs and real CPUs do;
 * AF is cleared. Rotates change only CF and OF.
 */
import type { Cpu } from '../cpu';
import type { Insn } from '../decoder/insn';
import { FAULT } from '../state/cpu-state';
import { getCF, LF_LOGIC, materialize } from '../state/flags';
import { F_AF, F_CF, F_OF, F_PF, F_SF, F_ZF, FLAGS, LF_BITS, LF_MASK, LF_OP, LF_RES } from '../state/layout';
import { ea, getReg, readMemW, setReg, writeMem } from './operand';

function shiftFlags(s: Int32Array, bits: number, rlo: number, rhi: number, cf: number, of: number): void {
  s[LF_OP] = LF_LOGIC;
  s[LF_BITS] = bits;
  s[LF_RES] = rlo;
  s[LF_RES + 1] = rhi;
  s[FLAGS] = (s[FLAGS] & ~(F_CF | F_OF | F_AF)) | cf | (of << 11);
  s[LF_MASK] = F_SF | F_ZF | F_PF;
}

function rotFlags(s: Int32Array, cf: number, of: number): void {
  materialize(s);
  s[FLAGS] = (s[FLAGS] & ~(F_CF | F_OF)) | cf | (of << 11);
}

const toBig = (lo: number, hi: number): bigint => (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0);

/**
 * Shift/rotate `op` (ModRM.reg: 0 rol 1 ror 2 rcl 3 rcr 4 shl 5 shr 6 sal 7 sar) of an `os`-byte
 * value by an already-masked count (> 0). Returns lo; hi in c.rhi.
 */
export function shiftValue(c: Cpu, op: number, os: number, al: number, ah: number, n: number): number {
  const s = c.s;
  const bits = os * 8;
  if (os === 8) return shift64(c, op, al, ah, n);
  const m = bits === 32 ? -1 : (1 << bits) - 1;
  const a = al & m;
  const msb = (v: number): number => (v >>> (bits - 1)) & 1;
  let r: number;
  c.rhi = 0;
  switch (op) {
    case 0: {
      const k = n % bits;
      r = k === 0 ? a : ((a << k) | (a >>> (bits - k))) & m;
      const cf = r & 1;
      rotFlags(s, cf, msb(r) ^ cf);
      return r;
    }
    case 1: {
      const k = n % bits;
      r = k === 0 ? a : ((a >>> k) | (a << (bits - k))) & m;
      rotFlags(s, msb(r), msb(r) ^ ((r >>> (bits - 2)) & 1));
      return r;
    }
    case 2: {
      // rcl through CF: width bits+1
      const k = n % (bits + 1);
      if (k === 0) return a;
      const cin = getCF(s);
      const big =
        ((BigInt(a >>> 0) | (BigInt(cin) << BigInt(bits))) << BigInt(k)) |
        ((BigInt(a >>> 0) | (BigInt(cin) << BigInt(bits))) >> BigInt(bits + 1 - k));
      const w = big & ((1n << BigInt(bits + 1)) - 1n);
      r = Number(w & BigInt(m >>> 0)) | 0;
      const cf = Number(w >> BigInt(bits)) & 1;
      rotFlags(s, cf, msb(r) ^ cf);
      return bits === 32 ? r : r & m;
    }
    case 3: {
      const k = n % (bits + 1);
      if (k === 0) return a;
      const cin = getCF(s);
      const v = BigInt(a >>> 0) | (BigInt(cin) << BigInt(bits));
      const w = ((v >> BigInt(k)) | (v << BigInt(bits + 1 - k))) & ((1n << BigInt(bits + 1)) - 1n);
      r = Number(w & BigInt(m >>> 0)) | 0;
      const cf = Number(w >> BigInt(bits)) & 1;
      rotFlags(s, cf, msb(r) ^ ((r >>> (bits - 2)) & 1));
      return bits === 32 ? r : r & m;
    }
    case 4:
    case 6: {
      r = n >= 32 ? 0 : (a << n) & m;
      const cf = n > bits ? 0 : (a >>> (bits - n)) & 1;
      shiftFlags(s, bits, r, 0, cf, msb(r) ^ cf);
      return r;
    }
    case 5: {
      r = n >= 32 ? 0 : (a >>> n) & m;
      const cf = n > bits ? 0 : (a >>> (n - 1)) & 1;
      shiftFlags(s, bits, r, 0, cf, (msb(r) ^ (r >>> (bits - 2))) & 1);
      return r;
    }
    default: {
      const sa = bits === 32 ? a : (a << (32 - bits)) >> (32 - bits);
      const k = n > 31 ? 31 : n;
      r = (sa >> k) & m;
      const cf = (sa >> (n - 1 > 31 ? 31 : n - 1)) & 1;
      shiftFlags(s, bits, r, 0, cf, 0);
      return r;
    }
  }
}

function shift64(c: Cpu, op: number, al: number, ah: number, n: number): number {
  const s = c.s;
  let lo: number;
  let hi: number;
  switch (op) {
    case 4:
    case 6: {
      if (n < 32) {
        hi = (ah << n) | (al >>> (32 - n));
        lo = al << n;
      } else {
        hi = al << (n - 32);
        lo = 0;
      }
      const b = 64 - n;
      const cf = b >= 32 ? (ah >>> (b - 32)) & 1 : (al >>> b) & 1;
      shiftFlags(s, 64, lo, hi, cf, (hi >>> 31) ^ cf);
      c.rhi = hi;
      return lo;
    }
    case 5:
    case 7: {
      const sar = op === 7;
      if (n < 32) {
        lo = (al >>> n) | (ah << (32 - n));
        hi = sar ? ah >> n : ah >>> n;
      } else {
        lo = sar ? ah >> (n - 32) : ah >>> (n - 32);
        hi = sar ? ah >> 31 : 0;
      }
      const b = n - 1;
      const cf = b >= 32 ? (ah >>> (b - 32)) & 1 : (al >>> b) & 1;
      const of = sar ? 0 : ((hi >>> 31) ^ (hi >>> 30)) & 1;
      shiftFlags(s, 64, lo | 0, hi | 0, cf, of);
      c.rhi = hi | 0;
      return lo | 0;
    }
    default: {
      // rotates through BigInt (less common)
      const v = toBig(al, ah);
      let w: bigint;
      let cf: number;
      let of: number;
      const M = (1n << 64n) - 1n;
      if (op === 0 || op === 1) {
        const k = BigInt(n % 64);
        w = k === 0n ? v : op === 0 ? ((v << k) | (v >> (64n - k))) & M : ((v >> k) | (v << (64n - k))) & M;
        const top = Number(w >> 63n) & 1;
        if (op === 0) {
          cf = Number(w & 1n);
          of = top ^ cf;
        } else {
          cf = top;
          of = top ^ (Number(w >> 62n) & 1);
        }
      } else {
        const k = BigInt(n % 65);
        if (k === 0n) {
          c.rhi = ah;
          return al;
        }
        const M65 = (1n << 65n) - 1n;
        const x = v | (BigInt(getCF(s)) << 64n);
        const y = op === 2 ? ((x << k) | (x >> (65n - k))) & M65 : ((x >> k) | (x << (65n - k))) & M65;
        w = y & M;
        cf = Number(y >> 64n) & 1;
        const top = Number(w >> 63n) & 1;
        of = op === 2 ? top ^ cf : top ^ (Number(w >> 62n) & 1);
      }
      rotFlags(s, cf, of);
      c.rhi = Number(w >> 32n) | 0;
      return Number(w & 0xffffffffn) | 0;
    }
  }
}

/** Shared body: shift E by `count` (raw, masked here). */
function shiftE(c: Cpu, i: Insn, os: number, count: number): number {
  const n = count & (os === 8 ? 63 : 31);
  const op = i.reg & 7;
  if (i.mod === 3) {
    if (n === 0) {
      if (os === 4) c.s[(i.rm << 1) | 1] = 0; // 32-bit destination is still zero-extended
      return 0;
    }
    const a = getReg(c, os, i.rm, i.rmB);
    const v = shiftValue(c, op, os, a, os === 8 ? c.rhi : 0, n);
    setReg(c, os, i.rm, i.rmB, v, c.rhi);
    return 0;
  }
  const lo = ea(c, i);
  const hi = c.eaHi;
  const a = readMemW(c, os, lo, hi);
  if (c.fault !== 0) return FAULT;
  if (n === 0) return 0;
  const v = shiftValue(c, op, os, a, os === 8 ? c.rhi : 0, n);
  return writeMem(c, os, lo, hi, v, c.rhi);
}

/** C0 / C1: grp2 E, Ib */
export function op_c1_grp2_Ev_Ib(c: Cpu, i: Insn): number {
  return shiftE(c, i, i.os, i.immLo);
}
/** D0 / D1: grp2 E, 1 */
export function op_d1_grp2_Ev_1(c: Cpu, i: Insn): number {
  return shiftE(c, i, i.os, 1);
}
/** D2 / D3: grp2 E, CL */
export function op_d3_grp2_Ev_CL(c: Cpu, i: Insn): number {
  return shiftE(c, i, i.os, c.s8[8]);
}

/** SHLD/SHRD on `os` bytes; n already masked and > 0. */
function doubleShift(
  c: Cpu,
  right: boolean,
  os: number,
  al: number,
  ah: number,
  bl: number,
  bh: number,
  n: number,
): number {
  const s = c.s;
  const bits = os * 8;
  const M = (1n << BigInt(bits)) - 1n;
  const a = toBig(al, ah) & M;
  const b = toBig(bl, bh) & M;
  let r: bigint;
  let cf: number;
  if (!right) {
    // 16-bit counts above 16 behave like a 32-bit shift of dest:src:dest (as Intel does)
    const wide = bits === 16 && n > 16 ? (a << 32n) | (b << 16n) | a : (a << BigInt(bits)) | b;
    const wbits = bits === 16 && n > 16 ? 48 : bits * 2;
    const sh = (wide << BigInt(n)) & ((1n << BigInt(wbits)) - 1n);
    r = (sh >> BigInt(wbits - bits)) & M;
    cf = Number((wide >> BigInt(wbits - n)) & 1n);
  } else {
    const wide = bits === 16 && n > 16 ? (a << 32n) | (b << 16n) | a : (b << BigInt(bits)) | a;
    r = (wide >> BigInt(n)) & M;
    cf = Number((wide >> BigInt(n - 1)) & 1n);
    if (bits === 16 && n > 16) r = (((b << 16n) | a | (a << 32n)) >> BigInt(n)) & M;
  }
  const rl = Number(r & 0xffffffffn) | 0;
  const rh = Number(r >> 32n) | 0;
  const msb = Number((r >> BigInt(bits - 1)) & 1n);
  const amsb = Number((a >> BigInt(bits - 1)) & 1n);
  shiftFlags(s, bits, bits === 64 ? rl : rl & Number(M & 0xffffffffn), rh, cf, msb ^ amsb);
  c.rhi = rh;
  return rl;
}

function shxdE(c: Cpu, i: Insn, right: boolean, count: number): number {
  const os = i.os;
  const n = count & (os === 8 ? 63 : 31);
  const bl = getReg(c, os, i.reg, 0);
  const bh = os === 8 ? c.rhi : 0;
  if (i.mod === 3) {
    if (n === 0) {
      if (os === 4) c.s[(i.rm << 1) | 1] = 0;
      return 0;
    }
    const a = getReg(c, os, i.rm, 0);
    const v = doubleShift(c, right, os, a, os === 8 ? c.rhi : 0, bl, bh, n);
    setReg(c, os, i.rm, 0, v, c.rhi);
    return 0;
  }
  const lo = ea(c, i);
  const hi = c.eaHi;
  const a = readMemW(c, os, lo, hi);
  if (c.fault !== 0) return FAULT;
  if (n === 0) return 0;
  const v = doubleShift(c, right, os, a, os === 8 ? c.rhi : 0, bl, bh, n);
  return writeMem(c, os, lo, hi, v, c.rhi);
}

/** 0F A4: shld Ev, Gv, Ib */
export function op_0fa4_shld_Ev_Gv_Ib(c: Cpu, i: Insn): number {
  return shxdE(c, i, false, i.immLo);
}
/** 0F A5: shld Ev, Gv, CL */
export function op_0fa5_shld_Ev_Gv_CL(c: Cpu, i: Insn): number {
  return shxdE(c, i, false, c.s8[8]);
}
/** 0F AC: shrd Ev, Gv, Ib */
export function op_0fac_shrd_Ev_Gv_Ib(c: Cpu, i: Insn): number {
  return shxdE(c, i, true, i.immLo);
}
/** 0F AD: shrd Ev, Gv, CL */
export function op_0fad_shrd_Ev_Gv_CL(c: Cpu, i: Insn): number {
  return shxdE(c, i, true, c.s8[8]);
}
