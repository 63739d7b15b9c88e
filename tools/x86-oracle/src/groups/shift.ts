/**
 * SHL SHR SAR SAL(/6 alias) ROL ROR RCL RCR by 1, CL and imm8, and SHLD SHRD by imm8 and CL, with counts
 * 0, 1, width-1, width, over-width and random. Undefined flags follow the SDM per masked count.
 */
import { CaseBuilder, type Size } from '../case-builder';
import type { InstrSpec } from '../encoder';
import { AF, CF, OF } from '../flags';
import { newCtx, regOperand, rmOperand, setRegOperand, sizePrefix, SIZES, SIZES_NO8 } from './common';

export const SHIFT_NAMES = ['rol', 'ror', 'rcl', 'rcr', 'shl', 'shr', 'sal', 'sar'] as const;

export function pickCount(b: CaseBuilder, width: number): number {
  const rng = b.rng;
  return (
    rng.pick([
      0,
      1,
      1,
      2,
      width - 1,
      width,
      width + 1,
      31,
      32,
      33,
      63,
      64,
      65,
      0x80,
      0xff,
      rng.below(256),
      rng.below(width * 2),
    ]) & 0xff
  );
}

/** Undefined RFLAGS bits for a shift/rotate group-2 operation /digit with a raw count. */
export function shiftUndef(digit: number, size: Size, rawCount: number): number {
  const c = rawCount & (size === 64 ? 63 : 31);
  if (c === 0) return 0;
  if (digit <= 3) return c === 1 ? 0 : OF; // rotates: CF defined, OF only for 1-bit
  let undef = AF | (c === 1 ? 0 : OF);
  if ((digit === 4 || digit === 5 || digit === 6) && c >= size) undef |= CF; // SHL/SHR with count >= width
  return undef;
}

export function genShift(b: CaseBuilder): void {
  const rng = b.rng;
  const size: Size = rng.pick(SIZES);
  const ctx = newCtx(rng, size);
  const digit = rng.chance(1, 24) ? 6 : rng.pick([0, 1, 2, 3, 4, 5, 7]);
  const form = rng.below(3); // 0: by 1 (D0/D1), 1: by CL (D2/D3), 2: imm8 (C0/C1)
  let count = 1;
  if (form === 1) {
    count = pickCount(b, size);
    setRegOperand(b, { kind: 'reg', reg: 1, size: 8 }, BigInt(count));
  }
  const dst = rmOperand(b, ctx, { avoid: form === 1 ? 0x2 : 0 });
  const w = size === 8 ? 0 : 1;
  let spec: InstrSpec;
  if (form === 0) spec = { ...sizePrefix(size), opcode: [0xd0 + w], reg: digit, rm: dst.op };
  else if (form === 1) spec = { ...sizePrefix(size), opcode: [0xd2 + w], reg: digit, rm: dst.op };
  else {
    count = pickCount(b, size);
    spec = {
      ...sizePrefix(size),
      opcode: [0xc0 + w],
      reg: digit,
      rm: dst.op,
      imms: [{ size: 1, value: BigInt(count) }],
    };
  }
  b.emit(spec);
  const formName = form === 0 ? '1' : form === 1 ? 'cl' : 'imm8';
  b.label = `${SHIFT_NAMES[digit]} rm,${formName} ${size}${dst.op.kind === 'mem' ? ' mem' : ''}`;
  b.undefFlags |= shiftUndef(digit, size, count);
}

/** Undefined flags of SHLD/SHRD; `null` if the result itself is undefined (16-bit, count > 16). */
export function doubleShiftUndef(size: Size, rawCount: number): number | null {
  const c = rawCount & (size === 64 ? 63 : 31);
  if (c === 0) return 0;
  if (c > size) return null;
  return AF | (c === 1 ? 0 : OF);
}

export function genDoubleShift(b: CaseBuilder): void {
  const rng = b.rng;
  const size: Size = rng.pick(SIZES_NO8);
  const ctx = newCtx(rng, size);
  const right = rng.bool();
  const byCl = rng.bool();
  let count = pickCount(b, size);
  // 16-bit with a masked count of 17..31 leaves the destination undefined: use count-16 instead.
  if (doubleShiftUndef(size, count) === null) count -= 16;
  if (byCl) setRegOperand(b, { kind: 'reg', reg: 1, size: 8 }, BigInt(count));
  const src = regOperand(b, ctx, byCl ? 0x2 : 0);
  const dst = rmOperand(b, ctx, { avoid: byCl ? 0x2 : 0 });
  const spec: InstrSpec = {
    ...sizePrefix(size),
    opcode: [0x0f, (right ? 0xac : 0xa4) + (byCl ? 1 : 0)],
    reg: src,
    rm: dst.op,
    imms: byCl ? [] : [{ size: 1, value: BigInt(count) }],
  };
  b.emit(spec);
  b.label = `${right ? 'shrd' : 'shld'} rm,r,${byCl ? 'cl' : 'imm8'} ${size}${dst.op.kind === 'mem' ? ' mem' : ''}`;
  b.undefFlags |= doubleShiftUndef(size, count) ?? 0;
}
