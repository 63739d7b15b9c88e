/**
 * Bit instructions: BT/BTS/BTR/BTC (register and immediate offsets, with the memory bit-string
 * addressing of register offsets), BSF/BSR, TZCNT/LZCNT, POPCNT.
 */
import type { Cpu } from '../cpu';
import type { Insn } from '../decoder/insn';
import { FAULT } from '../state/cpu-state';
import { setArith } from '../state/flags';
import { F_ARITH, F_CF, F_ZF } from '../state/layout';
import { ea, getReg, readMem, setReg } from './operand';
import { RMW_BTC, RMW_BTR, RMW_BTS, rmwCompute, rmwMem } from './rmw';

/** kind: 0 bt, 1 bts, 2 btr, 3 btc; offset (lo, hi) as a signed bit offset for memory forms. */
function bitOp(c: Cpu, i: Insn, kind: number, offLo: number, offHi: number, isImm: boolean): number {
  const os = i.os;
  const bits = os * 8;
  const s = c.s;
  if (i.mod === 3 || isImm) {
    const n = offLo & (bits - 1);
    let lo: number;
    let hi = 0;
    if (i.mod === 3) {
      lo = getReg(c, os, i.rm, 0);
      hi = os === 8 ? c.rhi : 0;
    } else {
      lo = 0;
    }
    const ml = n < 32 ? 1 << n : 0;
    const mh = n >= 32 ? 1 << (n - 32) : 0;
    if (i.mod === 3) {
      const cf = n < 32 ? (lo >>> n) & 1 : (hi >>> (n - 32)) & 1;
      setArith(s, F_CF, cf);
      if (kind !== 0) {
        const v = rmwCompute(c, RMW_BTS + kind - 1, 0, os, lo, hi, ml, mh);
        setReg(c, os, i.rm, 0, v, c.rhi);
      }
      return 0;
    }
    // memory, immediate offset
    const a = ea(c, i);
    return memBit(c, i, kind, a, c.eaHi, os, ml, mh, n);
  }
  // memory with register offset: address += (offset >> log2(bits)) * os, sign-extended
  let ol = offLo;
  let oh = offHi;
  if (os === 2) {
    ol = (ol << 16) >> 16;
    oh = ol >> 31;
  } else if (os === 4) oh = ol >> 31;
  const n = ol & (bits - 1);
  // byte displacement = (offset >> sh) * os = (offset >> 3) & ~(os-1)  (arithmetic shift on 64 bits)
  let dlo = (ol >>> 3) | (oh << 29);
  const dhi = oh >> 3;
  dlo &= ~(os - 1);
  const base = ea(c, i);
  const sum = (base >>> 0) + (dlo >>> 0);
  let lo = sum | 0;
  let hi = (c.eaHi + dhi + (sum > 0xffffffff ? 1 : 0)) | 0;
  if (i.as === 4) hi = 0;
  else if (i.as === 2) {
    lo &= 0xffff;
    hi = 0;
  }
  const ml = n < 32 ? 1 << n : 0;
  const mh = n >= 32 ? 1 << (n - 32) : 0;
  return memBit(c, i, kind, lo, hi, os, ml, mh, n);
}

function memBit(
  c: Cpu,
  i: Insn,
  kind: number,
  lo: number,
  hi: number,
  os: number,
  ml: number,
  mh: number,
  n: number,
): number {
  if (kind === 0) {
    const v = readMem(c, os, lo, hi);
    if (c.fault !== 0) return FAULT;
    const vh = os === 8 ? c.rhi : 0;
    setArith(c.s, F_CF, n < 32 ? (v >>> n) & 1 : (vh >>> (n - 32)) & 1);
    return 0;
  }
  if (rmwMem(c, i, os, lo, hi, RMW_BTS + kind - 1, 0, ml, mh) !== 0) return FAULT;
  const v = c.oldLo;
  const vh = c.oldHi;
  setArith(c.s, F_CF, n < 32 ? (v >>> n) & 1 : (vh >>> (n - 32)) & 1);
  return 0;
}

const BT_KIND: Record<number, number> = { 0xa3: 0, 0xab: 1, 0xb3: 2, 0xbb: 3 };

/** 0F A3 / AB / B3 / BB: bt / bts / btr / btc Ev, Gv */
export function op_0fa3_bt_Ev_Gv(c: Cpu, i: Insn): number {
  const r = i.reg << 1;
  return bitOp(c, i, BT_KIND[i.op], c.s[r], c.s[r | 1], false);
}
/** 0F BA /4-7: bt / bts / btr / btc Ev, Ib */
export function op_0fba_bt_Ev_Ib(c: Cpu, i: Insn): number {
  return bitOp(c, i, (i.reg & 7) - 4, i.immLo, 0, true);
}

function ctz32(x: number): number {
  return 31 - Math.clz32(x & -x);
}

/** 0F BC: bsf Gv, Ev (source 0: ZF = 1, destination unchanged) */
export function op_0fbc_bsf_Gv_Ev(c: Cpu, i: Insn): number {
  const os = i.os;
  const v = readReduced(c, i, os);
  if (c.fault !== 0) return FAULT;
  const vh = c.rhi;
  if ((v | vh) === 0) {
    setArith(c.s, F_ZF, F_ZF);
    return 0;
  }
  setArith(c.s, F_ZF, 0);
  setReg(c, os, i.reg, 0, v !== 0 ? ctz32(v) : 32 + ctz32(vh), 0);
  return 0;
}
/** 0F BD: bsr Gv, Ev */
export function op_0fbd_bsr_Gv_Ev(c: Cpu, i: Insn): number {
  const os = i.os;
  const v = readReduced(c, i, os);
  if (c.fault !== 0) return FAULT;
  const vh = c.rhi;
  if ((v | vh) === 0) {
    setArith(c.s, F_ZF, F_ZF);
    return 0;
  }
  setArith(c.s, F_ZF, 0);
  setReg(c, os, i.reg, 0, vh !== 0 ? 63 - Math.clz32(vh) : 31 - Math.clz32(v), 0);
  return 0;
}
/** F3 0F BC: tzcnt Gv, Ev */
export function op_f30fbc_tzcnt_Gv_Ev(c: Cpu, i: Insn): number {
  const os = i.os;
  const v = readReduced(c, i, os);
  if (c.fault !== 0) return FAULT;
  const vh = c.rhi;
  let n: number;
  if ((v | vh) === 0) n = os * 8;
  else n = v !== 0 ? ctz32(v) : 32 + ctz32(vh);
  setArith(c.s, F_CF | F_ZF, ((v | vh) === 0 ? F_CF : 0) | (n === 0 ? F_ZF : 0));
  setReg(c, os, i.reg, 0, n, 0);
  return 0;
}
/** F3 0F BD: lzcnt Gv, Ev */
export function op_f30fbd_lzcnt_Gv_Ev(c: Cpu, i: Insn): number {
  const os = i.os;
  const v = readReduced(c, i, os);
  if (c.fault !== 0) return FAULT;
  const vh = c.rhi;
  let n: number;
  if (os === 8) n = vh !== 0 ? Math.clz32(vh) : 32 + Math.clz32(v);
  else n = Math.clz32(v) - (32 - os * 8);
  setArith(c.s, F_CF | F_ZF, ((v | vh) === 0 ? F_CF : 0) | (n === 0 ? F_ZF : 0));
  setReg(c, os, i.reg, 0, n, 0);
  return 0;
}
function popcnt32(x: number): number {
  x = x - ((x >>> 1) & 0x55555555);
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  x = (x + (x >>> 4)) & 0x0f0f0f0f;
  return Math.imul(x, 0x01010101) >>> 24;
}
/** F3 0F B8: popcnt Gv, Ev */
export function op_f30fb8_popcnt_Gv_Ev(c: Cpu, i: Insn): number {
  const os = i.os;
  const v = readReduced(c, i, os);
  if (c.fault !== 0) return FAULT;
  const vh = c.rhi;
  const n = popcnt32(v) + popcnt32(vh);
  setArith(c.s, F_ARITH, n === 0 ? F_ZF : 0);
  setReg(c, os, i.reg, 0, n, 0);
  return 0;
}

/** Read E of `os` bytes, zero-extended; hi word (64-bit only) in c.rhi. */
function readReduced(c: Cpu, i: Insn, os: number): number {
  let v: number;
  if (i.mod === 3) v = getReg(c, os, i.rm, 0);
  else v = readMem(c, os, ea(c, i), c.eaHi);
  if (os !== 8) c.rhi = 0;
  return os === 2 ? v & 0xffff : v;
}

export { RMW_BTC, RMW_BTR };
