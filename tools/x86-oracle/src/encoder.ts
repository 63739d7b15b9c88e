/**
 * A small x86-64 instruction encoder for the oracle generator: legacy prefixes, REX, opcode, ModRM/SIB
 * with every addressing form (disp8/disp32, SIB, no base, RIP-relative, 0x67 address size), +r opcodes
 * and immediates. Operands are described explicitly so generators control every encoding bit.
 */

/** A general-purpose register operand. `size` 8 with reg 4..7 means SPL/BPL/SIL/DIL unless `high`. */
export interface RegOp {
  kind: 'reg';
  reg: number;
  size: 8 | 16 | 32 | 64;
  /** AH/CH/DH/BH (encodings 4..7 without REX). */
  high?: boolean;
}

export interface MemOp {
  kind: 'mem';
  base: number | null;
  index: number | null;
  scale: 1 | 2 | 4 | 8;
  disp: number;
  /** 0 = none (mod 00), 1 = disp8, 4 = disp32. Forced to 1 for RBP/R13 bases without displacement. */
  dispSize: 0 | 1 | 4;
  /** RIP-relative: `ripTarget` is the absolute target; disp is computed at encode time. */
  rip?: boolean;
  ripTarget?: bigint;
  /** 0x67 prefix (32-bit address computation). */
  addr32?: boolean;
}

export type RmOp = RegOp | MemOp;

export interface Imm {
  size: 1 | 2 | 4 | 8;
  value: bigint;
}

export interface InstrSpec {
  lock?: boolean;
  /** F2 / F3 as a REP prefix or a mandatory prefix (emitted before 0x66). */
  rep?: 0xf2 | 0xf3;
  /** 0x66 operand-size prefix. */
  opsize16?: boolean;
  rexW?: boolean;
  /** Emit a REX prefix even if no bit is needed (0x40). */
  forceRex?: boolean;
  opcode: readonly number[];
  /** ModRM.reg: a /digit or a register operand. Omitted for opcodes without ModRM. */
  reg?: number | RegOp;
  rm?: RmOp;
  /** Register encoded in the low 3 bits of the last opcode byte (+r forms). */
  opReg?: RegOp;
  imms?: readonly Imm[];
}

const REX_NEEDED_8 = (r: RegOp): boolean => r.size === 8 && !r.high && r.reg >= 4 && r.reg <= 7;

export function reg(regNo: number, size: 8 | 16 | 32 | 64, high = false): RegOp {
  return { kind: 'reg', reg: regNo, size, high };
}

function immBytes(imm: Imm): number[] {
  const out: number[] = [];
  let v = BigInt.asUintN(64, imm.value);
  for (let i = 0; i < imm.size; i++) {
    out.push(Number(v & 0xffn));
    v >>= 8n;
  }
  return out;
}

function le32(v: number): number[] {
  return [v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff];
}

/** Encode one instruction located at linear address `at` (needed for RIP-relative operands). */
export function encode(spec: InstrSpec, at: bigint): number[] {
  const prefixes: number[] = [];
  if (spec.lock) prefixes.push(0xf0);
  if (spec.rep) prefixes.push(spec.rep);
  if (spec.opsize16) prefixes.push(0x66);
  const mem = spec.rm?.kind === 'mem' ? spec.rm : undefined;
  if (mem?.addr32) prefixes.push(0x67);

  let rex = 0;
  let needRex = !!spec.forceRex;
  let forbidRex = false;
  const regs: RegOp[] = [];
  if (spec.rexW) rex |= 8;
  let regField = 0;
  if (typeof spec.reg === 'number') regField = spec.reg;
  else if (spec.reg) {
    regField = spec.reg.reg & 7;
    if (spec.reg.reg & 8) rex |= 4;
    regs.push(spec.reg);
  }

  const tail: number[] = [];
  let ripFixup = -1;
  if (spec.rm) {
    const rm = spec.rm;
    if (rm.kind === 'reg') {
      if (rm.reg & 8) rex |= 1;
      regs.push(rm);
      tail.push(0xc0 | (regField << 3) | (rm.reg & 7));
    } else if (rm.rip) {
      tail.push((regField << 3) | 5);
      ripFixup = tail.length;
      tail.push(0, 0, 0, 0);
    } else {
      const base = rm.base;
      const index = rm.index;
      if (index !== null && (index & 7) === 4 && !(index & 8)) throw new Error('RSP cannot be an index');
      const needSib = base === null || index !== null || (base & 7) === 4;
      let dispSize = rm.dispSize;
      if (base === null) dispSize = 4;
      else if (dispSize === 0 && (base & 7) === 5) dispSize = 1;
      if (dispSize === 1 && (rm.disp < -128 || rm.disp > 127)) throw new Error('disp8 out of range');
      const mod = base === null ? 0 : dispSize === 0 ? 0 : dispSize === 1 ? 1 : 2;
      if (needSib) {
        tail.push((mod << 6) | (regField << 3) | 4);
        const ss = { 1: 0, 2: 1, 4: 2, 8: 3 }[rm.scale];
        const idx = index === null ? 4 : index & 7;
        const b = base === null ? 5 : base & 7;
        tail.push((ss << 6) | (idx << 3) | b);
        if (index !== null && index & 8) rex |= 2;
        if (base !== null && base & 8) rex |= 1;
      } else {
        tail.push((mod << 6) | (regField << 3) | ((base as number) & 7));
        if ((base as number) & 8) rex |= 1;
      }
      if (dispSize === 1) tail.push(rm.disp & 0xff);
      else if (dispSize === 4) tail.push(...le32(rm.disp));
    }
  }
  const opcode = [...spec.opcode];
  if (spec.opReg) {
    opcode[opcode.length - 1] |= spec.opReg.reg & 7;
    if (spec.opReg.reg & 8) rex |= 1;
    regs.push(spec.opReg);
  }
  for (const r of regs) {
    if (REX_NEEDED_8(r)) needRex = true;
    if (r.high) forbidRex = true;
  }
  if (rex) needRex = true;
  if (needRex && forbidRex) throw new Error('AH/CH/DH/BH cannot be encoded with REX');
  for (const imm of spec.imms ?? []) tail.push(...immBytes(imm));
  const bytes = [...prefixes, ...(needRex ? [0x40 | rex] : []), ...opcode, ...tail];
  if (ripFixup >= 0 && mem) {
    const start = bytes.length - tail.length;
    const disp = BigInt.asIntN(64, (mem.ripTarget as bigint) - (at + BigInt(bytes.length)));
    if (disp < -0x80000000n || disp > 0x7fffffffn) throw new Error('RIP-relative target out of range');
    bytes.splice(start + ripFixup, 4, ...le32(Number(BigInt.asUintN(32, disp))));
  }
  return bytes;
}
