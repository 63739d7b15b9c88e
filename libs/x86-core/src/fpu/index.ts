/**
 * x87 / SSE / SSE2 unit of x86-core. See README-integration.md for how the CPU hooks it in.
 *
 * The decoder merge point is {@link FPU_ROWS}: append it to the integer rows before buildTables().
 */
import type { OpcodeRow } from '../decoder/opcode-row';
import { MMX_ROWS } from './mmx-opcodes';
import { SSE_ROWS } from './sse-opcodes';
import { X87_ROWS } from './x87-opcodes';

export { FpuState, FPU_STATE_BYTES, MXCSR_DEFAULT, XMM_TMP0, XMM_TMP1 } from './fpu-state';
export { SSE_HINT_ROWS, SSE_ROWS } from './sse-opcodes';
export { X87_ROWS } from './x87-opcodes';
export { MMX_ROWS } from './mmx-opcodes';
export { fxsave, fxrstor, FXSAVE_BYTES, ldmxcsr, stmxcsr } from './fxsave';
export { VEC_GP, VEC_MF, VEC_NM, VEC_UD, VEC_XM } from './sse/mxcsr';
export * as sse from './sse/semantics';
export * as x87 from './x87/semantics';
export { f80ToNumber, numberToF80 } from './softfloat/f80';

/** Every FPU/SSE/MMX opcode row (hint rows excluded: see SSE_HINT_ROWS). */
export const FPU_ROWS: readonly OpcodeRow[] = [...SSE_ROWS, ...MMX_ROWS, ...X87_ROWS];
