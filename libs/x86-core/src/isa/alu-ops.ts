/**
 * Integer ALU instructions: the eight binary ops in all encodings, TEST, NOT/NEG, INC/DEC.
 * The ALU operation comes from opcode bits 5:3 (00-3F) or ModRM.reg (groups 80-83).
 */
import type { Cpu } from '../cpu';
import type { Insn } from '../decoder/insn';
import { FAULT } from '../state/cpu-state';
import { LF_RES } from '../state/layout';
import { ALU_AND, ALU_CMP, alu32, alu64, aluOs, aluSmall, incDec } from './alu';
import { ea, getReg, readE, readMem, setReg } from './operand';
import { RMW_ALU, RMW_DEC, RMW_INC, RMW_NEG, RMW_NOT, rmwCompute, rmwMem } from './rmw';

/** op E, (bl, bh): write back unless CMP/TEST (op 7 / 8). */
function aluE(c: Cpu, i: Insn, op: number, os: number, bl: number, bh: number): number {
  const s = c.s;
  const aop = op === 8 ? ALU_AND : op;
  const store = op < 7;
  if (i.mod === 3) {
    const r = i.rm;
    switch (os) {
      case 4: {
        const v = alu32(s, aop, s[r << 1], bl);
        if (store) {
          s[r << 1] = v;
          s[(r << 1) | 1] = 0;
        }
        return 0;
      }
      case 8: {
        const v = alu64(s, aop, s[r << 1], s[(r << 1) | 1], bl, bh);
        if (store) {
          s[r << 1] = v;
          s[(r << 1) | 1] = s[LF_RES + 1];
        }
        return 0;
      }
      case 2: {
        const v = aluSmall(s, aop, 16, c.s16[r << 2], bl);
        if (store) c.s16[r << 2] = v;
        return 0;
      }
      default: {
        const v = aluSmall(s, aop, 8, c.s8[i.rmB], bl);
        if (store) c.s8[i.rmB] = v;
        return 0;
      }
    }
  }
  const lo = ea(c, i);
  const hi = c.eaHi;
  if (!store) {
    const a = readMem(c, os, lo, hi);
    if (c.fault !== 0) return FAULT;
    aluOs(s, aop, os, a, c.rhi, bl, bh);
    return 0;
  }
  return rmwMem(c, i, os, lo, hi, RMW_ALU, aop, bl, bh);
}

/** op G, E (register destination). */
function aluG(c: Cpu, i: Insn, op: number, os: number): number {
  const s = c.s;
  const b = readE(c, i, os);
  if (c.fault !== 0) return FAULT;
  const bh = c.rhi;
  const r = i.reg;
  const aop = op === 8 ? ALU_AND : op;
  switch (os) {
    case 4: {
      const v = alu32(s, aop, s[r << 1], b);
      if (op < 7) {
        s[r << 1] = v;
        s[(r << 1) | 1] = 0;
      }
      return 0;
    }
    case 8: {
      const v = alu64(s, aop, s[r << 1], s[(r << 1) | 1], b, bh);
      if (op < 7) {
        s[r << 1] = v;
        s[(r << 1) | 1] = s[LF_RES + 1];
      }
      return 0;
    }
    case 2: {
      const v = aluSmall(s, aop, 16, c.s16[r << 2], b);
      if (op < 7) c.s16[r << 2] = v;
      return 0;
    }
    default: {
      const v = aluSmall(s, aop, 8, c.s8[i.regB], b);
      if (op < 7) c.s8[i.regB] = v;
      return 0;
    }
  }
}

/** 00,08,..,38: op Eb, Gb */
export function op_00_alu_Eb_Gb(c: Cpu, i: Insn): number {
  return aluE(c, i, (i.op >> 3) & 7, 1, c.s8[i.regB], 0);
}
/** 01,09,..,39: op Ev, Gv */
export function op_01_alu_Ev_Gv(c: Cpu, i: Insn): number {
  const r = i.reg << 1;
  return aluE(c, i, (i.op >> 3) & 7, i.os, c.s[r], c.s[r | 1]);
}
/** 02,0A,..,3A: op Gb, Eb */
export function op_02_alu_Gb_Eb(c: Cpu, i: Insn): number {
  return aluG(c, i, (i.op >> 3) & 7, 1);
}
/** 03,0B,..,3B: op Gv, Ev */
export function op_03_alu_Gv_Ev(c: Cpu, i: Insn): number {
  return aluG(c, i, (i.op >> 3) & 7, i.os);
}
/** 04,0C,..,3C: op AL, Ib */
export function op_04_alu_AL_Ib(c: Cpu, i: Insn): number {
  const op = (i.op >> 3) & 7;
  const v = aluSmall(c.s, op, 8, c.s8[0], i.immLo);
  if (op !== ALU_CMP) c.s8[0] = v;
  return 0;
}
/** 05,0D,..,3D: op rAX, Iz */
export function op_05_alu_rAX_Iz(c: Cpu, i: Insn): number {
  const s = c.s;
  const op = (i.op >> 3) & 7;
  const os = i.os;
  const v = aluOs(s, op, os, s[0], s[1], i.immLo, i.immHi);
  if (op !== ALU_CMP) setReg(c, os, 0, 0, v, s[LF_RES + 1]);
  return 0;
}
/** 80 /r: op Eb, Ib (82 is the 32-bit-only alias) */
export function op_80_grp1_Eb_Ib(c: Cpu, i: Insn): number {
  return aluE(c, i, i.reg & 7, 1, i.immLo, 0);
}
/** 81 /r: op Ev, Iz   83 /r: op Ev, Ibs */
export function op_81_grp1_Ev_Iz(c: Cpu, i: Insn): number {
  return aluE(c, i, i.reg & 7, i.os, i.immLo, i.immHi);
}
/** 84: test Eb, Gb */
export function op_84_test_Eb_Gb(c: Cpu, i: Insn): number {
  return aluE(c, i, 8, 1, c.s8[i.regB], 0);
}
/** 85: test Ev, Gv */
export function op_85_test_Ev_Gv(c: Cpu, i: Insn): number {
  const r = i.reg << 1;
  return aluE(c, i, 8, i.os, c.s[r], c.s[r | 1]);
}
/** A8: test AL, Ib */
export function op_a8_test_AL_Ib(c: Cpu, i: Insn): number {
  aluSmall(c.s, ALU_AND, 8, c.s8[0], i.immLo);
  return 0;
}
/** A9: test rAX, Iz */
export function op_a9_test_rAX_Iz(c: Cpu, i: Insn): number {
  aluOs(c.s, ALU_AND, i.os, c.s[0], c.s[1], i.immLo, i.immHi);
  return 0;
}
/** F6 /0 /1: test Eb, Ib */
export function op_f6_test_Eb_Ib(c: Cpu, i: Insn): number {
  return aluE(c, i, 8, 1, i.immLo, 0);
}
/** F7 /0 /1: test Ev, Iz */
export function op_f7_test_Ev_Iz(c: Cpu, i: Insn): number {
  return aluE(c, i, 8, i.os, i.immLo, i.immHi);
}

function unaryE(c: Cpu, i: Insn, os: number, kind: number): number {
  if (i.mod === 3) {
    const a = getReg(c, os, i.rm, i.rmB);
    const ah = os === 8 ? c.rhi : 0;
    const v = rmwCompute(c, kind, 0, os, a, ah, 0, 0);
    setReg(c, os, i.rm, i.rmB, v, c.rhi);
    return 0;
  }
  const lo = ea(c, i);
  return rmwMem(c, i, os, lo, c.eaHi, kind, 0, 0, 0);
}

/** F6 /2, F7 /2: not E */
export function op_f7_not_Ev(c: Cpu, i: Insn): number {
  return unaryE(c, i, i.os, RMW_NOT);
}
/** F6 /3, F7 /3: neg E */
export function op_f7_neg_Ev(c: Cpu, i: Insn): number {
  return unaryE(c, i, i.os, RMW_NEG);
}
/** FE /0, FF /0: inc E */
export function op_ff_inc_Ev(c: Cpu, i: Insn): number {
  return unaryE(c, i, i.os, RMW_INC);
}
/** FE /1, FF /1: dec E */
export function op_ff_dec_Ev(c: Cpu, i: Insn): number {
  return unaryE(c, i, i.os, RMW_DEC);
}
/** 40-47 / 48-4F (32-bit modes only): inc/dec Zv */
export function op_40_incdec_Zv(c: Cpu, i: Insn): number {
  const os = i.os;
  const r = i.op & 7;
  const v = incDec(c.s, (i.op >> 3) & 1, os, getReg(c, os, r, 0), 0);
  setReg(c, os, r, 0, v, 0);
  return 0;
}
