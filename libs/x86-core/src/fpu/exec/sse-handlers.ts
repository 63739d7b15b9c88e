/**
 * Handler factories that bind the pure SSE semantic functions to decoded instructions. Each factory
 * returns a `Handler` (c, i) => EXEC_*: availability check, operand fetch (faults as values), the
 * semantic function, write-back. The opcode rows in ../sse-opcodes.ts are built from these.
 */
import type { Cpu } from '../../cpu';
import type { Insn } from '../../decoder/insn';
import type { Handler } from '../../decoder/opcode-row';
import { ea, stringAddr } from '../../isa/operand';
import { FAULT, GP, UD } from '../../state/cpu-state';
import { setArith } from '../../state/flags';
import { F_ARITH, RDI } from '../../state/layout';
import type { FpuState } from '../fpu-state';
import { FXSAVE_BYTES, FXSAVE_USED, fxrstor, fxsave, ldmxcsr } from '../fxsave';
import { comiOut } from '../sse/sse-fp';
import { gprOut } from '../sse/sse-cvt';
import { maskmovdquMask, movdToXmm } from '../sse/sse-move';
import { fxCheck, simdFault, sseCheck } from './access';
import { OPERAND_FAULT, readEy, setGpr, srcW, storeHigh, storeW } from './sse-operands';

type Op2 = (st: FpuState, d: number, s: number) => void;
type Op2F = (st: FpuState, d: number, s: number) => number;
type Op2I = (st: FpuState, d: number, s: number, imm: number) => void;
type Op2IF = (st: FpuState, d: number, s: number, imm: number) => number;

/** V = op(V, W): packed integer / logic / shuffle (memory operand 16 bytes, aligned unless told). */
export function xmmOp(fn: Op2, size = 16, aligned = true): Handler {
  return (c: Cpu, i: Insn) => {
    if (sseCheck(c) !== 0) return FAULT;
    const s = srcW(c, i, size, aligned);
    if (s === OPERAND_FAULT) return FAULT;
    fn(c.fpu, i.reg, s);
    return 0;
  };
}

/** V = op(V, W) for floating point: may raise #XM/#UD. */
export function xmmFp(fn: Op2F, size = 16, aligned = true): Handler {
  return (c: Cpu, i: Insn) => {
    if (sseCheck(c) !== 0) return FAULT;
    const s = srcW(c, i, size, aligned);
    if (s === OPERAND_FAULT) return FAULT;
    return fn(c.fpu, i.reg, s) === 0 ? 0 : simdFault(c);
  };
}

export function xmmOpImm(fn: Op2I): Handler {
  return (c: Cpu, i: Insn) => {
    if (sseCheck(c) !== 0) return FAULT;
    const s = srcW(c, i, 16, true);
    if (s === OPERAND_FAULT) return FAULT;
    fn(c.fpu, i.reg, s, i.immLo & 0xff);
    return 0;
  };
}

export function xmmFpImm(fn: Op2IF, size = 16): Handler {
  return (c: Cpu, i: Insn) => {
    if (sseCheck(c) !== 0) return FAULT;
    const s = srcW(c, i, size, true);
    if (s === OPERAND_FAULT) return FAULT;
    return fn(c.fpu, i.reg, s, i.immLo & 0xff) === 0 ? 0 : simdFault(c);
  };
}

/** Shift-by-immediate groups (66 0F 71/72/73): the register is ModRM.rm. */
export function shiftImm(fn: (st: FpuState, d: number, n: number) => void): Handler {
  return (c: Cpu, i: Insn) => {
    if (sseCheck(c) !== 0) return FAULT;
    fn(c.fpu, i.rm, i.immLo & 0xff);
    return 0;
  };
}

/**
 * Loads into V. `reg` handles the register form (merge semantics differ per instruction); memory
 * sources go through the zero-extended scratch slot and `mem` merges them.
 */
export function load(size: number, aligned: boolean, reg: Op2, mem: Op2): Handler {
  return (c: Cpu, i: Insn) => {
    if (sseCheck(c) !== 0) return FAULT;
    if (i.mod === 3) {
      reg(c.fpu, i.reg, i.rm);
      return 0;
    }
    const s = srcW(c, i, size, aligned);
    if (s === OPERAND_FAULT) return FAULT;
    mem(c.fpu, i.reg, s);
    return 0;
  };
}

/** Stores of V to W (memory: low `size` bytes; register form: `reg(st, rm, reg)`). */
export function store(size: number, aligned: boolean, reg: Op2 | null): Handler {
  return (c: Cpu, i: Insn) => {
    if (sseCheck(c) !== 0) return FAULT;
    if (i.mod === 3) {
      if (reg === null) return c.raise(UD);
      reg(c.fpu, i.rm, i.reg);
      return 0;
    }
    return storeW(c, i, i.reg, size, aligned);
  };
}

export const storeHighQ: Handler = (c, i) => {
  if (sseCheck(c) !== 0) return FAULT;
  return storeHigh(c, i, i.reg);
};

/** MOVD/MOVQ xmm, r/m32|64. */
export const movdToX: Handler = (c, i) => {
  if (sseCheck(c) !== 0) return FAULT;
  const is64 = i.os === 8;
  const lo = readEy(c, i, is64);
  if (c.fault !== 0) return FAULT;
  movdToXmm(c.fpu, i.reg, lo, c.rhi, is64);
  return 0;
};

/** MOVD/MOVQ r/m32|64, xmm. */
export const movdFromX: Handler = (c, i) => {
  if (sseCheck(c) !== 0) return FAULT;
  const is64 = i.os === 8;
  const u = c.fpu.i32;
  const lo = u[i.reg * 4];
  const hi = u[i.reg * 4 + 1];
  if (i.mod === 3) {
    setGpr(c, i.rm, lo, hi, is64);
    return 0;
  }
  const a = ea(c, i);
  return is64 ? c.wr64(a, c.eaHi, lo, hi) : c.wr32(a, c.eaHi, lo);
};

/** PMOVMSKB / MOVMSKPS / MOVMSKPD r32, xmm. */
export function maskToGpr(fn: (st: FpuState, s: number) => number): Handler {
  return (c, i) => {
    if (sseCheck(c) !== 0) return FAULT;
    setGpr(c, i.reg, fn(c.fpu, i.rm), 0, false);
    return 0;
  };
}

/** CVTSI2SS / CVTSI2SD xmm, r/m32|64. */
export function cvtFromInt(
  fn: (st: FpuState, d: number, lo: number, hi: number, is64: boolean) => number,
): Handler {
  return (c, i) => {
    if (sseCheck(c) !== 0) return FAULT;
    const is64 = i.os === 8;
    const lo = readEy(c, i, is64);
    if (c.fault !== 0) return FAULT;
    return fn(c.fpu, i.reg, lo, c.rhi, is64) === 0 ? 0 : simdFault(c);
  };
}

/** CVT(T)SS2SI / CVT(T)SD2SI r32|64, xmm/m32|64. */
export function cvtToInt(
  fn: (st: FpuState, s: number, is64: boolean, trunc: boolean) => number,
  size: number,
  trunc: boolean,
): Handler {
  return (c, i) => {
    if (sseCheck(c) !== 0) return FAULT;
    const s = srcW(c, i, size, false);
    if (s === OPERAND_FAULT) return FAULT;
    const is64 = i.os === 8;
    if (fn(c.fpu, s, is64, trunc) !== 0) return simdFault(c);
    setGpr(c, i.reg, gprOut.lo, gprOut.hi, is64);
    return 0;
  };
}

/** (U)COMISS / (U)COMISD: ZF PF CF from the compare, OF SF AF cleared. */
export function comi(fn: Op2F, size: number): Handler {
  return (c, i) => {
    if (sseCheck(c) !== 0) return FAULT;
    const s = srcW(c, i, size, false);
    if (s === OPERAND_FAULT) return FAULT;
    if (fn(c.fpu, i.reg, s) !== 0) return simdFault(c);
    setArith(c.s, F_ARITH, comiOut.eflags);
    return 0;
  };
}

export const ldmxcsrH: Handler = (c, i) => {
  if (sseCheck(c) !== 0) return FAULT;
  const a = ea(c, i);
  const v = c.rd32(a, c.eaHi);
  if (c.fault !== 0) return FAULT;
  return ldmxcsr(c.fpu, v) === 0 ? 0 : c.raise(GP, 0);
};

export const stmxcsrH: Handler = (c, i) => {
  if (sseCheck(c) !== 0) return FAULT;
  const a = ea(c, i);
  return c.wr32(a, c.eaHi, c.fpu.mxcsr | 0);
};

const fxImage = new DataView(new ArrayBuffer(FXSAVE_BYTES));

/** FXSAVE / FXSAVE64 m512 (bytes 416-511 are left untouched). */
export const fxsaveH: Handler = (c, i) => {
  if (fxCheck(c) !== 0) return FAULT;
  const lo = ea(c, i);
  const hi = c.eaHi;
  if ((lo & 15) !== 0) return c.raise(GP, 0);
  if (c.probeW(lo, hi, FXSAVE_USED) < 0) return FAULT;
  fxsave(c.fpu, fxImage, 0, (i.rex & 8) !== 0);
  for (let k = 0; k < FXSAVE_USED; k += 4) {
    const n = (lo + k) | 0;
    if (c.wr32(n, n >>> 0 < lo >>> 0 ? (hi + 1) | 0 : hi, fxImage.getInt32(k, true)) !== 0) return FAULT;
  }
  return 0;
};

/** FXRSTOR / FXRSTOR64 m512. */
export const fxrstorH: Handler = (c, i) => {
  if (fxCheck(c) !== 0) return FAULT;
  const lo = ea(c, i);
  const hi = c.eaHi;
  if ((lo & 15) !== 0) return c.raise(GP, 0);
  for (let k = 0; k < FXSAVE_USED; k += 4) {
    const n = (lo + k) | 0;
    const v = c.rd32(n, n >>> 0 < lo >>> 0 ? (hi + 1) | 0 : hi);
    if (c.fault !== 0) return FAULT;
    fxImage.setInt32(k, v, true);
  }
  return fxrstor(c.fpu, fxImage, 0, (i.rex & 8) !== 0) === 0 ? 0 : c.raise(GP, 0);
};

/** MOVNTI m32|64, r32|64 (a plain store; non-temporal hints have no effect here). */
export const movntiH: Handler = (c, i) => {
  const a = ea(c, i);
  const r = i.reg << 1;
  return i.os === 8 ? c.wr64(a, c.eaHi, c.s[r], c.s[r | 1]) : c.wr32(a, c.eaHi, c.s[r]);
};

/** MASKMOVDQU xmm1, xmm2: byte-masked store of xmm1 to [seg:rDI] (bytes written in order). */
export const maskmovdquH: Handler = (c, i) => {
  if (sseCheck(c) !== 0) return FAULT;
  const mask = maskmovdquMask(c.fpu, i.rm);
  if (mask === 0) return 0;
  const lo = stringAddr(c, i, RDI, i.seg);
  const hi = c.eaHi;
  const u8 = c.fpu.u8;
  for (let k = 0; k < 16; k++) {
    if ((mask & (1 << k)) === 0) continue;
    const n = (lo + k) | 0;
    if (c.wr8(n, n >>> 0 < lo >>> 0 ? (hi + 1) | 0 : hi, u8[i.reg * 16 + k]) !== 0) return FAULT;
  }
  return 0;
};

/** LFENCE / MFENCE / SFENCE / PREFETCHh: no architectural effect in a sequential interpreter. */
export const nopH: Handler = () => 0;

/** CLFLUSH m8: faults like a byte read; no cache to flush. */
export const clflushH: Handler = (c, i) => {
  const a = ea(c, i);
  c.rd8(a, c.eaHi);
  return c.fault !== 0 ? FAULT : 0;
};
