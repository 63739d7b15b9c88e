/**
 * The merged opcode table: integer rows, system rows and the x87/SSE rows exported by src/fpu.
 * Additional rows (e.g. experimental extensions) can be registered before the first decode.
 */
import { DecoderTables } from '../decoder/decoder';
import type { OpcodeRow } from '../decoder/opcode-row';
import { FPU_ROWS } from '../fpu';
import { integerRows } from './integer-table';
import { systemRows } from './system-table';

const extraRows: OpcodeRow[] = [];

/** Every row the decoder knows. */
export function allRows(): readonly OpcodeRow[] {
  return [...integerRows, ...systemRows, ...FPU_ROWS, ...extraRows];
}

/** Add rows (from another file/area); the decode tables are rebuilt on next use. */
export function registerOpcodeRows(rows: readonly OpcodeRow[]): void {
  extraRows.push(...rows);
  DecoderTables.invalidate();
}

DecoderTables.setSource(allRows);
