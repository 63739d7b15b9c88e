/**
 * Operand specs parsed from the table's 'Ev,Gv' strings, and compiled rows.
 */
import { F_B8, F_MEM_ONLY, F_MOD3, type OpcodeRow } from './opcode-row';

export const K_E = 1; /** reg/mem from ModRM.rm */
export const K_G = 2; /** reg from ModRM.reg */
export const K_M = 3; /** memory only */
export const K_R = 4; /** register from ModRM.rm, mod ignored */
export const K_S = 5; /** segment register from ModRM.reg */
export const K_C = 6; /** control register from ModRM.reg */
export const K_D = 7; /** debug register from ModRM.reg */
export const K_Z = 8; /** register from opcode bits 2:0 (+REX.B) */
export const K_I = 9; /** immediate, zero-extended (Ib/Iw) or sign-extended to operand size (Iz/Iv) */
export const K_IBS = 10; /** imm8 sign-extended */
export const K_J = 11; /** relative branch */
export const K_O = 12; /** moffs */
export const K_X = 13; /** string source [seg:rSI] */
export const K_Y = 14; /** string destination [ES:rDI] */
export const K_A = 15; /** far pointer immediate */
export const K_FIXED = 16; /** fixed register (AL, CL, DX, eAX, rAX) */
export const K_ONE = 17; /** constant 1 */
export const K_SEGFIX = 18; /** fixed segment register (push fs) */
export const K_XMM = 19; /** xmm register from ModRM.reg (for src/fpu rows) */
export const K_XMM_E = 20; /** xmm register or memory from ModRM.rm */
export const K_ST = 21; /** x87 stack register from ModRM.rm */
export const K_MMX = 22; /** mmx register from ModRM.reg */
export const K_MMX_E = 23; /** mmx register or memory from ModRM.rm */

/** Operand size codes. */
export const SZ_NONE = 0;
export const SZ_B = 1;
export const SZ_W = 2;
export const SZ_D = 3;
export const SZ_Q = 4;
export const SZ_V = 5;
export const SZ_Y = 6;
export const SZ_Z = 7;
export const SZ_DQ = 8;
export const SZ_P = 9;
export const SZ_S = 10;
/** 80-bit (x87 m80) */
export const SZ_T = 11;
/** two operand-size values (BOUND) */
export const SZ_A = 12;
/** 64 bits, or 128 with REX.W (CMPXCHG8B / CMPXCHG16B) */
export const SZ_QO = 13;
/** r32/r64 as a register, m16 as memory (PINSRW's source) */
export const SZ_YW = 14;

export interface OperandSpec {
  kind: number;
  size: number;
  /** register number for K_FIXED / K_SEGFIX */
  reg: number;
  text: string;
}

export interface CompiledRow {
  row: OpcodeRow;
  ops: OperandSpec[];
  modrm: boolean;
  f: number;
}

const SIZE_CODES: Record<string, number> = {
  '': SZ_NONE,
  b: SZ_B,
  w: SZ_W,
  d: SZ_D,
  q: SZ_Q,
  v: SZ_V,
  y: SZ_Y,
  z: SZ_Z,
  dq: SZ_DQ,
  p: SZ_P,
  s: SZ_S,
  t: SZ_T,
  x: SZ_DQ,
  a: SZ_A,
  qo: SZ_QO,
  yw: SZ_YW,
};

const FIXED: Record<string, [number, number]> = {
  AL: [0, SZ_B],
  CL: [1, SZ_B],
  DX: [2, SZ_W],
  AX: [0, SZ_W],
  eAX: [0, SZ_Z],
  rAX: [0, SZ_V],
};

const SEGS: Record<string, number> = { ES: 0, CS: 1, SS: 2, DS: 3, FS: 4, GS: 5 };

const KINDS: Record<string, number> = {
  E: K_E,
  G: K_G,
  M: K_M,
  R: K_R,
  S: K_S,
  C: K_C,
  D: K_D,
  Z: K_Z,
  J: K_J,
  O: K_O,
  X: K_X,
  Y: K_Y,
  A: K_A,
  V: K_XMM,
  W: K_XMM_E,
  P: K_MMX,
  Q: K_MMX_E,
};

export function parseOperand(text: string): OperandSpec {
  const t = text.trim();
  if (t in FIXED) return { kind: K_FIXED, size: FIXED[t][1], reg: FIXED[t][0], text: t };
  if (t in SEGS) return { kind: K_SEGFIX, size: SZ_W, reg: SEGS[t], text: t };
  if (t === '1') return { kind: K_ONE, size: SZ_B, reg: 0, text: t };
  if (t === 'Ibs') return { kind: K_IBS, size: SZ_B, reg: 0, text: t };
  if (t.startsWith('ST')) return { kind: K_ST, size: SZ_T, reg: 0, text: t };
  if (t[0] === 'I') {
    const sz = SIZE_CODES[t.slice(1)];
    if (sz === undefined) throw new Error(`bad operand spec ${t}`);
    return { kind: K_I, size: sz, reg: 0, text: t };
  }
  const kind = KINDS[t[0]];
  const sz = SIZE_CODES[t.slice(1)];
  if (kind === undefined || sz === undefined) throw new Error(`bad operand spec ${t}`);
  return { kind, size: sz, reg: 0, text: t };
}

const NEEDS_MODRM = new Set([K_E, K_G, K_M, K_R, K_S, K_C, K_D, K_XMM, K_XMM_E, K_MMX, K_MMX_E]);

export function compileRow(row: OpcodeRow): CompiledRow {
  const ops = row.ops === '' ? [] : row.ops.split(',').map(parseOperand);
  const modrm =
    row.modrm ??
    (row.reg !== undefined ||
      row.mod !== undefined ||
      row.rm !== undefined ||
      ops.some((o) => NEEDS_MODRM.has(o.kind)));
  let f = row.f ?? 0;
  // An instruction whose first operand is byte-sized operates on 8 bits.
  if (
    ops.length > 0 &&
    ops[0].size === SZ_B &&
    ops[0].kind !== K_I &&
    ops[0].kind !== K_J &&
    ops[0].kind !== K_IBS
  )
    f |= F_B8;
  if (ops.some((o) => o.kind === K_M)) f |= F_MEM_ONLY;
  if (
    ops.some((o) => o.kind === K_R) &&
    !ops.some((o) => o.kind === K_E || o.kind === K_M) &&
    row.mod === undefined
  )
    f |= F_MOD3;
  return { row, ops, modrm, f };
}

/** Operand size in bits for a spec, given the instruction's operand/address size in bytes. */
export function operandBits(size: number, os: number, mode: number): number {
  switch (size) {
    case SZ_B:
      return 8;
    case SZ_W:
      return 16;
    case SZ_D:
      return 32;
    case SZ_Q:
      return 64;
    case SZ_V:
      return os * 8;
    case SZ_Y:
    case SZ_YW:
      return os === 8 ? 64 : 32;
    case SZ_Z:
      return os === 2 ? 16 : 32;
    case SZ_DQ:
      return 128;
    case SZ_P:
      return os * 8 + 16;
    case SZ_S:
      return mode === 64 ? 80 : 48;
    case SZ_T:
      return 80;
    case SZ_A:
      return os * 16;
    case SZ_QO:
      return os === 8 ? 128 : 64;
    default:
      return 0;
  }
}
