/** MUL IMUL (1-, 2-, 3-operand) DIV IDIV, including #DE (divide by zero and quotient overflow). */
import { CaseBuilder, edgeLow, mask, type Size } from '../case-builder';
import type { InstrSpec, RegOp } from '../encoder';
import { AF, CF, OF, PF, SF, ZF } from '../flags';
import {
  imm,
  izBytes,
  newCtx,
  regOperand,
  rmOperand,
  setRegOperand,
  sizePrefix,
  SIZES,
  SIZES_NO8,
} from './common';

const MUL_UNDEF = SF | ZF | AF | PF;
const DIV_UNDEF = CF | OF | SF | ZF | AF | PF;

export function genMul(b: CaseBuilder): void {
  const rng = b.rng;
  const form = rng.below(5);
  if (form <= 1) {
    // F6/F7 /4 mul, /5 imul: rDX:rAX = rAX * r/m
    const size: Size = rng.pick(SIZES);
    const ctx = newCtx(rng, size);
    setRegOperand(b, { kind: 'reg', reg: 0, size }, edgeLow(rng, size));
    b.setReg(2, b.gpr[2]);
    const src = rmOperand(b, ctx, { avoid: 0x5 });
    b.emit({ ...sizePrefix(size), opcode: [size === 8 ? 0xf6 : 0xf7], reg: 4 + form, rm: src.op });
    b.label = `${form === 0 ? 'mul' : 'imul'} rm ${size}${src.op.kind === 'mem' ? ' mem' : ''}`;
  } else {
    const size: Size = rng.pick(SIZES_NO8);
    const ctx = newCtx(rng, size);
    const dst = regOperand(b, ctx);
    const src = rmOperand(b, ctx);
    let spec: InstrSpec;
    if (form === 2) {
      spec = { ...sizePrefix(size), opcode: [0x0f, 0xaf], reg: dst, rm: src.op };
      b.label = `imul r,rm ${size}`;
    } else if (form === 3) {
      spec = { ...sizePrefix(size), opcode: [0x69], reg: dst, rm: src.op, imms: [imm(rng, izBytes(size))] };
      b.label = `imul r,rm,imm ${size}`;
    } else {
      spec = { ...sizePrefix(size), opcode: [0x6b], reg: dst, rm: src.op, imms: [imm(rng, 1)] };
      b.label = `imul r,rm,simm8 ${size}`;
    }
    b.emit(spec);
    if (src.op.kind === 'mem') b.label += ' mem';
  }
  b.undefFlags |= MUL_UNDEF;
}

/** Signed value of `v` (width `bits`). */
const sx = (v: bigint, bits: number): bigint => BigInt.asIntN(bits, v);

export function genDiv(b: CaseBuilder, faultRate = 16): void {
  const rng = b.rng;
  const signed = rng.bool();
  const size: Size = rng.pick(SIZES);
  const ctx = newCtx(rng, size);
  const bits = size;
  let divisor = edgeLow(rng, bits);
  const wild = rng.below(faultRate) === 0;
  if (!wild && divisor === 0n) divisor = 1n;
  if (wild && rng.chance(1, 2)) divisor = 0n;
  let dividend: bigint; // 2*bits wide, unsigned representation
  if (wild) {
    dividend = (edgeLow(rng, bits) << BigInt(bits)) | edgeLow(rng, bits);
  } else if (!signed) {
    const q = edgeLow(rng, bits);
    const r = divisor === 0n ? 0n : (rng.u64() & mask(bits)) % divisor;
    dividend = (q * divisor + r) & mask(2 * bits);
    if (q * divisor + r > mask(2 * bits)) dividend = r; // cannot happen, kept for clarity
  } else {
    const d = sx(divisor, bits);
    const qLimit = 1n << BigInt(bits - 1);
    let q = sx(edgeLow(rng, bits), bits);
    if (q === -qLimit && rng.bool()) q = q + 1n;
    const absD = d < 0n ? -d : d;
    let r = absD <= 1n ? 0n : (rng.u64() & mask(bits)) % absD;
    const negative = q * d < 0n || (q === 0n && rng.bool());
    if (negative) r = -r;
    dividend = BigInt.asUintN(2 * bits, q * d + r);
  }
  const lo = dividend & mask(bits);
  const hi = (dividend >> BigInt(bits)) & mask(bits);
  if (size === 8) {
    setRegOperand(b, { kind: 'reg', reg: 0, size: 16 }, dividend & 0xffffn);
  } else {
    setRegOperand(b, { kind: 'reg', reg: 0, size }, lo);
    setRegOperand(b, { kind: 'reg', reg: 2, size }, hi);
  }
  b.setReg(2, b.gpr[2]);
  const src = rmOperand(b, ctx, { avoid: 0x5, value: divisor });
  const spec: InstrSpec = {
    ...sizePrefix(size),
    opcode: [size === 8 ? 0xf6 : 0xf7],
    reg: signed ? 7 : 6,
    rm: src.op,
  };
  b.emit(spec);
  b.label = `${signed ? 'idiv' : 'div'} rm ${size}${src.op.kind === 'mem' ? ' mem' : ''}`;
  b.undefFlags |= DIV_UNDEF;
}

export type { RegOp };
