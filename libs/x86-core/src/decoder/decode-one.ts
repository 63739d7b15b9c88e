/**
 * Disassembly-level view of one instruction, driven by the same table as the interpreter. Used by the
 * differential tests (compared against iced-x86) and for debugging.
 */
import { decode, DecoderTables } from './decoder';
import { Insn } from './insn';
import { op_invalid } from '../isa/handlers-misc';
import '../isa/opcode-table';
import {
  K_A,
  K_C,
  K_D,
  K_E,
  K_FIXED,
  K_G,
  K_I,
  K_IBS,
  K_J,
  K_M,
  K_MMX,
  K_MMX_E,
  K_O,
  K_ONE,
  K_R,
  K_S,
  K_SEGFIX,
  K_ST,
  K_X,
  K_XMM,
  K_XMM_E,
  K_Y,
  K_Z,
  operandBits,
  SZ_YW,
} from './operands';

export interface OperandInfo {
  kind: 'reg' | 'mem' | 'imm' | 'rel';
  /** Size in bits (0 when the memory operand has no size, e.g. LEA / INVLPG). */
  size: number;
}

export interface DecodeInfo {
  length: number;
  mnemonic: string;
  operands: OperandInfo[];
  /** Row flags (opcode-row.ts F_*) for tooling. */
  flags: number;
}

const scratch = new Insn(op_invalid);

/**
 * Decode one instruction at `offset` for 64-bit or 32-bit (compatibility-mode) code. Returns null for
 * undefined encodings (#UD), truncated input and instructions longer than 15 bytes.
 */
export function decodeOne(bytes: Uint8Array, offset: number, mode: 64 | 32): DecodeInfo | null {
  const i = scratch;
  const len = decode(DecoderTables.get(), bytes, offset, bytes.length, mode, 0, 0, i);
  if (len <= 0 || i.row === null) return null;
  const cr = i.row;
  const mnemonic = typeof cr.row.name === 'string' ? cr.row.name : cr.row.name(i);
  const operands: OperandInfo[] = [];
  const noOps = mnemonic === 'nop' && i.map === 1 && (i.op & 0xf8) === 0x90;
  if (!noOps && mnemonic !== 'pause') {
    for (const o of cr.ops) {
      const bits = operandBits(o.size, i.os, mode);
      switch (o.kind) {
        case K_E:
        case K_XMM_E:
        case K_MMX_E:
          if (i.mod === 3) operands.push({ kind: 'reg', size: bits });
          else operands.push({ kind: 'mem', size: o.size === SZ_YW ? 16 : bits });
          break;
        case K_M:
        case K_O:
        case K_X:
        case K_Y:
          operands.push({ kind: 'mem', size: bits });
          break;
        case K_G:
        case K_R:
        case K_S:
        case K_C:
        case K_D:
        case K_Z:
        case K_FIXED:
        case K_SEGFIX:
        case K_XMM:
        case K_MMX:
        case K_ST:
          operands.push({ kind: 'reg', size: bits });
          break;
        case K_I:
        case K_IBS:
        case K_ONE:
        case K_A:
          operands.push({ kind: 'imm', size: o.kind === K_IBS ? i.os * 8 : bits });
          break;
        case K_J:
          operands.push({ kind: 'rel', size: i.os * 8 });
          break;
      }
    }
  }
  return { length: len, mnemonic, operands, flags: cr.f };
}
