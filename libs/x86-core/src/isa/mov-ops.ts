/**
 * Data movement: MOV (all forms), MOVZX/MOVSX/MOVSXD, LEA, XCHG, BSWAP, CMPXCHG(8B/16B), XADD,
 * CBW family, LAHF/SAHF, CMOVcc, SETcc, XLAT.
 */
import type { Cpu } from '../cpu';
import { EXEC_END, type Insn } from '../decoder/insn';
import { acquireBusLock, releaseBusLock } from '../memory/host-lock';
import { FAULT } from '../state/cpu-state';
import { cond, getFlags, setArith } from '../state/flags';
import {
  CS,
  F_AF,
  F_CF,
  F_PF,
  F_SF,
  F_ZF,
  INT_SHADOW,
  LF_RES,
  RIP_HI,
  RIP_LO,
  SEG_SEL,
  SS,
  segIdx,
} from '../state/layout';
import { ALU_CMP, aluOs } from './alu';
import { ea, getReg, readE, readMem, setReg, writeE, writeMem } from './operand';
import { cmpxchgMem, RMW_XADD, RMW_XCHG, rmwMem } from './rmw';
import { loadDataSeg } from '../system/descriptors';

/** 88: mov Eb, Gb */
export function op_88_mov_Eb_Gb(c: Cpu, i: Insn): number {
  const v = c.s8[i.regB];
  if (i.mod === 3) {
    c.s8[i.rmB] = v;
    return 0;
  }
  return c.wr8(ea(c, i), c.eaHi, v);
}
/** 89: mov Ev, Gv */
export function op_89_mov_Ev_Gv(c: Cpu, i: Insn): number {
  const s = c.s;
  const r = i.reg << 1;
  return writeE(c, i, i.os, i.os === 2 ? c.s16[i.reg << 2] : s[r], s[r | 1]);
}
/** 8A: mov Gb, Eb */
export function op_8a_mov_Gb_Eb(c: Cpu, i: Insn): number {
  const v = readE(c, i, 1);
  if (c.fault !== 0) return FAULT;
  c.s8[i.regB] = v;
  return 0;
}
/** 8B: mov Gv, Ev */
export function op_8b_mov_Gv_Ev(c: Cpu, i: Insn): number {
  const os = i.os;
  const v = readE(c, i, os);
  if (c.fault !== 0) return FAULT;
  setReg(c, os, i.reg, 0, v, c.rhi);
  return 0;
}
/** 8C: mov Ev, Sw (memory: 16-bit store; register: zero-extended) */
export function op_8c_mov_Ev_Sw(c: Cpu, i: Insn): number {
  const sr = i.reg & 7;
  if (sr > 5) return c.raiseUD();
  const sel = c.s[segIdx(sr, SEG_SEL)] & 0xffff;
  if (i.mod === 3) {
    setReg(c, i.os === 2 ? 2 : i.os, i.rm, 0, sel, 0);
    return 0;
  }
  return c.wr16(ea(c, i), c.eaHi, sel);
}
/** 8E: mov Sw, Ew */
export function op_8e_mov_Sw_Ew(c: Cpu, i: Insn): number {
  const sr = i.reg & 7;
  if (sr > 5 || sr === CS) return c.raiseUD();
  const sel = readE(c, i, 2);
  if (c.fault !== 0) return FAULT;
  const r = loadDataSeg(c, sr, sel & 0xffff);
  if (r !== 0) return r;
  if (sr === SS) {
    c.s[INT_SHADOW] = 1;
    c.s[RIP_LO] = i.nextLo;
    c.s[RIP_HI] = i.nextHi;
    return EXEC_END;
  }
  return 0;
}
/** A0: mov AL, Ob */
export function op_a0_mov_AL_Ob(c: Cpu, i: Insn): number {
  const v = c.rd8(ea(c, i), c.eaHi);
  if (c.fault !== 0) return FAULT;
  c.s8[0] = v;
  return 0;
}
/** A1: mov rAX, Ov */
export function op_a1_mov_rAX_Ov(c: Cpu, i: Insn): number {
  const v = readMem(c, i.os, ea(c, i), c.eaHi);
  if (c.fault !== 0) return FAULT;
  setReg(c, i.os, 0, 0, v, c.rhi);
  return 0;
}
/** A2: mov Ob, AL */
export function op_a2_mov_Ob_AL(c: Cpu, i: Insn): number {
  return c.wr8(ea(c, i), c.eaHi, c.s8[0]);
}
/** A3: mov Ov, rAX */
export function op_a3_mov_Ov_rAX(c: Cpu, i: Insn): number {
  return writeMem(c, i.os, ea(c, i), c.eaHi, i.os === 2 ? c.s16[0] : c.s[0], c.s[1]);
}
/** B0-B7: mov Zb, Ib */
export function op_b0_mov_Zb_Ib(c: Cpu, i: Insn): number {
  c.s8[i.rmB] = i.immLo;
  return 0;
}
/** B8-BF: mov Zv, Iv (imm64 with REX.W) */
export function op_b8_mov_Zv_Iv(c: Cpu, i: Insn): number {
  setReg(c, i.os, i.rm, 0, i.immLo, i.immHi);
  return 0;
}
/** C6 /0: mov Eb, Ib */
export function op_c6_mov_Eb_Ib(c: Cpu, i: Insn): number {
  if (i.mod === 3) {
    c.s8[i.rmB] = i.immLo;
    return 0;
  }
  return c.wr8(ea(c, i), c.eaHi, i.immLo);
}
/** C7 /0: mov Ev, Iz */
export function op_c7_mov_Ev_Iz(c: Cpu, i: Insn): number {
  return writeE(c, i, i.os, i.immLo, i.immHi);
}
/** 8D: lea Gv, M */
export function op_8d_lea_Gv_M(c: Cpu, i: Insn): number {
  // LEA computes the offset only (no segment base)
  const sb = i.segBase;
  i.segBase = -1;
  const lo = ea(c, i);
  i.segBase = sb;
  setReg(c, i.os, i.reg, 0, lo, c.eaHi);
  return 0;
}
/** 0F B6: movzx Gv, Eb */
export function op_0fb6_movzx_Gv_Eb(c: Cpu, i: Insn): number {
  const v = readE(c, i, 1);
  if (c.fault !== 0) return FAULT;
  setReg(c, i.os, i.reg, 0, v, 0);
  return 0;
}
/** 0F B7: movzx Gv, Ew */
export function op_0fb7_movzx_Gv_Ew(c: Cpu, i: Insn): number {
  const v = readE(c, i, 2);
  if (c.fault !== 0) return FAULT;
  setReg(c, i.os, i.reg, 0, v, 0);
  return 0;
}
/** 0F BE: movsx Gv, Eb */
export function op_0fbe_movsx_Gv_Eb(c: Cpu, i: Insn): number {
  const v = readE(c, i, 1);
  if (c.fault !== 0) return FAULT;
  const x = (v << 24) >> 24;
  setReg(c, i.os, i.reg, 0, x, x >> 31);
  return 0;
}
/** 0F BF: movsx Gv, Ew */
export function op_0fbf_movsx_Gv_Ew(c: Cpu, i: Insn): number {
  const v = readE(c, i, 2);
  if (c.fault !== 0) return FAULT;
  const x = (v << 16) >> 16;
  setReg(c, i.os, i.reg, 0, x, x >> 31);
  return 0;
}
/** 63: movsxd Gv, Ed (64-bit mode) */
export function op_63_movsxd_Gv_Ed(c: Cpu, i: Insn): number {
  const os = i.os;
  const v = readE(c, i, os === 2 ? 2 : 4);
  if (c.fault !== 0) return FAULT;
  setReg(c, os, i.reg, 0, v, v >> 31);
  return 0;
}
/** 86/87: xchg E, G (memory form is implicitly locked) */
export function op_87_xchg_Ev_Gv(c: Cpu, i: Insn): number {
  const os = i.os;
  const bl = getReg(c, os, i.reg, i.regB);
  const bh = os === 8 ? c.rhi : 0;
  if (i.mod === 3) {
    const al = getReg(c, os, i.rm, i.rmB);
    const ah = os === 8 ? c.rhi : 0;
    setReg(c, os, i.rm, i.rmB, bl, bh);
    setReg(c, os, i.reg, i.regB, al, ah);
    return 0;
  }
  const lo = ea(c, i);
  if (rmwMem(c, i, os, lo, c.eaHi, RMW_XCHG, 0, bl, bh) !== 0) return FAULT;
  setReg(c, os, i.reg, i.regB, c.oldLo, c.oldHi);
  return 0;
}
/** 90-97: xchg Zv, rAX (90 without REX.B is NOP; F3 90 is PAUSE) */
export function op_90_xchg_Zv_rAX(c: Cpu, i: Insn): number {
  const r = i.rm;
  if (r === 0 || (i.rep === 0xf3 && i.op === 0x90)) return 0; // nop / pause
  const os = i.os;
  const a = getReg(c, os, 0, 0);
  const ah = c.rhi;
  const b = getReg(c, os, r, 0);
  const bh = c.rhi;
  setReg(c, os, 0, 0, b, bh);
  setReg(c, os, r, 0, a, ah);
  return 0;
}
/** 0F C8-CF: bswap Zv */
export function op_0fc8_bswap_Zv(c: Cpu, i: Insn): number {
  const s = c.s;
  const r = i.rm << 1;
  const sw = (x: number): number => (x >>> 24) | ((x >>> 8) & 0xff00) | ((x & 0xff00) << 8) | (x << 24) | 0;
  if (i.os === 8) {
    const lo = s[r];
    s[r] = sw(s[r | 1]);
    s[r | 1] = sw(lo);
  } else if (i.os === 4) {
    s[r] = sw(s[r]);
    s[r | 1] = 0;
  } else c.s16[i.rm << 2] = 0; // 16-bit BSWAP is undefined; real CPUs zero the register
  return 0;
}
/** 0F B0/B1: cmpxchg E, G */
export function op_0fb1_cmpxchg_Ev_Gv(c: Cpu, i: Insn): number {
  const s = c.s;
  const os = i.os;
  const al = getReg(c, os, 0, 0);
  const ah = os === 8 ? c.rhi : 0;
  const nl = getReg(c, os, i.reg, i.regB);
  const nh = os === 8 ? c.rhi : 0;
  let ol: number;
  let oh: number;
  if (i.mod === 3) {
    ol = getReg(c, os, i.rm, i.rmB);
    oh = os === 8 ? c.rhi : 0;
    aluOs(s, ALU_CMP, os, al, ah, ol, oh);
    if (cond(s, 4)) setReg(c, os, i.rm, i.rmB, nl, nh);
    else setReg(c, os, 0, 0, ol, oh);
    return 0;
  }
  const lo = ea(c, i);
  if (cmpxchgMem(c, i, os, lo, c.eaHi, al, ah, nl, nh) !== 0) return FAULT;
  ol = c.oldLo;
  oh = c.oldHi;
  aluOs(s, ALU_CMP, os, al, ah, ol, oh);
  if (!cond(s, 4)) setReg(c, os, 0, 0, ol, oh);
  return 0;
}
/** cmpxchg16b body: rdx:rax vs m128 at a 16-byte aligned, write-probed address; rcx:rbx replaces it. */
function cmpxchg16(c: Cpu, lo: number, hi: number): number {
  const s = c.s;
  const a0 = c.rdw64(lo, hi);
  const a1 = c.rhi;
  const lo8 = (lo + 8) | 0;
  const hi8 = lo8 >>> 0 < lo >>> 0 ? (hi + 1) | 0 : hi;
  const b0 = c.rdw64(lo8, hi8);
  const b1 = c.rhi;
  if (c.fault !== 0) return FAULT;
  const eq = a0 === s[0] && a1 === s[1] && b0 === s[4] && b1 === s[5];
  if (eq) {
    if (c.wr64(lo, hi, s[6], s[7]) !== 0 || c.wr64(lo8, hi8, s[2], s[3]) !== 0) return FAULT;
  } else {
    // the destination is always written (with the old value on mismatch)
    if (c.wr64(lo, hi, a0, a1) !== 0 || c.wr64(lo8, hi8, b0, b1) !== 0) return FAULT;
    s[0] = a0;
    s[1] = a1;
    s[4] = b0;
    s[5] = b1;
  }
  setArith(s, F_ZF, eq ? F_ZF : 0);
  return 0;
}
/** 0F C7 /1: cmpxchg8b Mq / cmpxchg16b Mdq (REX.W) */
export function op_0fc7_cmpxchg8b_M(c: Cpu, i: Insn): number {
  const s = c.s;
  const lo = ea(c, i);
  const hi = c.eaHi;
  if (i.os === 8) {
    // 16-byte form: must be 16-byte aligned
    if ((lo & 15) !== 0) return c.raiseGP(0);
    const p = c.probeW(lo, hi, 16);
    if (p < 0) return FAULT;
    if (!i.lock) return cmpxchg16(c, lo, hi);
    // No 16-byte Atomics exist: a locked cmpxchg16b serialises on the memory's bus lock.
    const ctl = c.memory.control;
    acquireBusLock(ctl);
    try {
      return cmpxchg16(c, lo, hi);
    } finally {
      releaseBusLock(ctl);
    }
  }
  // edx:eax vs m64; ecx:ebx replacement
  if (cmpxchgMem(c, i, 8, lo, hi, s[0], s[4], s[6], s[2]) !== 0) return FAULT;
  const eq = c.oldLo === s[0] && c.oldHi === s[4];
  if (!eq) {
    s[0] = c.oldLo;
    s[1] = 0;
    s[4] = c.oldHi;
    s[5] = 0;
  }
  setArith(s, F_ZF, eq ? F_ZF : 0);
  return 0;
}
/** 0F C0/C1: xadd E, G */
export function op_0fc1_xadd_Ev_Gv(c: Cpu, i: Insn): number {
  const os = i.os;
  const bl = getReg(c, os, i.reg, i.regB);
  const bh = os === 8 ? c.rhi : 0;
  if (i.mod === 3) {
    const al = getReg(c, os, i.rm, i.rmB);
    const ah = os === 8 ? c.rhi : 0;
    const v = aluOs(c.s, 0, os, al, ah, bl, bh);
    const vh = c.s[LF_RES + 1];
    setReg(c, os, i.reg, i.regB, al, ah);
    setReg(c, os, i.rm, i.rmB, v, vh);
    return 0;
  }
  const lo = ea(c, i);
  if (rmwMem(c, i, os, lo, c.eaHi, RMW_XADD, 0, bl, bh) !== 0) return FAULT;
  setReg(c, os, i.reg, i.regB, c.oldLo, c.oldHi);
  return 0;
}
/** 98: cbw / cwde / cdqe */
export function op_98_cbw(c: Cpu, i: Insn): number {
  const s = c.s;
  if (i.os === 2) c.s16[0] = (c.s8[0] << 24) >> 24;
  else if (i.os === 4) {
    s[0] = (c.s16[0] << 16) >> 16;
    s[1] = 0;
  } else s[1] = s[0] >> 31;
  return 0;
}
/** 99: cwd / cdq / cqo */
export function op_99_cwd(c: Cpu, i: Insn): number {
  const s = c.s;
  if (i.os === 2) c.s16[2 << 2] = (c.s16[0] << 16) >> 31;
  else if (i.os === 4) {
    s[4] = s[0] >> 31;
    s[5] = 0;
  } else {
    s[4] = s[1] >> 31;
    s[5] = s[4];
  }
  return 0;
}
/** 9E: sahf */
export function op_9e_sahf(c: Cpu, _i: Insn): number {
  const m = F_SF | F_ZF | F_AF | F_PF | F_CF;
  setArith(c.s, m, c.s8[1]);
  return 0;
}
/** 9F: lahf */
export function op_9f_lahf(c: Cpu, _i: Insn): number {
  c.s8[1] = getFlags(c.s) & 0xff;
  return 0;
}
/** 0F 40-4F: cmovcc Gv, Ev (the source is read even when the condition is false) */
export function op_0f40_cmovcc_Gv_Ev(c: Cpu, i: Insn): number {
  const os = i.os;
  const v = readE(c, i, os);
  if (c.fault !== 0) return FAULT;
  const vh = c.rhi;
  if (cond(c.s, i.cc)) setReg(c, os, i.reg, 0, v, vh);
  else if (os === 4) c.s[(i.reg << 1) | 1] = 0; // 32-bit destination is zero-extended regardless
  return 0;
}
/** 0F 90-9F: setcc Eb */
export function op_0f90_setcc_Eb(c: Cpu, i: Insn): number {
  const v = cond(c.s, i.cc) ? 1 : 0;
  if (i.mod === 3) {
    c.s8[i.rmB] = v;
    return 0;
  }
  return c.wr8(ea(c, i), c.eaHi, v);
}
/** D7: xlat (AL = [seg:rBX + zero-extended AL]) */
export function op_d7_xlat(c: Cpu, i: Insn): number {
  const s = c.s;
  const sum = (s[6] >>> 0) + c.s8[0];
  let lo = sum | 0;
  let hi = (s[7] + (sum > 0xffffffff ? 1 : 0)) | 0;
  if (i.as !== 8) {
    hi = 0;
    if (i.as === 2) lo = (c.s16[3 << 2] + c.s8[0]) & 0xffff;
  }
  // reuse the memory-operand path for the segment base
  const sb = i.segBase;
  if (sb >= 0) {
    const b = c.getSegBase(sb);
    const t = BigInt.asUintN(i.mode === 64 ? 64 : 32, ((BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0)) + b);
    lo = Number(t & 0xffffffffn) | 0;
    hi = Number(t >> 32n) | 0;
  }
  const v = c.rd8(lo, hi);
  if (c.fault !== 0) return FAULT;
  c.s8[0] = v;
  return 0;
}
/** 0F C3: movnti My, Gy */
export function op_0fc3_movnti_M_Gy(c: Cpu, i: Insn): number {
  const r = i.reg << 1;
  return writeMem(c, i.os, ea(c, i), c.eaHi, c.s[r], c.s[r | 1]);
}
