/**
 * Instructions that exist only outside 64-bit mode (compatibility mode here): BCD adjust, PUSHA/POPA,
 * BOUND, ARPL, SALC, LES/LDS; plus LSS/LFS/LGS and MOVBE which are valid everywhere.
 */
import type { Cpu } from '../cpu';
import { EXEC_END, type Insn } from '../decoder/insn';
import { BR, DE, FAULT } from '../state/cpu-state';
import { getAF, getCF, LF_LOGIC, setArith } from '../state/flags';
import {
  DS,
  ES,
  F_AF,
  F_CF,
  F_OF,
  F_PF,
  F_SF,
  F_ZF,
  FLAGS,
  FS,
  GS,
  INT_SHADOW,
  LF_BITS,
  LF_MASK,
  LF_OP,
  LF_RES,
  RIP_HI,
  RIP_LO,
  SS,
} from '../state/layout';
import { ea, getReg, readMem, setReg } from './operand';
import { loadDataSeg } from '../system/descriptors';
import { adjustSp, peek, push } from './stack-ops';

/** SF/ZF/PF from AL (lazy), AF/CF eager, OF cleared. */
function bcdFlags(c: Cpu, al: number, af: number, cf: number): void {
  const s = c.s;
  s[LF_OP] = LF_LOGIC;
  s[LF_BITS] = 8;
  s[LF_RES] = al & 0xff;
  s[FLAGS] = (s[FLAGS] & ~(F_CF | F_AF | F_OF)) | (cf !== 0 ? F_CF : 0) | (af !== 0 ? F_AF : 0);
  s[LF_MASK] = F_SF | F_ZF | F_PF;
}

/** 27: daa */
export function op_27_daa(c: Cpu, _i: Insn): number {
  const s = c.s;
  const old = c.s8[0];
  const oldCf = getCF(s);
  let al = old;
  let cf = 0;
  let af = 0;
  if ((al & 0xf) > 9 || getAF(s) !== 0) {
    al += 6;
    cf = oldCf | (al > 0xff ? 1 : 0);
    af = 1;
  }
  if (old > 0x99 || oldCf !== 0) {
    al += 0x60;
    cf = 1;
  } else cf = 0;
  c.s8[0] = al;
  bcdFlags(c, al, af, cf);
  return 0;
}
/** 2F: das */
export function op_2f_das(c: Cpu, _i: Insn): number {
  const s = c.s;
  const old = c.s8[0];
  const oldCf = getCF(s);
  let al = old;
  let cf = 0;
  let af = 0;
  if ((al & 0xf) > 9 || getAF(s) !== 0) {
    cf = oldCf | (al < 6 ? 1 : 0);
    al -= 6;
    af = 1;
  }
  if (old > 0x99 || oldCf !== 0) {
    al -= 0x60;
    cf = 1;
  }
  c.s8[0] = al;
  bcdFlags(c, al, af, cf);
  return 0;
}
/** 37: aaa   3F: aas */
export function op_37_aaa(c: Cpu, i: Insn): number {
  const s = c.s;
  const sub = i.op === 0x3f;
  let ax = c.s16[0];
  let adj = 0;
  if ((ax & 0xf) > 9 || getAF(s) !== 0) {
    if (sub) {
      ax = (ax - 6) & 0xffff;
      ax = (ax - 0x100) & 0xffff;
    } else ax = (ax + 0x106) & 0xffff;
    adj = 1;
  }
  ax &= 0xff0f;
  c.s16[0] = ax;
  bcdFlags(c, ax & 0xff, adj, adj);
  return 0;
}
/** D4 ib: aam */
export function op_d4_aam(c: Cpu, i: Insn): number {
  const base = i.immLo & 0xff;
  if (base === 0) return c.raise(DE);
  const al = c.s8[0];
  c.s8[1] = Math.floor(al / base);
  c.s8[0] = al % base;
  bcdFlags(c, c.s8[0], 0, 0);
  return 0;
}
/** D5 ib: aad */
export function op_d5_aad(c: Cpu, i: Insn): number {
  const base = i.immLo & 0xff;
  const al = (c.s8[0] + c.s8[1] * base) & 0xff;
  c.s16[0] = al;
  bcdFlags(c, al, 0, 0);
  return 0;
}
/** D6: salc (AL = CF ? FF : 00) */
export function op_d6_salc(c: Cpu, _i: Insn): number {
  c.s8[0] = getCF(c.s) !== 0 ? 0xff : 0;
  return 0;
}
/** 60: pusha / pushad */
export function op_60_pusha(c: Cpu, i: Insn): number {
  const s = c.s;
  const os = i.os;
  const spLo = s[8];
  const spHi = s[9];
  const sp = getReg(c, os, 4, 0);
  for (let r = 0; r < 8; r++) {
    const v = r === 4 ? sp : getReg(c, os, r, 0);
    if (push(c, os, v, 0) !== 0) {
      s[8] = spLo;
      s[9] = spHi;
      return FAULT;
    }
  }
  return 0;
}
/** 61: popa / popad (the saved rSP is skipped) */
export function op_61_popa(c: Cpu, i: Insn): number {
  const os = i.os;
  const vals = [0, 0, 0, 0, 0, 0, 0, 0];
  for (let k = 0; k < 8; k++) {
    vals[7 - k] = peek(c, os, k * os);
    if (c.fault !== 0) return FAULT;
  }
  for (let r = 0; r < 8; r++) if (r !== 4) setReg(c, os, r, 0, vals[r], 0);
  adjustSp(c, 8 * os);
  return 0;
}
/** 62: bound Gv, Ma (#BR when the signed index is outside [lower, upper]) */
export function op_62_bound(c: Cpu, i: Insn): number {
  const os = i.os;
  const lo = ea(c, i);
  const hi = c.eaHi;
  const lower = readMem(c, os, lo, hi);
  if (c.fault !== 0) return FAULT;
  const upper = readMem(c, os, (lo + os) | 0, hi);
  if (c.fault !== 0) return FAULT;
  const sx = (v: number): number => (os === 2 ? (v << 16) >> 16 : v | 0);
  const idx = sx(getReg(c, os, i.reg, 0));
  if (idx < sx(lower) || idx > sx(upper)) return c.raise(BR);
  return 0;
}
/** 63 (32-bit modes): arpl Ew, Gw */
export function op_63_arpl(c: Cpu, i: Insn): number {
  const src = c.s16[i.reg << 2];
  let dst: number;
  let lo = 0;
  let hi = 0;
  if (i.mod === 3) dst = c.s16[i.rm << 2];
  else {
    lo = ea(c, i);
    hi = c.eaHi;
    dst = c.rdw16(lo, hi);
    if (c.fault !== 0) return FAULT;
  }
  if ((dst & 3) < (src & 3)) {
    const v = (dst & ~3) | (src & 3);
    if (i.mod === 3) c.s16[i.rm << 2] = v;
    else if (c.wr16(lo, hi, v) !== 0) return FAULT;
    setArith(c.s, F_ZF, F_ZF);
  } else setArith(c.s, F_ZF, 0);
  return 0;
}

const FAR_SEG: Record<number, number> = { 0xc4: ES, 0xc5: DS, 0xb2: SS, 0xb4: FS, 0xb5: GS };

/** C4 les / C5 lds (32-bit modes), 0F B2 lss / 0F B4 lfs / 0F B5 lgs: load far pointer Gv, Mp */
export function op_0fb2_lss_Gv_Mp(c: Cpu, i: Insn): number {
  const os = i.os;
  const lo = ea(c, i);
  const hi = c.eaHi;
  const off = readMem(c, os, lo, hi);
  const offHi = os === 8 ? c.rhi : 0;
  if (c.fault !== 0) return FAULT;
  const sum = (lo >>> 0) + os;
  const sel = c.rd16(sum | 0, (hi + (sum > 0xffffffff ? 1 : 0)) | 0);
  if (c.fault !== 0) return FAULT;
  const seg = FAR_SEG[i.op];
  const r = loadDataSeg(c, seg, sel);
  if (r !== 0) return r;
  setReg(c, os, i.reg, 0, off, offHi);
  if (seg === SS) {
    c.s[INT_SHADOW] = 1;
    c.s[RIP_LO] = i.nextLo;
    c.s[RIP_HI] = i.nextHi;
    return EXEC_END;
  }
  return 0;
}

const bswap32 = (x: number): number =>
  (x >>> 24) | ((x >>> 8) & 0xff00) | ((x & 0xff00) << 8) | (x << 24) | 0;

/** 0F 38 F0: movbe Gv, Mv */
export function op_0f38f0_movbe_Gv_Mv(c: Cpu, i: Insn): number {
  const os = i.os;
  const v = readMem(c, os, ea(c, i), c.eaHi);
  if (c.fault !== 0) return FAULT;
  if (os === 2) c.s16[i.reg << 2] = ((v & 0xff) << 8) | ((v >>> 8) & 0xff);
  else if (os === 4) setReg(c, 4, i.reg, 0, bswap32(v), 0);
  else setReg(c, 8, i.reg, 0, bswap32(c.rhi), bswap32(v));
  return 0;
}
/** 0F 38 F1: movbe Mv, Gv */
export function op_0f38f1_movbe_Mv_Gv(c: Cpu, i: Insn): number {
  const os = i.os;
  const lo = ea(c, i);
  const hi = c.eaHi;
  const r = i.reg << 1;
  if (os === 2) {
    const v = c.s16[i.reg << 2];
    return c.wr16(lo, hi, ((v & 0xff) << 8) | ((v >>> 8) & 0xff));
  }
  if (os === 4) return c.wr32(lo, hi, bswap32(c.s[r]));
  return c.wr64(lo, hi, bswap32(c.s[r | 1]), bswap32(c.s[r]));
}

/** CRC-32C (Castagnoli, reflected) byte table. */
const CRC32C = new Int32Array(256);
for (let n = 0; n < 256; n++) {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
  CRC32C[n] = c;
}

/** F2 0F 38 F0 crc32 Gy, Eb / F2 0F 38 F1 crc32 Gy, Ev (CRC-32C of the source bytes, no final xor) */
export function op_f20f38f0_crc32(c: Cpu, i: Insn): number {
  const srcSize = i.op === 0xf0 ? 1 : i.os;
  let v: number;
  if (i.mod === 3) v = getReg(c, srcSize, i.rm, i.rmB);
  else v = readMem(c, srcSize, ea(c, i), c.eaHi);
  if (c.fault !== 0) return FAULT;
  const vh = srcSize === 8 ? c.rhi : 0;
  let crc = c.s[i.reg << 1];
  const n = srcSize === 8 ? 8 : srcSize;
  for (let k = 0; k < n; k++) {
    const byte = k < 4 ? (v >>> (k * 8)) & 0xff : (vh >>> ((k - 4) * 8)) & 0xff;
    crc = CRC32C[(crc ^ byte) & 0xff] ^ (crc >>> 8);
  }
  setReg(c, 4, i.reg, 0, crc, 0);
  return 0;
}
