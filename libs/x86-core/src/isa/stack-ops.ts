/**
 * Stack instructions and the shared push/pop helpers (stack address size from the mode / SS.B).
 */
import type { Cpu } from '../cpu';
import { EXEC_END, type Insn } from '../decoder/insn';
import { FAULT } from '../state/cpu-state';
import { getFlags } from '../state/flags';
import {
  CODE_BITS,
  CPL,
  F_IF,
  F_IOPL,
  F_RF,
  F_VIF,
  F_VIP,
  F_VM,
  FLAGS,
  INT_SHADOW,
  LF_MASK,
  RIP_HI,
  RIP_LO,
  SEG,
  SEG_BASE_LO,
  SEG_SEL,
  SEG_WORDS,
  SS,
  segIdx,
} from '../state/layout';
import { ea, getReg, readMem, setReg, writeMem } from './operand';
import { loadDataSeg } from '../system/descriptors';

/** Linear address for stack offset (lo, hi) given the stack size; returns lo, hi in c.eaHi. */
function stackLinear(c: Cpu, bits: number, lo: number, hi: number): number {
  if (bits === 64) {
    c.eaHi = hi;
    return lo;
  }
  const off = bits === 32 ? lo : lo & 0xffff;
  c.eaHi = 0;
  return (off + c.s[SEG + SS * SEG_WORDS + SEG_BASE_LO]) | 0;
}

/** Push `os` bytes. Returns 0 or FAULT (RSP unchanged on fault). */
export function push(c: Cpu, os: number, lo: number, hi: number): number {
  const s = c.s;
  if (s[CODE_BITS] === 64) {
    const d = (s[8] >>> 0) - os;
    const nlo = d | 0;
    const nhi = (s[9] - (d < 0 ? 1 : 0)) | 0;
    if (writeMem(c, os, nlo, nhi, lo, hi) !== 0) {
      c.stackFault();
      return FAULT;
    }
    s[8] = nlo;
    s[9] = nhi;
    return 0;
  }
  const bits = c.stackBits();
  const nsp = bits === 32 ? (s[8] - os) | 0 : (s[8] - os) & 0xffff;
  const a = stackLinear(c, bits, nsp, 0);
  if (writeMem(c, os, a, c.eaHi, lo, hi) !== 0) {
    c.stackFault();
    return FAULT;
  }
  if (bits === 32) {
    s[8] = nsp;
    s[9] = 0;
  } else c.s16[4 << 2] = nsp;
  return 0;
}

/** Read the value `depth` bytes above RSP (no RSP change). Returns lo (hi in c.rhi); check c.fault. */
export function peek(c: Cpu, os: number, depth: number): number {
  const s = c.s;
  const bits = s[CODE_BITS] === 64 ? 64 : c.stackBits();
  const sum = (s[8] >>> 0) + depth;
  const lo = sum | 0;
  const hi = (s[9] + (sum > 0xffffffff ? 1 : 0)) | 0;
  const a = stackLinear(c, bits, lo, hi);
  const v = readMem(c, os, a, c.eaHi);
  if (c.fault !== 0) c.stackFault();
  return v;
}

/** Add `n` to the stack pointer with the stack's width. */
export function adjustSp(c: Cpu, n: number): void {
  const s = c.s;
  const bits = s[CODE_BITS] === 64 ? 64 : c.stackBits();
  if (bits === 64) {
    const sum = (s[8] >>> 0) + n;
    s[8] = sum | 0;
    s[9] = (s[9] + Math.floor(sum / 4294967296)) | 0;
  } else if (bits === 32) {
    s[8] = (s[8] + n) | 0;
    s[9] = 0;
  } else c.s16[4 << 2] = (c.s16[4 << 2] + n) & 0xffff;
}

/** Pop `os` bytes: returns lo (hi in c.rhi) and updates RSP; on fault c.fault is set, RSP unchanged. */
export function pop(c: Cpu, os: number): number {
  const s = c.s;
  if (s[CODE_BITS] === 64) {
    const lo = s[8];
    const hi = s[9];
    const v = os === 8 ? c.rd64(lo, hi) : c.rd16(lo, hi);
    if (c.fault !== 0) {
      c.stackFault();
      return 0;
    }
    const vh = os === 8 ? c.rhi : 0;
    const sum = (lo >>> 0) + os;
    s[8] = sum | 0;
    s[9] = (hi + (sum > 0xffffffff ? 1 : 0)) | 0;
    c.rhi = vh;
    return v;
  }
  const v = peek(c, os, 0);
  if (c.fault !== 0) return 0;
  const vh = c.rhi;
  adjustSp(c, os);
  c.rhi = vh;
  return v;
}

/** 50-57: push Zv */
export function op_50_push_Zv(c: Cpu, i: Insn): number {
  const r = i.rm << 1;
  return push(c, i.os, i.os === 2 ? c.s16[i.rm << 2] : c.s[r], c.s[r | 1]);
}
/** 58-5F: pop Zv */
export function op_58_pop_Zv(c: Cpu, i: Insn): number {
  const v = pop(c, i.os);
  if (c.fault !== 0) return FAULT;
  setReg(c, i.os, i.rm, 0, v, c.rhi);
  return 0;
}
/** 68: push Iz   6A: push Ibs */
export function op_68_push_Iz(c: Cpu, i: Insn): number {
  return push(c, i.os, i.immLo, i.immHi);
}
/** FF /6: push Ev */
export function op_ff_push_Ev(c: Cpu, i: Insn): number {
  const os = i.os;
  let v: number;
  if (i.mod === 3) v = getReg(c, os, i.rm, 0);
  else {
    v = readMem(c, os, ea(c, i), c.eaHi);
    if (c.fault !== 0) return FAULT;
  }
  return push(c, os, v, c.rhi);
}
/** 8F /0: pop Ev (the address is computed after RSP is incremented) */
export function op_8f_pop_Ev(c: Cpu, i: Insn): number {
  const s = c.s;
  const os = i.os;
  const spLo = s[8];
  const spHi = s[9];
  const v = pop(c, os);
  if (c.fault !== 0) return FAULT;
  const vh = c.rhi;
  if (i.mod === 3) {
    setReg(c, os, i.rm, 0, v, vh);
    return 0;
  }
  const lo = ea(c, i);
  if (writeMem(c, os, lo, c.eaHi, v, vh) !== 0) {
    s[8] = spLo;
    s[9] = spHi;
    return FAULT;
  }
  return 0;
}
/** 06/0E/16/1E (32-bit), 0F A0 / 0F A8: push Sreg */
export function op_0fa0_push_Sw(c: Cpu, i: Insn): number {
  const sr = i.row!.ops[0].reg;
  return push(c, i.os, c.s[segIdx(sr, SEG_SEL)] & 0xffff, 0);
}
/** 07/17/1F (32-bit), 0F A1 / 0F A9: pop Sreg */
export function op_0fa1_pop_Sw(c: Cpu, i: Insn): number {
  const s = c.s;
  const sr = i.row!.ops[0].reg;
  const spLo = s[8];
  const spHi = s[9];
  const v = pop(c, i.os);
  if (c.fault !== 0) return FAULT;
  const r = loadDataSeg(c, sr, v & 0xffff);
  if (r !== 0) {
    s[8] = spLo;
    s[9] = spHi;
    return r;
  }
  if (sr === SS) {
    s[INT_SHADOW] = 1;
    s[RIP_LO] = i.nextLo;
    s[RIP_HI] = i.nextHi;
    return EXEC_END;
  }
  return 0;
}
/** 9C: pushf (VM and RF read as 0) */
export function op_9c_pushf(c: Cpu, i: Insn): number {
  const f = getFlags(c.s) & ~(F_VM | F_RF);
  return push(c, i.os, i.os === 2 ? f & 0xffff : f, 0);
}
/** 9D: popf — which bits change depends on CPL and IOPL. Ends the block (IF/TF may change). */
export function op_9d_popf(c: Cpu, i: Insn): number {
  const s = c.s;
  const v = pop(c, i.os);
  if (c.fault !== 0) return FAULT;
  writeFlagsChecked(c, v, i.os === 2 ? 0xffff : -1);
  s[RIP_LO] = i.nextLo;
  s[RIP_HI] = i.nextHi;
  return EXEC_END;
}

/** RFLAGS write with POPF privilege rules; `width` masks which bits the operand covers. */
export function writeFlagsChecked(c: Cpu, v: number, width: number): void {
  const s = c.s;
  const cur = getFlags(s);
  const cpl = s[CPL];
  const iopl = (cur & F_IOPL) >>> 12;
  let changeable = 0x3f7fd5 & ~(F_VM | F_VIP | F_VIF | F_RF);
  if (cpl > 0) changeable &= ~F_IOPL;
  if (cpl > iopl) changeable &= ~F_IF;
  changeable &= width;
  s[FLAGS] = ((cur & ~changeable) | (v & changeable) | 2) & ~F_RF;
  s[LF_MASK] = 0;
}
/** C8: enter Iw, Ib */
export function op_c8_enter_Iw_Ib(c: Cpu, i: Insn): number {
  const s = c.s;
  const os = i.os;
  const size = i.immLo & 0xffff;
  const level = i.imm2 & 31;
  const spLo = s[8];
  const spHi = s[9];
  const rbp = getReg(c, os, 5, 0);
  const rbpH = c.rhi;
  if (push(c, os, rbp, rbpH) !== 0) return FAULT;
  const ftLo = s[8];
  const ftHi = s[9];
  if (level > 0) {
    let bpLo = s[10];
    let bpHi = s[11];
    for (let k = 1; k < level; k++) {
      const d = (bpLo >>> 0) - os;
      bpLo = d | 0;
      bpHi = (bpHi - (d < 0 ? 1 : 0)) | 0;
      const bits = s[CODE_BITS] === 64 ? 64 : c.stackBits();
      const a = stackLinear(c, bits, bpLo, bpHi);
      const v = readMem(c, os, a, c.eaHi);
      if (c.fault !== 0 || push(c, os, v, c.rhi) !== 0) {
        c.stackFault();
        s[8] = spLo;
        s[9] = spHi;
        return FAULT;
      }
    }
    if (push(c, os, ftLo, ftHi) !== 0) {
      s[8] = spLo;
      s[9] = spHi;
      return FAULT;
    }
  }
  // real CPUs probe the new stack bottom: the write to [rSP - size] must be allowed
  adjustSp(c, -size);
  const bits = s[CODE_BITS] === 64 ? 64 : c.stackBits();
  const a = stackLinear(c, bits, s[8], s[9]);
  if (size !== 0 && c.probeW(a, c.eaHi, os) < 0) {
    c.stackFault();
    s[8] = spLo;
    s[9] = spHi;
    return FAULT;
  }
  setReg(c, os === 2 ? 2 : s[CODE_BITS] === 64 ? 8 : 4, 5, 0, ftLo, ftHi);
  return 0;
}
/** C9: leave */
export function op_c9_leave(c: Cpu, i: Insn): number {
  const s = c.s;
  const spLo = s[8];
  const spHi = s[9];
  const bits = s[CODE_BITS] === 64 ? 64 : c.stackBits();
  if (bits === 64) {
    s[8] = s[10];
    s[9] = s[11];
  } else if (bits === 32) {
    s[8] = s[10];
    s[9] = 0;
  } else c.s16[4 << 2] = c.s16[5 << 2];
  const v = pop(c, i.os);
  if (c.fault !== 0) {
    s[8] = spLo;
    s[9] = spHi;
    return FAULT;
  }
  setReg(c, i.os, 5, 0, v, c.rhi);
  return 0;
}
