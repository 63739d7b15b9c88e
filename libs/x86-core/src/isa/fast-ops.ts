/**
 * Specialised handlers for the hottest forms of gcc -O2 code (register ALU ops, compares, inc/dec,
 * register and simple memory MOVs, LEA, Jcc, CALL/RET/PUSH/POP in 64-bit mode). The generic handlers
 * in the *-ops.ts files implement the same semantics; a row's `fast` hook (see fastFor) picks one of
 * these at decode time when the decoded instance matches. Each is a separate function literal so V8
 * can optimise and inline it on its own (closures from one factory would share type feedback).
 */
import type { Cpu } from '../cpu';
import { EXEC_END, type Insn } from '../decoder/insn';
import type { Handler } from '../decoder/opcode-row';
import { FAULT, GP } from '../state/cpu-state';
import { cond, getSF, LF_ADD, LF_LOGIC, LF_SUB, setLazy64 } from '../state/flags';
import {
  F_AF,
  F_ARITH,
  F_OF,
  F_PF,
  F_SF,
  F_CF,
  F_ZF,
  FLAGS,
  LF_A,
  LF_B,
  LF_BITS,
  LF_MASK,
  LF_OP,
  LF_RES,
  RIP_HI,
  RIP_LO,
} from '../state/layout';
import { eaBD, eaBIS, eaq, isBaseDisp, isBaseIndex } from './fast-ea';
import { fastByteMemory, fastMovzxByteLoad } from './fast-byte-memory';

/* eslint-disable @typescript-eslint/no-unused-vars */

// ---- lazy-flag records (inlined by the JIT) ----------------------------------------------------------

function lz32(s: Int32Array, op: number, r: number, a: number, b: number): void {
  s[LF_OP] = op;
  s[LF_BITS] = 32;
  s[LF_RES] = r;
  s[LF_A] = a;
  s[LF_B] = b;
  s[LF_MASK] = F_ARITH;
}
function logic64(s: Int32Array, rl: number, rh: number): void {
  s[LF_OP] = LF_LOGIC;
  s[LF_BITS] = 64;
  s[LF_RES] = rl;
  s[LF_RES + 1] = rh;
  s[LF_MASK] = F_ARITH;
}
function logic32(s: Int32Array, r: number): void {
  s[LF_OP] = LF_LOGIC;
  s[LF_BITS] = 32;
  s[LF_RES] = r;
  s[LF_MASK] = F_ARITH;
}

// ---- ALU reg, reg / reg, imm  (dest word index i.rd, source word index i.rs or the immediate) --------

export function add64rr(c: Cpu, i: Insn): number {
  const s = c.s;
  const d = i.rd;
  const al = s[d];
  const ah = s[d + 1];
  const bl = s[i.rs];
  const bh = s[i.rs + 1];
  const sum = (al >>> 0) + (bl >>> 0);
  const rl = sum | 0;
  const rh = (ah + bh + (sum > 0xffffffff ? 1 : 0)) | 0;
  s[d] = rl;
  s[d + 1] = rh;
  setLazy64(s, LF_ADD, rl, rh, al, ah, bl, bh);
  return 0;
}
export function add64ri(c: Cpu, i: Insn): number {
  const s = c.s;
  const d = i.rd;
  const al = s[d];
  const ah = s[d + 1];
  const bl = i.immLo;
  const bh = i.immHi;
  const sum = (al >>> 0) + (bl >>> 0);
  const rl = sum | 0;
  const rh = (ah + bh + (sum > 0xffffffff ? 1 : 0)) | 0;
  s[d] = rl;
  s[d + 1] = rh;
  setLazy64(s, LF_ADD, rl, rh, al, ah, bl, bh);
  return 0;
}
export function sub64rr(c: Cpu, i: Insn): number {
  const s = c.s;
  const d = i.rd;
  const al = s[d];
  const ah = s[d + 1];
  const bl = s[i.rs];
  const bh = s[i.rs + 1];
  const df = (al >>> 0) - (bl >>> 0);
  const rl = df | 0;
  const rh = (ah - bh - (df < 0 ? 1 : 0)) | 0;
  s[d] = rl;
  s[d + 1] = rh;
  setLazy64(s, LF_SUB, rl, rh, al, ah, bl, bh);
  return 0;
}
export function sub64ri(c: Cpu, i: Insn): number {
  const s = c.s;
  const d = i.rd;
  const al = s[d];
  const ah = s[d + 1];
  const bl = i.immLo;
  const bh = i.immHi;
  const df = (al >>> 0) - (bl >>> 0);
  const rl = df | 0;
  const rh = (ah - bh - (df < 0 ? 1 : 0)) | 0;
  s[d] = rl;
  s[d + 1] = rh;
  setLazy64(s, LF_SUB, rl, rh, al, ah, bl, bh);
  return 0;
}
export function cmp64rr(c: Cpu, i: Insn): number {
  const s = c.s;
  const al = s[i.rd];
  const ah = s[i.rd + 1];
  const bl = s[i.rs];
  const bh = s[i.rs + 1];
  const df = (al >>> 0) - (bl >>> 0);
  setLazy64(s, LF_SUB, df | 0, (ah - bh - (df < 0 ? 1 : 0)) | 0, al, ah, bl, bh);
  return 0;
}
export function cmp64ri(c: Cpu, i: Insn): number {
  const s = c.s;
  const al = s[i.rd];
  const ah = s[i.rd + 1];
  const bl = i.immLo;
  const bh = i.immHi;
  const df = (al >>> 0) - (bl >>> 0);
  setLazy64(s, LF_SUB, df | 0, (ah - bh - (df < 0 ? 1 : 0)) | 0, al, ah, bl, bh);
  return 0;
}
export function and64rr(c: Cpu, i: Insn): number {
  const s = c.s;
  const d = i.rd;
  const rl = s[d] & s[i.rs];
  const rh = s[d + 1] & s[i.rs + 1];
  s[d] = rl;
  s[d + 1] = rh;
  logic64(s, rl, rh);
  return 0;
}
export function and64ri(c: Cpu, i: Insn): number {
  const s = c.s;
  const d = i.rd;
  const rl = s[d] & i.immLo;
  const rh = s[d + 1] & i.immHi;
  s[d] = rl;
  s[d + 1] = rh;
  logic64(s, rl, rh);
  return 0;
}
export function or64rr(c: Cpu, i: Insn): number {
  const s = c.s;
  const d = i.rd;
  const rl = s[d] | s[i.rs];
  const rh = s[d + 1] | s[i.rs + 1];
  s[d] = rl;
  s[d + 1] = rh;
  logic64(s, rl, rh);
  return 0;
}
export function or64ri(c: Cpu, i: Insn): number {
  const s = c.s;
  const d = i.rd;
  const rl = s[d] | i.immLo;
  const rh = s[d + 1] | i.immHi;
  s[d] = rl;
  s[d + 1] = rh;
  logic64(s, rl, rh);
  return 0;
}
export function xor64rr(c: Cpu, i: Insn): number {
  const s = c.s;
  const d = i.rd;
  const rl = s[d] ^ s[i.rs];
  const rh = s[d + 1] ^ s[i.rs + 1];
  s[d] = rl;
  s[d + 1] = rh;
  logic64(s, rl, rh);
  return 0;
}
export function xor64ri(c: Cpu, i: Insn): number {
  const s = c.s;
  const d = i.rd;
  const rl = s[d] ^ i.immLo;
  const rh = s[d + 1] ^ i.immHi;
  s[d] = rl;
  s[d + 1] = rh;
  logic64(s, rl, rh);
  return 0;
}
export function test64rr(c: Cpu, i: Insn): number {
  const s = c.s;
  logic64(s, s[i.rd] & s[i.rs], s[i.rd + 1] & s[i.rs + 1]);
  return 0;
}
export function test64ri(c: Cpu, i: Insn): number {
  const s = c.s;
  logic64(s, s[i.rd] & i.immLo, s[i.rd + 1] & i.immHi);
  return 0;
}

export function add32rr(c: Cpu, i: Insn): number {
  const s = c.s;
  const a = s[i.rd];
  const b = s[i.rs];
  const r = (a + b) | 0;
  s[i.rd] = r;
  s[i.rd + 1] = 0;
  lz32(s, LF_ADD, r, a, b);
  return 0;
}
export function add32ri(c: Cpu, i: Insn): number {
  const s = c.s;
  const a = s[i.rd];
  const b = i.immLo;
  const r = (a + b) | 0;
  s[i.rd] = r;
  s[i.rd + 1] = 0;
  lz32(s, LF_ADD, r, a, b);
  return 0;
}
export function sub32rr(c: Cpu, i: Insn): number {
  const s = c.s;
  const a = s[i.rd];
  const b = s[i.rs];
  const r = (a - b) | 0;
  s[i.rd] = r;
  s[i.rd + 1] = 0;
  lz32(s, LF_SUB, r, a, b);
  return 0;
}
export function sub32ri(c: Cpu, i: Insn): number {
  const s = c.s;
  const a = s[i.rd];
  const b = i.immLo;
  const r = (a - b) | 0;
  s[i.rd] = r;
  s[i.rd + 1] = 0;
  lz32(s, LF_SUB, r, a, b);
  return 0;
}
export function cmp32rr(c: Cpu, i: Insn): number {
  const s = c.s;
  const a = s[i.rd];
  const b = s[i.rs];
  lz32(s, LF_SUB, (a - b) | 0, a, b);
  return 0;
}
export function cmp32ri(c: Cpu, i: Insn): number {
  const s = c.s;
  const a = s[i.rd];
  const b = i.immLo;
  lz32(s, LF_SUB, (a - b) | 0, a, b);
  return 0;
}
export function and32rr(c: Cpu, i: Insn): number {
  const s = c.s;
  const r = s[i.rd] & s[i.rs];
  s[i.rd] = r;
  s[i.rd + 1] = 0;
  logic32(s, r);
  return 0;
}
export function and32ri(c: Cpu, i: Insn): number {
  const s = c.s;
  const r = s[i.rd] & i.immLo;
  s[i.rd] = r;
  s[i.rd + 1] = 0;
  logic32(s, r);
  return 0;
}
export function or32rr(c: Cpu, i: Insn): number {
  const s = c.s;
  const r = s[i.rd] | s[i.rs];
  s[i.rd] = r;
  s[i.rd + 1] = 0;
  logic32(s, r);
  return 0;
}
export function or32ri(c: Cpu, i: Insn): number {
  const s = c.s;
  const r = s[i.rd] | i.immLo;
  s[i.rd] = r;
  s[i.rd + 1] = 0;
  logic32(s, r);
  return 0;
}
export function xor32rr(c: Cpu, i: Insn): number {
  const s = c.s;
  const r = s[i.rd] ^ s[i.rs];
  s[i.rd] = r;
  s[i.rd + 1] = 0;
  logic32(s, r);
  return 0;
}
export function xor32ri(c: Cpu, i: Insn): number {
  const s = c.s;
  const r = s[i.rd] ^ i.immLo;
  s[i.rd] = r;
  s[i.rd + 1] = 0;
  logic32(s, r);
  return 0;
}
export function test32rr(c: Cpu, i: Insn): number {
  const s = c.s;
  logic32(s, s[i.rd] & s[i.rs]);
  return 0;
}
export function test32ri(c: Cpu, i: Insn): number {
  const s = c.s;
  logic32(s, s[i.rd] & i.immLo);
  return 0;
}

// ---- inc / dec reg (CF preserved: materialise it into FLAGS first) ----------------------------------

function keepCF(s: Int32Array): void {
  if ((s[LF_MASK] & F_CF) !== 0) {
    // compute CF from the current record (cond 2, "below", is CF); logic ops clear it
    const cf = s[LF_OP] === LF_LOGIC ? 0 : cond(s, 2) ? F_CF : 0;
    s[FLAGS] = (s[FLAGS] & ~F_CF) | cf;
  }
}
export function inc64r(c: Cpu, i: Insn): number {
  const s = c.s;
  keepCF(s);
  const d = i.rd;
  const al = s[d];
  const ah = s[d + 1];
  const rl = (al + 1) | 0;
  const rh = rl === 0 ? (ah + 1) | 0 : ah;
  s[d] = rl;
  s[d + 1] = rh;
  setLazy64(s, LF_ADD, rl, rh, al, ah, 1, 0);
  s[LF_MASK] = F_ARITH & ~F_CF;
  return 0;
}
export function dec64r(c: Cpu, i: Insn): number {
  const s = c.s;
  keepCF(s);
  const d = i.rd;
  const al = s[d];
  const ah = s[d + 1];
  const rl = (al - 1) | 0;
  const rh = al === 0 ? (ah - 1) | 0 : ah;
  s[d] = rl;
  s[d + 1] = rh;
  setLazy64(s, LF_SUB, rl, rh, al, ah, 1, 0);
  s[LF_MASK] = F_ARITH & ~F_CF;
  return 0;
}
export function inc32r(c: Cpu, i: Insn): number {
  const s = c.s;
  keepCF(s);
  const a = s[i.rd];
  const r = (a + 1) | 0;
  s[i.rd] = r;
  s[i.rd + 1] = 0;
  lz32(s, LF_ADD, r, a, 1);
  s[LF_MASK] = F_ARITH & ~F_CF;
  return 0;
}
export function dec32r(c: Cpu, i: Insn): number {
  const s = c.s;
  keepCF(s);
  const a = s[i.rd];
  const r = (a - 1) | 0;
  s[i.rd] = r;
  s[i.rd + 1] = 0;
  lz32(s, LF_SUB, r, a, 1);
  s[LF_MASK] = F_ARITH & ~F_CF;
  return 0;
}

// ---- moves ------------------------------------------------------------------------------------------

export function mov64rr(c: Cpu, i: Insn): number {
  const s = c.s;
  s[i.rd] = s[i.rs];
  s[i.rd + 1] = s[i.rs + 1];
  return 0;
}
export function mov32rr(c: Cpu, i: Insn): number {
  const s = c.s;
  s[i.rd] = s[i.rs];
  s[i.rd + 1] = 0;
  return 0;
}
export function movri(c: Cpu, i: Insn): number {
  const s = c.s;
  s[i.rd] = i.immLo;
  s[i.rd + 1] = i.immHi;
  return 0;
}
export function load64(c: Cpu, i: Insn): number {
  const lo = eaq(c, i);
  const v = c.rd64(lo, c.eaHi);
  if (c.fault !== 0) return FAULT;
  const s = c.s;
  s[i.rd] = v;
  s[i.rd + 1] = c.rhi;
  return 0;
}
export function load32(c: Cpu, i: Insn): number {
  const lo = eaq(c, i);
  const v = c.rd32(lo, c.eaHi);
  if (c.fault !== 0) return FAULT;
  const s = c.s;
  s[i.rd] = v;
  s[i.rd + 1] = 0;
  return 0;
}
export function store64(c: Cpu, i: Insn): number {
  const lo = eaq(c, i);
  const s = c.s;
  return c.wr64(lo, c.eaHi, s[i.rs], s[i.rs + 1]);
}
export function store32(c: Cpu, i: Insn): number {
  const lo = eaq(c, i);
  return c.wr32(lo, c.eaHi, c.s[i.rs]);
}
export function store64i(c: Cpu, i: Insn): number {
  const lo = eaq(c, i);
  return c.wr64(lo, c.eaHi, i.immLo, i.immHi);
}
export function store32i(c: Cpu, i: Insn): number {
  const lo = eaq(c, i);
  return c.wr32(lo, c.eaHi, i.immLo);
}
// [base + disp] forms of the hottest loads/stores, chosen at decode time: each carries only its own
// address arithmetic, so it stays small enough for V8 to inline many of them into one compiled region.

export function load64bd(c: Cpu, i: Insn): number {
  const v = c.rd64(eaBD(c, i), c.eaHi);
  if (c.fault !== 0) return FAULT;
  const s = c.s;
  s[i.rd] = v;
  s[i.rd + 1] = c.rhi;
  return 0;
}
export function load32bd(c: Cpu, i: Insn): number {
  const v = c.rd32(eaBD(c, i), c.eaHi);
  if (c.fault !== 0) return FAULT;
  const s = c.s;
  s[i.rd] = v;
  s[i.rd + 1] = 0;
  return 0;
}
export function store64bd(c: Cpu, i: Insn): number {
  const lo = eaBD(c, i);
  const s = c.s;
  return c.wr64(lo, c.eaHi, s[i.rs], s[i.rs + 1]);
}
export function store32bd(c: Cpu, i: Insn): number {
  const lo = eaBD(c, i);
  return c.wr32(lo, c.eaHi, c.s[i.rs]);
}
export function lea64bd(c: Cpu, i: Insn): number {
  const lo = eaBD(c, i);
  const s = c.s;
  s[i.rd] = lo;
  s[i.rd + 1] = c.eaHi;
  return 0;
}
export function load64bis(c: Cpu, i: Insn): number {
  const v = c.rd64(eaBIS(c, i), c.eaHi);
  if (c.fault !== 0) return FAULT;
  const s = c.s;
  s[i.rd] = v;
  s[i.rd + 1] = c.rhi;
  return 0;
}
export function load32bis(c: Cpu, i: Insn): number {
  const v = c.rd32(eaBIS(c, i), c.eaHi);
  if (c.fault !== 0) return FAULT;
  const s = c.s;
  s[i.rd] = v;
  s[i.rd + 1] = 0;
  return 0;
}
export function store64bis(c: Cpu, i: Insn): number {
  const lo = eaBIS(c, i);
  const s = c.s;
  return c.wr64(lo, c.eaHi, s[i.rs], s[i.rs + 1]);
}
export function store32bis(c: Cpu, i: Insn): number {
  const lo = eaBIS(c, i);
  return c.wr32(lo, c.eaHi, c.s[i.rs]);
}
export function lea64bis(c: Cpu, i: Insn): number {
  const lo = eaBIS(c, i);
  const s = c.s;
  s[i.rd] = lo;
  s[i.rd + 1] = c.eaHi;
  return 0;
}
export function lea64(c: Cpu, i: Insn): number {
  const lo = eaq(c, i);
  const s = c.s;
  s[i.rd] = lo;
  s[i.rd + 1] = c.eaHi;
  return 0;
}
export function lea32(c: Cpu, i: Insn): number {
  const lo = eaq(c, i);
  const s = c.s;
  s[i.rd] = lo;
  s[i.rd + 1] = 0;
  return 0;
}
export function cmp64rm(c: Cpu, i: Insn): number {
  // cmp r64, [mem]  (3B)
  const lo = eaq(c, i);
  const bl = c.rd64(lo, c.eaHi);
  if (c.fault !== 0) return FAULT;
  const bh = c.rhi;
  const s = c.s;
  const al = s[i.rd];
  const ah = s[i.rd + 1];
  const df = (al >>> 0) - (bl >>> 0);
  setLazy64(s, LF_SUB, df | 0, (ah - bh - (df < 0 ? 1 : 0)) | 0, al, ah, bl, bh);
  return 0;
}
export function cmp32rm(c: Cpu, i: Insn): number {
  const lo = eaq(c, i);
  const b = c.rd32(lo, c.eaHi);
  if (c.fault !== 0) return FAULT;
  const s = c.s;
  const a = s[i.rd];
  lz32(s, LF_SUB, (a - b) | 0, a, b);
  return 0;
}

// ---- control flow (64-bit mode) ----------------------------------------------------------------------

export function jmpRel(c: Cpu, i: Insn): number {
  c.s[RIP_LO] = i.tgtLo;
  c.s[RIP_HI] = i.tgtHi;
  return EXEC_END;
}
function take(c: Cpu, i: Insn): number {
  c.s[RIP_LO] = i.tgtLo;
  c.s[RIP_HI] = i.tgtHi;
  return EXEC_END;
}
/** ZF of the current state, fast for the usual all-lazy case. */
function zf(s: Int32Array): boolean {
  if ((s[LF_MASK] & F_ZF) !== 0) return (s[LF_BITS] === 64 ? s[LF_RES] | s[LF_RES + 1] : s[LF_RES]) === 0;
  return (s[FLAGS] & F_ZF) !== 0;
}
export function je(c: Cpu, i: Insn): number {
  return zf(c.s) ? take(c, i) : 0;
}
export function jne(c: Cpu, i: Insn): number {
  return zf(c.s) ? 0 : take(c, i);
}
export function jcc(c: Cpu, i: Insn): number {
  return cond(c.s, i.cc) ? take(c, i) : 0;
}
export function call64(c: Cpu, i: Insn): number {
  const s = c.s;
  const d = (s[8] >>> 0) - 8;
  const lo = d | 0;
  const hi = (s[9] - (d < 0 ? 1 : 0)) | 0;
  if (c.wr64(lo, hi, i.nextLo, i.nextHi) !== 0) {
    c.stackFault();
    return FAULT;
  }
  s[8] = lo;
  s[9] = hi;
  s[RIP_LO] = i.tgtLo;
  s[RIP_HI] = i.tgtHi;
  return EXEC_END;
}
export function ret64(c: Cpu, i: Insn): number {
  const s = c.s;
  const lo = s[8];
  const hi = s[9];
  const tl = c.rd64(lo, hi);
  if (c.fault !== 0) {
    c.stackFault();
    return FAULT;
  }
  const th = c.rhi;
  if (((th >> 15) + 1) >>> 0 > 1) return c.raise(GP, 0);
  const sum = (lo >>> 0) + 8;
  s[8] = sum | 0;
  s[9] = (hi + (sum > 0xffffffff ? 1 : 0)) | 0;
  s[RIP_LO] = tl;
  s[RIP_HI] = th;
  return EXEC_END;
}
export function push64r(c: Cpu, i: Insn): number {
  const s = c.s;
  const d = (s[8] >>> 0) - 8;
  const lo = d | 0;
  const hi = (s[9] - (d < 0 ? 1 : 0)) | 0;
  if (c.wr64(lo, hi, s[i.rs], s[i.rs + 1]) !== 0) {
    c.stackFault();
    return FAULT;
  }
  s[8] = lo;
  s[9] = hi;
  return 0;
}
export function pop64r(c: Cpu, i: Insn): number {
  const s = c.s;
  const lo = s[8];
  const hi = s[9];
  const v = c.rd64(lo, hi);
  if (c.fault !== 0) {
    c.stackFault();
    return FAULT;
  }
  const vh = c.rhi;
  const sum = (lo >>> 0) + 8;
  s[8] = sum | 0;
  s[9] = (hi + (sum > 0xffffffff ? 1 : 0)) | 0;
  s[i.rd] = v;
  s[i.rd + 1] = vh;
  return 0;
}

// ---- shifts by immediate (count already masked at decode, > 0) ---------------------------------------

function shFlags(s: Int32Array, bits: number, rl: number, rh: number, cf: number, of: number): void {
  s[LF_OP] = LF_LOGIC;
  s[LF_BITS] = bits;
  s[LF_RES] = rl;
  s[LF_RES + 1] = rh;
  s[FLAGS] = (s[FLAGS] & ~(F_CF | F_OF | F_AF)) | cf | (of << 11);
  s[LF_MASK] = F_SF | F_ZF | F_PF;
}
export function shl64ri(c: Cpu, i: Insn): number {
  const s = c.s;
  const d = i.rd;
  const n = i.immLo;
  const al = s[d];
  const ah = s[d + 1];
  let lo: number;
  let hi: number;
  if (n < 32) {
    hi = (ah << n) | (al >>> (32 - n));
    lo = al << n;
  } else {
    hi = al << (n - 32);
    lo = 0;
  }
  const b = 64 - n;
  const cf = b >= 32 ? (ah >>> (b - 32)) & 1 : (al >>> b) & 1;
  s[d] = lo;
  s[d + 1] = hi;
  shFlags(s, 64, lo, hi, cf, (hi >>> 31) ^ cf);
  return 0;
}
export function shr64ri(c: Cpu, i: Insn): number {
  const s = c.s;
  const d = i.rd;
  const n = i.immLo;
  const al = s[d];
  const ah = s[d + 1];
  let lo: number;
  let hi: number;
  if (n < 32) {
    lo = (al >>> n) | (ah << (32 - n));
    hi = ah >>> n;
  } else {
    lo = ah >>> (n - 32);
    hi = 0;
  }
  const b = n - 1;
  const cf = b >= 32 ? (ah >>> (b - 32)) & 1 : (al >>> b) & 1;
  s[d] = lo | 0;
  s[d + 1] = hi | 0;
  shFlags(s, 64, lo | 0, hi | 0, cf, ((hi >>> 31) ^ (hi >>> 30)) & 1);
  return 0;
}
export function sar64ri(c: Cpu, i: Insn): number {
  const s = c.s;
  const d = i.rd;
  const n = i.immLo;
  const al = s[d];
  const ah = s[d + 1];
  let lo: number;
  let hi: number;
  if (n < 32) {
    lo = (al >>> n) | (ah << (32 - n));
    hi = ah >> n;
  } else {
    lo = ah >> (n - 32);
    hi = ah >> 31;
  }
  const b = n - 1;
  const cf = b >= 32 ? (ah >>> (b - 32)) & 1 : (al >>> b) & 1;
  s[d] = lo;
  s[d + 1] = hi;
  shFlags(s, 64, lo, hi, cf, 0);
  return 0;
}
export function shl32ri(c: Cpu, i: Insn): number {
  const s = c.s;
  const a = s[i.rd];
  const n = i.immLo;
  const r = a << n;
  const cf = (a >>> (32 - n)) & 1;
  s[i.rd] = r;
  s[i.rd + 1] = 0;
  shFlags(s, 32, r, 0, cf, (r >>> 31) ^ cf);
  return 0;
}
export function shr32ri(c: Cpu, i: Insn): number {
  const s = c.s;
  const a = s[i.rd];
  const n = i.immLo;
  const r = a >>> n;
  s[i.rd] = r;
  s[i.rd + 1] = 0;
  shFlags(s, 32, r | 0, 0, (a >>> (n - 1)) & 1, ((r >>> 31) ^ (r >>> 30)) & 1);
  return 0;
}
export function sar32ri(c: Cpu, i: Insn): number {
  const s = c.s;
  const a = s[i.rd];
  const n = i.immLo;
  const r = a >> n;
  s[i.rd] = r;
  s[i.rd + 1] = 0;
  shFlags(s, 32, r, 0, (a >> (n - 1)) & 1, 0);
  return 0;
}

// ---- byte stores, ALU with a memory source -------------------------------------------------------

export function add64rm(c: Cpu, i: Insn): number {
  const lo = eaq(c, i);
  const bl = c.rd64(lo, c.eaHi);
  if (c.fault !== 0) return FAULT;
  const bh = c.rhi;
  const s = c.s;
  const d = i.rd;
  const al = s[d];
  const ah = s[d + 1];
  const sum = (al >>> 0) + (bl >>> 0);
  const rl = sum | 0;
  const rh = (ah + bh + (sum > 0xffffffff ? 1 : 0)) | 0;
  s[d] = rl;
  s[d + 1] = rh;
  setLazy64(s, LF_ADD, rl, rh, al, ah, bl, bh);
  return 0;
}
export function add32rm(c: Cpu, i: Insn): number {
  const lo = eaq(c, i);
  const b = c.rd32(lo, c.eaHi);
  if (c.fault !== 0) return FAULT;
  const s = c.s;
  const a = s[i.rd];
  const r = (a + b) | 0;
  s[i.rd] = r;
  s[i.rd + 1] = 0;
  lz32(s, LF_ADD, r, a, b);
  return 0;
}
export function sub32rm(c: Cpu, i: Insn): number {
  const lo = eaq(c, i);
  const b = c.rd32(lo, c.eaHi);
  if (c.fault !== 0) return FAULT;
  const s = c.s;
  const a = s[i.rd];
  const r = (a - b) | 0;
  s[i.rd] = r;
  s[i.rd + 1] = 0;
  lz32(s, LF_SUB, r, a, b);
  return 0;
}
export function xor32rm(c: Cpu, i: Insn): number {
  const lo = eaq(c, i);
  const b = c.rd32(lo, c.eaHi);
  if (c.fault !== 0) return FAULT;
  const s = c.s;
  const r = s[i.rd] ^ b;
  s[i.rd] = r;
  s[i.rd + 1] = 0;
  logic32(s, r);
  return 0;
}
export function cmp32mi(c: Cpu, i: Insn): number {
  const lo = eaq(c, i);
  const a = c.rd32(lo, c.eaHi);
  if (c.fault !== 0) return FAULT;
  lz32(c.s, LF_SUB, (a - i.immLo) | 0, a, i.immLo);
  return 0;
}
export function cmp64mi(c: Cpu, i: Insn): number {
  const lo = eaq(c, i);
  const al = c.rd64(lo, c.eaHi);
  if (c.fault !== 0) return FAULT;
  const ah = c.rhi;
  const bl = i.immLo;
  const bh = i.immHi;
  const df = (al >>> 0) - (bl >>> 0);
  setLazy64(c.s, LF_SUB, df | 0, (ah - bh - (df < 0 ? 1 : 0)) | 0, al, ah, bl, bh);
  return 0;
}
// ---- byte-register forms and multiply (hot in byte-oriented code: compressors, parsers) ------------

/** test r/m8, r8 (84, register form): the same record aluSmall writes for a logic op. */
export function test8rr(c: Cpu, i: Insn): number {
  const s8 = c.s8;
  const a = s8[i.rmB];
  const b = s8[i.regB];
  const s = c.s;
  s[LF_OP] = LF_LOGIC;
  s[LF_BITS] = 8;
  s[LF_RES] = a & b;
  s[LF_A] = a;
  s[LF_B] = b;
  s[LF_MASK] = F_ARITH;
  return 0;
}
/** add m8, r8 (00, memory form, no LOCK): rmwMem's non-atomic path, write access checked first. */
/** setcc r8 (0F 90-9F, register form); sete/setne skip the generic condition switch. */
export function setccR(c: Cpu, i: Insn): number {
  c.s8[i.rmB] = cond(c.s, i.cc) ? 1 : 0;
  return 0;
}
export function seteR(c: Cpu, i: Insn): number {
  c.s8[i.rmB] = zf(c.s) ? 1 : 0;
  return 0;
}
export function setneR(c: Cpu, i: Insn): number {
  c.s8[i.rmB] = zf(c.s) ? 0 : 1;
  return 0;
}
/** movzx r32/r64, r8 (0F B6, register form). */
export function movzx32b_r(c: Cpu, i: Insn): number {
  const s = c.s;
  s[i.rd] = c.s8[i.rmB];
  s[i.rd + 1] = 0;
  return 0;
}
/**
 * imul r32, r32, imm (69/6B, register form): the record of muldiv-ops' imulTrunc — CF = OF = the
 * signed product does not fit in 32 bits, SF/ZF/PF lazily from the truncated result.
 */
export function imul32rri(c: Cpu, i: Insn): number {
  const s = c.s;
  const a = s[i.rs];
  const b = i.immLo;
  const lo = Math.imul(a, b);
  const p = a * b; // exact enough to tell whether it leaves the int32 range
  const ovf = p !== lo && (p > 2147483647 || p < -2147483648);
  s[i.rd] = lo;
  s[i.rd + 1] = 0;
  s[LF_OP] = LF_LOGIC;
  s[LF_BITS] = 32;
  s[LF_RES] = lo;
  s[LF_RES + 1] = 0;
  s[FLAGS] = (s[FLAGS] & ~(F_CF | F_OF | F_AF)) | (ovf ? F_CF | F_OF : 0);
  s[LF_MASK] = F_SF | F_ZF | F_PF;
  return 0;
}

// ---- conditional jumps specialised on the condition ---------------------------------------------------

/** True when the last flag-setting op was a 32- or 64-bit SUB/CMP with all flags lazy. */
function subRec(s: Int32Array): boolean {
  return s[LF_MASK] === F_ARITH && s[LF_OP] === LF_SUB;
}
function ltS(s: Int32Array): boolean {
  // signed a < b of the lazy SUB record (32/64-bit), else via cond
  const bits = s[LF_BITS];
  if (bits === 32) return s[LF_A] < s[LF_B];
  const ah = s[LF_A + 1];
  const bh = s[LF_B + 1];
  return ah === bh ? s[LF_A] >>> 0 < s[LF_B] >>> 0 : ah < bh;
}
function ltU(s: Int32Array): boolean {
  const bits = s[LF_BITS];
  if (bits === 32) return s[LF_A] >>> 0 < s[LF_B] >>> 0;
  const ah = s[LF_A + 1] >>> 0;
  const bh = s[LF_B + 1] >>> 0;
  return ah === bh ? s[LF_A] >>> 0 < s[LF_B] >>> 0 : ah < bh;
}
function eqR(s: Int32Array): boolean {
  return s[LF_BITS] === 32 ? s[LF_A] === s[LF_B] : s[LF_A] === s[LF_B] && s[LF_A + 1] === s[LF_B + 1];
}
function wide(s: Int32Array): boolean {
  const b = s[LF_BITS];
  return b === 32 || b === 64;
}
export function jb(c: Cpu, i: Insn): number {
  const s = c.s;
  const t = subRec(s) && wide(s) ? ltU(s) : cond(s, 2);
  return t ? take(c, i) : 0;
}
export function jae(c: Cpu, i: Insn): number {
  const s = c.s;
  const t = subRec(s) && wide(s) ? !ltU(s) : cond(s, 3);
  return t ? take(c, i) : 0;
}
export function jbe(c: Cpu, i: Insn): number {
  const s = c.s;
  const t = subRec(s) && wide(s) ? ltU(s) || eqR(s) : cond(s, 6);
  return t ? take(c, i) : 0;
}
export function ja(c: Cpu, i: Insn): number {
  const s = c.s;
  const t = subRec(s) && wide(s) ? !(ltU(s) || eqR(s)) : cond(s, 7);
  return t ? take(c, i) : 0;
}
export function jl(c: Cpu, i: Insn): number {
  const s = c.s;
  const t = subRec(s) && wide(s) ? ltS(s) : cond(s, 12);
  return t ? take(c, i) : 0;
}
export function jge(c: Cpu, i: Insn): number {
  const s = c.s;
  const t = subRec(s) && wide(s) ? !ltS(s) : cond(s, 13);
  return t ? take(c, i) : 0;
}
export function jle(c: Cpu, i: Insn): number {
  const s = c.s;
  const t = subRec(s) && wide(s) ? ltS(s) || eqR(s) : cond(s, 14);
  return t ? take(c, i) : 0;
}
export function jg(c: Cpu, i: Insn): number {
  const s = c.s;
  const t = subRec(s) && wide(s) ? !(ltS(s) || eqR(s)) : cond(s, 15);
  return t ? take(c, i) : 0;
}
/** js / jns: the sign bit straight from the lazy result (varint and UTF-8 decoders test it per byte). */
export function js(c: Cpu, i: Insn): number {
  return getSF(c.s) !== 0 ? take(c, i) : 0;
}
export function jns(c: Cpu, i: Insn): number {
  return getSF(c.s) !== 0 ? 0 : take(c, i);
}
const JCC: Handler[] = [jcc, jcc, jb, jae, je, jne, jbe, ja, js, jns, jcc, jcc, jl, jge, jle, jg];

// ---- selection -----------------------------------------------------------------------------------------

const canonical = (hi: number): boolean => ((hi >> 15) + 1) >>> 0 <= 1;

const RR64: (Handler | null)[] = [add64rr, or64rr, null, null, and64rr, sub64rr, xor64rr, cmp64rr];
const RI64: (Handler | null)[] = [add64ri, or64ri, null, null, and64ri, sub64ri, xor64ri, cmp64ri];
const RR32: (Handler | null)[] = [add32rr, or32rr, null, null, and32rr, sub32rr, xor32rr, cmp32rr];
const RI32: (Handler | null)[] = [add32ri, or32ri, null, null, and32ri, sub32ri, xor32ri, cmp32ri];

/**
 * The `fast` hook shared by the integer rows: returns a specialised handler for this decoded
 * instance, or undefined to keep the generic one. Sets i.rd / i.rs (state word indices).
 */
export function fastFor(i: Insn): Handler | undefined {
  const os = i.os;
  if (os === 1 && i.map === 1 && i.mod !== 3) return fastByteMemory(i);
  if (os === 1 && i.map === 1 && i.op === 0x84) return test8rr;
  if (i.map === 2 && i.op >= 0x90 && i.op <= 0x9f && i.mod === 3)
    return i.cc === 4 ? seteR : i.cc === 5 ? setneR : setccR;
  if (os !== 4 && os !== 8) return undefined;
  const w = os === 8;
  const op = i.op;
  const reg = i.mod === 3;
  if (i.map === 1) {
    if (op < 0x40 && ((op & 7) === 1 || (op & 7) === 3)) {
      // 01/03 (09/0B, ...) register forms; 01: E <- G, 03: G <- E (memory forms: see below)
      const h = (w ? RR64 : RR32)[(op >> 3) & 7];
      if (reg && h !== null) {
        if ((op & 7) === 1) {
          i.rd = i.rm << 1;
          i.rs = i.reg << 1;
        } else {
          i.rd = i.reg << 1;
          i.rs = i.rm << 1;
        }
        return h;
      }
    }
    if ((op === 0x81 || op === 0x83) && !reg && (i.reg & 7) === 7) return w ? cmp64mi : cmp32mi;
    if ((op === 0x81 || op === 0x83) && reg && !i.lock) {
      const h = (w ? RI64 : RI32)[i.reg & 7];
      if (h === null) return undefined;
      i.rd = i.rm << 1;
      return h;
    }
    if ((op & 0xc7) === 0x05 && op < 0x40) {
      const h = (w ? RI64 : RI32)[(op >> 3) & 7];
      if (h === null) return undefined;
      i.rd = 0;
      return h;
    }
    switch (op) {
      case 0x85:
        if (!reg) return undefined;
        i.rd = i.rm << 1;
        i.rs = i.reg << 1;
        return w ? test64rr : test32rr;
      case 0xa9:
        i.rd = 0;
        return w ? test64ri : test32ri;
      case 0x89:
        i.rs = i.reg << 1;
        if (reg) {
          i.rd = i.rm << 1;
          return w ? mov64rr : mov32rr;
        }
        if (isBaseDisp(i)) return w ? store64bd : store32bd;
        if (isBaseIndex(i)) return w ? store64bis : store32bis;
        return w ? store64 : store32;
      case 0x8b:
        i.rd = i.reg << 1;
        if (reg) {
          i.rs = i.rm << 1;
          return w ? mov64rr : mov32rr;
        }
        if (isBaseDisp(i)) return w ? load64bd : load32bd;
        if (isBaseIndex(i)) return w ? load64bis : load32bis;
        return w ? load64 : load32;
      case 0x3b:
        if (reg) return undefined;
        i.rd = i.reg << 1;
        return w ? cmp64rm : cmp32rm;
      case 0x03:
        if (reg) return undefined;
        i.rd = i.reg << 1;
        return w ? add64rm : add32rm;
      case 0x2b:
        if (reg || w) return undefined;
        i.rd = i.reg << 1;
        return sub32rm;
      case 0x33:
        if (reg || w) return undefined;
        i.rd = i.reg << 1;
        return xor32rm;
      case 0xc1: {
        if (!reg) return undefined;
        const n = i.immLo & (w ? 63 : 31);
        const k = i.reg & 7;
        if (n === 0 || (k !== 4 && k !== 5 && k !== 7)) return undefined;
        i.rd = i.rm << 1;
        i.immLo = n;
        if (k === 4) return w ? shl64ri : shl32ri;
        if (k === 5) return w ? shr64ri : shr32ri;
        return w ? sar64ri : sar32ri;
      }
      case 0x8d:
        i.rd = i.reg << 1;
        if (w && isBaseDisp(i)) return lea64bd;
        if (w && isBaseIndex(i)) return lea64bis;
        return w ? lea64 : lea32;
      case 0x69:
      case 0x6b:
        if (!reg || w) return undefined;
        i.rd = i.reg << 1;
        i.rs = i.rm << 1;
        return imul32rri;
      case 0xc7:
        if (reg) {
          i.rd = i.rm << 1;
          if (!w) i.immHi = 0;
          return movri;
        }
        return w ? store64i : store32i;
      case 0xff:
        if (!reg) return undefined;
        i.rd = i.rm << 1;
        if ((i.reg & 7) === 0) return w ? inc64r : inc32r;
        if ((i.reg & 7) === 1) return w ? dec64r : dec32r;
        return undefined;
      default:
        break;
    }
    if (op >= 0xb8 && op <= 0xbf) {
      i.rd = i.rm << 1;
      if (!w) i.immHi = 0;
      return movri;
    }
    if (i.mode !== 64) return undefined;
    if (op >= 0x50 && op <= 0x57 && w) {
      i.rs = i.rm << 1;
      return push64r;
    }
    if (op >= 0x58 && op <= 0x5f && w) {
      i.rd = i.rm << 1;
      return pop64r;
    }
    if ((op === 0xe8 || op === 0xe9 || op === 0xeb || (op >= 0x70 && op <= 0x7f)) && !canonical(i.tgtHi))
      return undefined;
    if (op === 0xe8 && w) return call64;
    if (op === 0xe9 || op === 0xeb) return jmpRel;
    if (op >= 0x70 && op <= 0x7f) return JCC[op & 15];
    if (op === 0xc3 && w) return ret64;
    return undefined;
  }
  if (i.map === 2) {
    if (op === 0xb6) {
      i.rd = i.reg << 1;
      return reg ? movzx32b_r : fastMovzxByteLoad(i);
    }
    if (op >= 0x80 && op <= 0x8f && i.mode === 64 && canonical(i.tgtHi)) return JCC[op & 15];
  }
  return undefined;
}
