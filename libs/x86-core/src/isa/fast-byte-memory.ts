/**
 * Specialised handlers for byte-sized memory operands — the loads, stores and compares of byte-oriented
 * code (compressors, parsers, string routines). Like the word-sized forms in fast-ops.ts, the hottest
 * ones come in one variant per addressing form ([base + disp], [base + index*scale + disp]) so that each
 * carries only its own address arithmetic.
 */
import type { Cpu } from '../cpu';
import type { Insn } from '../decoder/insn';
import type { Handler } from '../decoder/opcode-row';
import { FAULT } from '../state/cpu-state';
import { LF_ADD, LF_SUB } from '../state/flags';
import { F_ARITH, LF_A, LF_B, LF_BITS, LF_MASK, LF_OP, LF_RES } from '../state/layout';
import { eaBD, eaBIS, eaq, isBaseDisp, isBaseIndex } from './fast-ea';

export function store8i(c: Cpu, i: Insn): number {
  const lo = eaq(c, i);
  return c.wr8(lo, c.eaHi, i.immLo);
}
export function store8r(c: Cpu, i: Insn): number {
  const lo = eaq(c, i);
  return c.wr8(lo, c.eaHi, c.s8[i.regB]);
}
export function load8r(c: Cpu, i: Insn): number {
  const lo = eaq(c, i);
  const v = c.rd8(lo, c.eaHi);
  if (c.fault !== 0) return FAULT;
  c.s8[i.regB] = v;
  return 0;
}
export function cmp8mi(c: Cpu, i: Insn): number {
  const lo = eaq(c, i);
  const a = c.rd8(lo, c.eaHi);
  if (c.fault !== 0) return FAULT;
  const b = i.immLo & 0xff;
  const s = c.s;
  s[LF_OP] = LF_SUB;
  s[LF_BITS] = 8;
  s[LF_RES] = (a - b) & 0xff;
  s[LF_A] = a;
  s[LF_B] = b;
  s[LF_MASK] = F_ARITH;
  return 0;
}

export function add8mr(c: Cpu, i: Insn): number {
  const lo = eaq(c, i);
  const hi = c.eaHi;
  const a = c.rdw8(lo, hi);
  if (c.fault !== 0) return FAULT;
  const b = c.s8[i.regB];
  c.oldLo = a;
  c.oldHi = 0;
  const r = (a + b) & 0xff;
  const s = c.s;
  s[LF_OP] = LF_ADD;
  s[LF_BITS] = 8;
  s[LF_RES] = r;
  s[LF_A] = a;
  s[LF_B] = b;
  s[LF_MASK] = F_ARITH;
  return c.wr8(lo, hi, r);
}
export function movzx32b_m(c: Cpu, i: Insn): number {
  const lo = eaq(c, i);
  const v = c.rd8(lo, c.eaHi);
  if (c.fault !== 0) return FAULT;
  const s = c.s;
  s[i.rd] = v;
  s[i.rd + 1] = 0;
  return 0;
}
export function movzx32b_bd(c: Cpu, i: Insn): number {
  const v = c.rd8(eaBD(c, i), c.eaHi);
  if (c.fault !== 0) return FAULT;
  const s = c.s;
  s[i.rd] = v;
  s[i.rd + 1] = 0;
  return 0;
}

export function store8r_bd(c: Cpu, i: Insn): number {
  const lo = eaBD(c, i);
  return c.wr8(lo, c.eaHi, c.s8[i.regB]);
}
export function store8r_bis(c: Cpu, i: Insn): number {
  const lo = eaBIS(c, i);
  return c.wr8(lo, c.eaHi, c.s8[i.regB]);
}
export function movzx32b_bis(c: Cpu, i: Insn): number {
  const v = c.rd8(eaBIS(c, i), c.eaHi);
  if (c.fault !== 0) return FAULT;
  const s = c.s;
  s[i.rd] = v;
  s[i.rd + 1] = 0;
  return 0;
}

/** The lazy record of an 8-bit CMP a − b (what aluSmall writes for SUB without the store). */
function cmp8Record(s: Int32Array, a: number, b: number): void {
  s[LF_OP] = LF_SUB;
  s[LF_BITS] = 8;
  s[LF_RES] = (a - b) & 0xff;
  s[LF_A] = a;
  s[LF_B] = b;
  s[LF_MASK] = F_ARITH;
}
/** cmp m8, r8 (38 /r) */
export function cmp8mr(c: Cpu, i: Insn): number {
  const a = c.rd8(eaq(c, i), c.eaHi);
  if (c.fault !== 0) return FAULT;
  cmp8Record(c.s, a, c.s8[i.regB]);
  return 0;
}
export function cmp8mr_bd(c: Cpu, i: Insn): number {
  const a = c.rd8(eaBD(c, i), c.eaHi);
  if (c.fault !== 0) return FAULT;
  cmp8Record(c.s, a, c.s8[i.regB]);
  return 0;
}
export function cmp8mr_bis(c: Cpu, i: Insn): number {
  const a = c.rd8(eaBIS(c, i), c.eaHi);
  if (c.fault !== 0) return FAULT;
  cmp8Record(c.s, a, c.s8[i.regB]);
  return 0;
}
/** cmp r8, m8 (3A /r) */
export function cmp8rm(c: Cpu, i: Insn): number {
  const b = c.rd8(eaq(c, i), c.eaHi);
  if (c.fault !== 0) return FAULT;
  cmp8Record(c.s, c.s8[i.regB], b);
  return 0;
}

/** Byte-operand memory forms (os = 1, mod ≠ 3) with a specialised handler, or undefined. */
export function fastByteMemory(i: Insn): Handler | undefined {
  switch (i.op) {
    case 0xc6:
      return store8i;
    case 0x88:
      if (isBaseDisp(i)) return store8r_bd;
      if (isBaseIndex(i)) return store8r_bis;
      return store8r;
    case 0x8a:
      return load8r;
    case 0x80:
      return (i.reg & 7) === 7 ? cmp8mi : undefined;
    case 0x00:
      return i.lock ? undefined : add8mr;
    case 0x38:
      if (i.lock) return undefined; // #UD from the generic handler
      if (isBaseDisp(i)) return cmp8mr_bd;
      if (isBaseIndex(i)) return cmp8mr_bis;
      return cmp8mr;
    case 0x3a:
      return i.lock ? undefined : cmp8rm;
    default:
      return undefined;
  }
}

/** movzx r32, m8 (0F B6, memory form; i.rd already set). */
export function fastMovzxByteLoad(i: Insn): Handler {
  if (isBaseDisp(i)) return movzx32b_bd;
  if (isBaseIndex(i)) return movzx32b_bis;
  return movzx32b_m;
}
