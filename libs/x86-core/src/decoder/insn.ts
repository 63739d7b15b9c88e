/**
 * A decoded instruction. One monomorphic class for every instruction so handler call sites stay
 * fast; fields not used by an instruction keep their defaults.
 */
import type { Handler } from './opcode-row';
import type { CompiledRow } from './operands';

/** Handler results. */
export const EXEC_NEXT = 0; /** continue with the next instruction of the block */
export const EXEC_END = 1; /** RIP was set by the handler; leave the block */
export const EXEC_FAULT = 2; /** an exception is pending (Cpu.excVector...); RIP = instruction start */
export const EXEC_EXIT = 3; /** exit to the embedder (Cpu.exit filled); RIP set by the handler */

export class Insn {
  /** The handler executing this instruction. */
  h: Handler;
  /** Table row (with parsed operands); null for undefined encodings. */
  row: CompiledRow | null = null;
  /** Length in bytes. */
  len = 0;
  /** Linear RIP of this instruction and of the next one (lo, hi). */
  ripLo = 0;
  ripHi = 0;
  nextLo = 0;
  nextHi = 0;
  /** Index within its basic block (for exact instruction counts inside a block). */
  idx = 0;
  /** Primary opcode byte and map. */
  op = 0;
  map = 1;
  /** Operand size in bytes (1, 2, 4, 8) and address size in bytes (2, 4, 8). */
  os = 4;
  as = 8;
  /** ModRM fields; reg and rm include REX.R / REX.B. For Z-operands rm holds the opcode register. */
  mod = 3;
  reg = 0;
  rm = 0;
  /** Byte offsets in the state buffer of 8-bit register operands (AH..BH without REX). */
  regB = 0;
  rmB = 0;
  /** Memory operand: base/index register (-1 none; 16 = RIP-relative, already folded into disp). */
  base = -1;
  index = -1;
  scale = 0;
  dispLo = 0;
  dispHi = 0;
  /** Effective segment of the memory operand (ES..GS). */
  seg = 3;
  /** Segment whose base is added to the effective address (-1 = none, e.g. DS in 64-bit mode). */
  segBase = -1;
  /** True when the instruction had an explicit segment override. */
  segOverride = false;
  /** Immediates (sign/zero-extended as the operand spec requires) and a second immediate. */
  immLo = 0;
  immHi = 0;
  imm2 = 0;
  /** Branch target for relative branches (lo, hi), already truncated to the operand size. */
  tgtLo = 0;
  tgtHi = 0;
  /** 0 none, 0xf3 rep/repe, 0xf2 repne. */
  rep = 0;
  lock = false;
  rex = 0;
  /** Condition code (Jcc/SETcc/CMOVcc) or other opcode-derived selector. */
  cc = 0;
  /** Code size the instruction was decoded for (16, 32, 64). */
  mode = 64;
  /** State word indices of the destination / source registers (set by specialised handlers). */
  rd = 0;
  rs = 0;
  /** State word index of the memory operand's base register (set by the [base + disp] handlers). */
  rb = 0;
  /** State word index of the memory operand's index register (set by the [base + index*scale + disp] handlers). */
  rx = 0;

  constructor(h: Handler) {
    this.h = h;
  }
}
