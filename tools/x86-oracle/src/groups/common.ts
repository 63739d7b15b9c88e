/** Operand helpers shared by the single-instruction groups. */
import {
  CaseBuilder,
  M64,
  mask,
  regValue,
  edgeLow,
  type MemChoice,
  type MemOptions,
  type Size,
} from '../case-builder';
import type { Imm, MemOp, RegOp, RmOp } from '../encoder';
import type { Rng } from '../rng';

export const SIZES: readonly Size[] = [8, 16, 32, 64];
export const SIZES_NO8: readonly Size[] = [16, 32, 64];

/** Per-vector operand context: whether 8-bit registers are AH..BH-capable (no REX allowed). */
export interface OpCtx {
  size: Size;
  /** 8-bit operands use encodings 0..7 without REX (AL..BL, AH..BH). */
  legacy8: boolean;
}

export function newCtx(rng: Rng, size: Size): OpCtx {
  return { size, legacy8: size === 8 && rng.chance(1, 3) };
}

export function sizePrefix(size: Size): { opsize16?: boolean; rexW?: boolean } {
  return size === 16 ? { opsize16: true } : size === 64 ? { rexW: true } : {};
}

export function sizeSuffix(size: Size): string {
  return String(size);
}

/** Register index that an operand lives in (AH..BH live in RAX..RBX). */
export function regIndex(op: RegOp): number {
  return op.high ? op.reg - 4 : op.reg;
}

/** Write `v` into register operand `op`, keeping the other bits if the register is already pinned. */
export function setRegOperand(b: CaseBuilder, op: RegOp, v: bigint): void {
  const r = regIndex(op);
  const cur = b.isPinned(r) ? b.gpr[r] : regValue(b.rng, 64);
  if (op.high) b.setReg(r, (cur & ~0xff00n) | ((v & 0xffn) << 8n));
  else if (op.size === 32 && !b.isPinned(r))
    b.setReg(r, (b.rng.bool() ? cur & ~M64 : cur & ~mask(32)) | (v & mask(32)));
  else b.setReg(r, (cur & ~mask(op.size)) | (v & mask(op.size)));
}

export function readRegOperand(b: CaseBuilder, op: RegOp): bigint {
  const v = b.gpr[regIndex(op)];
  return op.high ? (v >> 8n) & 0xffn : v & mask(op.size);
}

/** Choose a register operand of the context's size (value not set). `avoid` is a register bit mask. */
export function pickRegOp(b: CaseBuilder, ctx: OpCtx, avoid = 0, allowPinned = false): RegOp {
  const rng = b.rng;
  const blocked = (allowPinned ? 1 << 4 : b.pinned) | avoid;
  if (ctx.size === 8 && ctx.legacy8) {
    const cands: number[] = [];
    for (let e = 0; e < 8; e++) {
      const r = e >= 4 ? e - 4 : e;
      if (!(blocked & (1 << r))) cands.push(e);
    }
    const e = rng.pick(cands);
    return { kind: 'reg', reg: e, size: 8, high: e >= 4 };
  }
  const cands: number[] = [];
  for (let r = 0; r < 16; r++) if (!(blocked & (1 << r))) cands.push(r);
  return { kind: 'reg', reg: rng.pick(cands), size: ctx.size };
}

/** A register operand with an edge value (pins the register). */
export function regOperand(b: CaseBuilder, ctx: OpCtx, avoid = 0, value?: bigint): RegOp {
  const op = pickRegOp(b, ctx, avoid);
  setRegOperand(b, op, value ?? edgeLow(b.rng, ctx.size));
  return op;
}

export interface RmChoice {
  op: RmOp;
  mem?: MemChoice;
  value: bigint;
}

/** A register or memory r/m operand holding `value` (edge value by default). */
export function rmOperand(
  b: CaseBuilder,
  ctx: OpCtx,
  opts: MemOptions & { memChance?: number; value?: bigint; forceMem?: boolean; forceReg?: boolean } = {},
): RmChoice {
  const value = (opts.value ?? edgeLow(b.rng, ctx.size)) & mask(ctx.size);
  const useMem = opts.forceMem || (!opts.forceReg && b.rng.chance(opts.memChance ?? 1, 2));
  if (!useMem) {
    const op = regOperand(b, ctx, opts.avoid ?? 0, value);
    return { op, value };
  }
  const avoid = (opts.avoid ?? 0) | (ctx.legacy8 ? 0xff00 : 0);
  const m = b.mem(ctx.size / 8, { ...opts, avoid });
  b.pokeValue(m.win, m.off, ctx.size / 8, value);
  return { op: m.op, mem: m, value };
}

/** Immediate operand of `bytes` bytes with an edge value. */
export function imm(rng: Rng, bytes: 1 | 2 | 4 | 8, value?: bigint): Imm {
  return { size: bytes, value: value ?? edgeLow(rng, bytes * 8) };
}

/** `iz` immediate size for an operand size (imm16 for 16-bit, else imm32). */
export function izBytes(size: Size): 1 | 2 | 4 {
  return size === 8 ? 1 : size === 16 ? 2 : 4;
}

export function isMem(op: RmOp): op is MemOp {
  return op.kind === 'mem';
}

export function rmLabel(op: RmOp, size: Size): string {
  return `${op.kind === 'mem' ? 'm' : 'r'}${size}`;
}
