/**
 * The declarative opcode table format. Every instruction the core knows is one `OpcodeRow`; the
 * decoder, `decodeOne` (disassembly info) and the interpreter are all driven from the merged rows.
 *
 * Operand specs use the SDM's appendix-A notation:
 *   E? reg-or-memory from ModRM.rm      G? register from ModRM.reg      M? memory only (mod=3 → #UD)
 *   R? register from ModRM.rm (mod ignored, as for MOV CRn)           S segment reg from ModRM.reg
 *   C control reg / D debug reg from ModRM.reg                        Z? register from opcode bits 2:0
 *   I? immediate  Ibs sign-extended imm8   J? relative branch   O? moffs (address-size immediate)
 *   X?/Y? string source [rSI] / destination [rDI]   Ap far pointer immediate
 *   fixed registers: AL CL DX AX eAX rAX; 1 = the constant one (shifts).
 * Size suffixes: b 8, w 16, d 32, q 64, v operand size (16/32/64), y 32/64, z 16/32, dq 128,
 * p far pointer (offset:selector), s descriptor-table pointer (2+8 bytes).
 */
import type { Insn } from './insn';
import type { Cpu } from '../cpu';

/** Instruction handler: returns one of the EXEC_* codes (insn.ts). */
export type Handler = (c: Cpu, i: Insn) => number;

/** Opcode maps. */
export const MAP_1 = 1;
export const MAP_0F = 2;
export const MAP_0F38 = 3;
export const MAP_0F3A = 4;

/** Row flags. */
export const F_END = 1 << 0; /** ends a basic block (branches, mode/privilege changes, serialising) */
export const F_INV64 = 1 << 1; /** #UD in 64-bit mode */
export const F_ONLY64 = 1 << 2; /** #UD outside 64-bit mode */
export const F_LOCK = 1 << 3; /** LOCK prefix allowed (with a memory destination) */
export const F_D64 = 1 << 4; /** default operand size 64 in 64-bit mode (66 → 16) */
export const F_F64 = 1 << 5; /** operand size forced to 64 in 64-bit mode */
export const F_STACK = 1 << 6; /** implicit stack access (faults on SS: #SS instead of #GP) */
export const F_STRICT_PFX = 1 << 7; /** a missing mandatory-prefix variant is #UD (no fallback) */
export const F_B8 = 1 << 8; /** operation size is 8 bits regardless of prefixes */
export const F_NO_REP = 1 << 9; /** (informational) rep prefixes have no effect */
export const F_SSE = 1 << 10; /** a 66 used as a mandatory prefix does not change the operand size */
export const F_REP_OK = 1 << 11; /** a string instruction that honours REP/REPE/REPNE */
export const F_MEM_ONLY = 1 << 12; /** (derived) has an M operand: mod = 3 is #UD */
export const F_MOD3 = 1 << 13; /** (derived) ModRM.mod is ignored and read as 3 (MOV CRn/DRn) */

export interface OpcodeRow {
  /** Opcode map (MAP_1, MAP_0F, MAP_0F38, MAP_0F3A). */
  map: number;
  /** Opcode byte within the map. */
  op: number;
  /** Mandatory prefix selecting this row (SSE style); absent = no mandatory prefix. */
  pfx?: 0x66 | 0xf3 | 0xf2;
  /** ModRM.reg value (opcode groups). Implies a ModRM byte. */
  reg?: number;
  /** Restrict to memory (mod != 3) or register (mod = 3) forms. Implies a ModRM byte. */
  mod?: 'mem' | 'reg';
  /** ModRM.rm value for mod = 3 encodings (e.g. 0F 01 F8 swapgs). Implies mod 'reg'. */
  rm?: number;
  /** Has a ModRM byte (defaults to true if any operand needs one or reg/mod/rm is given). */
  modrm?: boolean;
  /** Lower-case mnemonic (iced-x86 naming) or a function of the decoded instruction. */
  name: string | ((i: Insn) => string);
  /** Comma-separated operand specs, e.g. 'Ev,Gv'. Empty string for none. */
  ops: string;
  /** The handler, named after the encoding (op_01_add_Ev_Gv). */
  exec: Handler;
  /** F_* flags. */
  f?: number;
  /**
   * Optional decode-time validity check on the raw ModRM byte (-1 if none), REX prefix and the
   * F2/F3 prefix not consumed as a mandatory prefix (0 if none); false makes the encoding #UD.
   */
  check?: (modrm: number, rex: number, rep: number) => boolean;
  /** Optional decode-time specialisation: return a faster handler for this decoded instance. */
  fast?: (i: Insn) => Handler | undefined;
}
