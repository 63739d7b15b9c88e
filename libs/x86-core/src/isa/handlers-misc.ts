/** Handlers for encodings the decoder rejects. */
import type { Cpu } from '../cpu';
import type { Insn } from '../decoder/insn';

/** Undefined opcode: #UD. */
export function op_invalid(c: Cpu, _i: Insn): number {
  return c.raiseUD();
}

/** Instruction longer than 15 bytes: #GP(0). */
export function op_gp0(c: Cpu, _i: Insn): number {
  return c.raiseGP(0);
}
