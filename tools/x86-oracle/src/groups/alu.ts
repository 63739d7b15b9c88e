/** ADD OR ADC SBB AND SUB XOR CMP in every encoding, TEST, INC DEC NEG NOT. */
import { CaseBuilder, edgeLow, type Size } from '../case-builder';
import type { InstrSpec } from '../encoder';
import { AF } from '../flags';
import { imm, izBytes, newCtx, regOperand, rmOperand, setRegOperand, sizePrefix, SIZES } from './common';

export const ALU_NAMES = ['add', 'or', 'adc', 'sbb', 'and', 'sub', 'xor', 'cmp'] as const;
const LOGIC = new Set([1, 4, 6]);

/** Should a memory-destination form get a LOCK prefix? (never for CMP/TEST) */
function lockFor(b: CaseBuilder, isMemDst: boolean, lockable: boolean): boolean {
  return isMemDst && lockable && b.rng.chance(1, 5);
}

export function genAlu(b: CaseBuilder): void {
  const rng = b.rng;
  const op = rng.below(8);
  const name = ALU_NAMES[op];
  const size: Size = rng.pick(SIZES);
  const ctx = newCtx(rng, size);
  const w = size === 8 ? 0 : 1;
  const form = rng.below(6);
  let spec: InstrSpec;
  let formName: string;
  if (form === 0 || form === 1) {
    const src = regOperand(b, ctx);
    const dst = rmOperand(b, ctx);
    formName = form === 0 ? 'rm,r' : 'r,rm';
    spec = { ...sizePrefix(size), opcode: [op * 8 + w + (form === 1 ? 2 : 0)], reg: src, rm: dst.op };
    if (form === 0) spec.lock = lockFor(b, dst.op.kind === 'mem', op !== 7);
  } else if (form === 2) {
    formName = 'acc,imm';
    setRegOperand(b, { kind: 'reg', reg: 0, size }, edgeLow(b.rng, size));
    spec = { ...sizePrefix(size), opcode: [op * 8 + 4 + w], imms: [imm(rng, izBytes(size))] };
  } else {
    // 80 /op ib, 81 /op iz, 83 /op ib (sign-extended)
    const dst = rmOperand(b, ctx);
    let opc: number;
    let ib: 1 | 2 | 4;
    if (size === 8) {
      opc = 0x80;
      ib = 1;
      formName = 'rm,imm8';
    } else if (form === 3) {
      opc = 0x81;
      ib = izBytes(size);
      formName = 'rm,imm';
    } else {
      opc = 0x83;
      ib = 1;
      formName = 'rm,simm8';
    }
    spec = { ...sizePrefix(size), opcode: [opc], reg: op, rm: dst.op, imms: [imm(rng, ib)] };
    spec.lock = lockFor(b, dst.op.kind === 'mem', op !== 7);
  }
  b.emit(spec);
  b.label = `${name} ${formName} ${size}${spec.rm?.kind === 'mem' ? ' mem' : ''}${spec.lock ? ' lock' : ''}`;
  if (LOGIC.has(op)) b.undefFlags |= AF;
}

export function genTest(b: CaseBuilder): void {
  const rng = b.rng;
  const size: Size = rng.pick(SIZES);
  const ctx = newCtx(rng, size);
  const w = size === 8 ? 0 : 1;
  const form = rng.below(3);
  let spec: InstrSpec;
  let formName: string;
  if (form === 0) {
    const src = regOperand(b, ctx);
    const dst = rmOperand(b, ctx);
    spec = { ...sizePrefix(size), opcode: [0x84 + w], reg: src, rm: dst.op };
    formName = 'rm,r';
  } else if (form === 1) {
    setRegOperand(b, { kind: 'reg', reg: 0, size }, edgeLow(b.rng, size));
    spec = { ...sizePrefix(size), opcode: [0xa8 + w], imms: [imm(rng, izBytes(size))] };
    formName = 'acc,imm';
  } else {
    const dst = rmOperand(b, ctx);
    spec = { ...sizePrefix(size), opcode: [0xf6 + w], reg: 0, rm: dst.op, imms: [imm(rng, izBytes(size))] };
    formName = 'rm,imm';
  }
  b.emit(spec);
  b.label = `test ${formName} ${size}${spec.rm?.kind === 'mem' ? ' mem' : ''}`;
  b.undefFlags |= AF;
}

/** INC DEC (FE/FF /0 /1) and NEG NOT (F6/F7 /3 /2). */
export function genUnary(b: CaseBuilder): void {
  const rng = b.rng;
  const size: Size = rng.pick(SIZES);
  const ctx = newCtx(rng, size);
  const which = rng.below(4);
  const [name, opc, digit] = (
    [
      ['inc', 0xfe, 0],
      ['dec', 0xfe, 1],
      ['not', 0xf6, 2],
      ['neg', 0xf6, 3],
    ] as const
  )[which];
  const dst = rmOperand(b, ctx);
  const spec: InstrSpec = {
    ...sizePrefix(size),
    opcode: [opc + (size === 8 ? 0 : 1)],
    reg: digit,
    rm: dst.op,
  };
  spec.lock = dst.op.kind === 'mem' && rng.chance(1, 5);
  b.emit(spec);
  b.label = `${name} rm ${size}${dst.op.kind === 'mem' ? ' mem' : ''}${spec.lock ? ' lock' : ''}`;
}
