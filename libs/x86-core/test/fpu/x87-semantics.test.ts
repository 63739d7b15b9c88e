/**
 * x87 behaviour beyond the hardware vectors: stack faults, unmasked exceptions (#MF pending),
 * bit-exact m80 handling, environment images, precision control and the m80 <-> number helpers.
 */
import { describe, expect, it } from 'vitest';
import { FpuState } from '../../src/fpu/fpu-state';
import { f80ToNumber, numberToF80 } from '../../src/fpu/softfloat/f80';
import * as x87 from '../../src/fpu/x87/semantics';
import { X87Op } from '../../src/fpu/x87/x87-arith';
import { fldcw } from '../../src/fpu/x87/x87-env';
import { pendingFault, phys, rawOff } from '../../src/fpu/x87/x87-stack';

const IE = 1;
const SF = 0x40;
const C1 = 0x200;
const ES = 0x80;

function fresh(cw = 0x037f): FpuState {
  const st = new FpuState();
  fldcw(st, cw);
  return st;
}
function push(st: FpuState, x: number): void {
  const b = numberToF80(x);
  x87.fldF80(st, b.se, b.lo, b.hi);
}
function st0(st: FpuState): number {
  const o = rawOff(phys(st, 0));
  return f80ToNumber(
    st.view.getUint16(o + 8, true),
    st.view.getUint32(o, true),
    st.view.getUint32(o + 4, true),
  );
}
function raw(st: FpuState, i: number): string {
  const o = rawOff(phys(st, i));
  return Buffer.from(st.u8.subarray(o, o + 10)).toString('hex');
}

describe('stack faults', () => {
  it('a ninth push overflows: masked → IE|SF, C1=1, QNaN indefinite pushed', () => {
    const st = fresh();
    for (let k = 0; k < 8; k++) push(st, k);
    push(st, 99);
    expect(st.fsw & (IE | SF | C1)).toBe(IE | SF | C1);
    expect(raw(st, 0)).toBe('00000000000000c0ffff');
  });

  it('unmasked stack overflow changes nothing and leaves #MF pending', () => {
    const st = fresh(0x037f & ~IE);
    for (let k = 0; k < 8; k++) push(st, k);
    const topBefore = x87.top(st);
    push(st, 99);
    expect(x87.top(st)).toBe(topBefore);
    expect(st0(st)).toBe(7);
    expect(st.fsw & ES).toBe(ES);
    expect(pendingFault(st)).toBe(true);
    x87.fnclex(st);
    expect(pendingFault(st)).toBe(false);
  });

  it('arithmetic on an empty register underflows: IE|SF, C1=0, indefinite result', () => {
    const st = fresh();
    push(st, 1);
    x87.farithReg(st, X87Op.Add, 0, 3, false);
    expect(st.fsw & (IE | SF | C1)).toBe(IE | SF);
    expect(Number.isNaN(st0(st))).toBe(true);
  });

  it('FXAM reports empty, FFREE empties, FINCSTP/FDECSTP rotate TOP', () => {
    const st = fresh();
    push(st, -2);
    x87.fxam(st);
    expect(st.fsw & 0x4700).toBe(0x0400 | C1); // normal, negative
    x87.ffree(st, 0);
    x87.fxam(st);
    expect(st.fsw & 0x4500).toBe(0x4100); // empty
    const t = x87.top(st);
    x87.fincstp(st);
    expect(x87.top(st)).toBe((t + 1) & 7);
    x87.fdecstp(st);
    expect(x87.top(st)).toBe(t);
  });
});

describe('exact 80-bit handling', () => {
  it('FLD m80 / FSTP m80 round-trip every encoding class bit for bit', () => {
    const patterns: [number, number, number][] = [
      [0x7fff, 0x00000001, 0x80000000], // SNaN: no #I on an m80 load
      [0x0000, 0x00000000, 0x80000000], // pseudo-denormal
      [0x4000, 0x12345678, 0x40000000], // unnormal
      [0x7fff, 0x00000000, 0x00000000], // pseudo-infinity
      [0x3fff, 0xffffffff, 0xffffffff], // full 64-bit significand
    ];
    for (const [se, lo, hi] of patterns) {
      const st = fresh();
      x87.fldF80(st, se, lo, hi);
      expect(st.fsw & 0x3f).toBe(0);
      expect(x87.fstpF80(st)).toBe(true);
      expect([x87.memOut.se, x87.memOut.lo >>> 0, x87.memOut.hi >>> 0]).toEqual([se, lo, hi]);
    }
  });

  it('m80 <-> number: denormals, infinities, rounding to nearest', () => {
    expect(f80ToNumber(0x3fff - 1074, 0, 0x80000000)).toBe(2 ** -1074);
    expect(f80ToNumber(0x3fff - 1075, 0, 0x80000000)).toBe(0); // tie → even (zero)
    expect(f80ToNumber(0x3fff - 1075, 1, 0x80000000)).toBe(2 ** -1074);
    expect(f80ToNumber(0x7ffe, 0, 0x80000000)).toBe(Infinity);
    expect(f80ToNumber(0xffff, 0, 0x80000000)).toBe(-Infinity);
    expect(f80ToNumber(0x3fff, 0x00000400, 0x80000000)).toBe(1); // 1 + 2^-53: tie → 1
    expect(f80ToNumber(0x3fff, 0x00000401, 0x80000000)).toBe(1 + 2 ** -52);
    expect(numberToF80(2 ** -1074)).toEqual({ se: 0x3fff - 1074, lo: 0, hi: 0x80000000 | 0 });
    expect(numberToF80(-0)).toEqual({ se: 0x8000, lo: 0, hi: 0 });
  });

  it('precision control rounds the significand but keeps the 15-bit exponent range', () => {
    const st = fresh(0x007f); // PC = 24 bits
    push(st, 2 ** -30);
    push(st, 1);
    x87.farithReg(st, X87Op.Add, 0, 1, false);
    expect(st0(st)).toBe(1);
    expect(st.fsw & 0x20).toBe(0x20);
    const big = fresh(0x027f); // PC = 53 bits: 2^1000 * 2^1000 does not overflow
    push(big, 2 ** 1000);
    push(big, 2 ** 1000);
    x87.farithReg(big, X87Op.Mul, 0, 1, false);
    expect(big.fsw & 0x08).toBe(0);
    expect(raw(big, 0)).toBe('0000000000000080cf47');
  });

  it('unmasked overflow delivers the result re-biased by 2^-24576 and sets ES', () => {
    const st = fresh(0x037f & ~0x08);
    const b = { se: 0x7ffe, lo: 0, hi: 0x80000000 | 0 };
    x87.fldF80(st, b.se, b.lo, b.hi);
    x87.fldF80(st, b.se, b.lo, b.hi);
    x87.farithReg(st, X87Op.Mul, 0, 1, false);
    expect(st.fsw & (0x08 | ES)).toBe(0x08 | ES);
    // (2^16383)^2 = 2^32766: biased exponent 32766 + 16383 - 24576 = 0x5ffd
    expect(raw(st, 0)).toBe('0000000000000080fd5f');
  });
});

describe('stores, compares, environment', () => {
  it('FIST out of range stores the integer indefinite with #I', () => {
    const st = fresh();
    push(st, 1e10);
    expect(x87.fist(st, 16, false, false)).toBe(true);
    expect(x87.memOut.lo).toBe(0x8000);
    expect(st.fsw & 0x3f).toBe(IE);
  });

  it('unmasked #I suppresses the store', () => {
    const st = fresh(0x037e);
    push(st, NaN);
    expect(x87.fist(st, 32, false, true)).toBe(false);
    expect(pendingFault(st)).toBe(true);
  });

  it('FUCOM is quiet on QNaN, FCOM signals; FCOMI returns ZF PF CF', () => {
    const st = fresh();
    push(st, NaN);
    push(st, 1);
    x87.fcom(st, 1, true, 0);
    expect(st.fsw & (IE | 0x4500)).toBe(0x4500);
    x87.fcom(st, 1, false, 0);
    expect(st.fsw & IE).toBe(IE);
    const s2 = fresh();
    push(s2, 2);
    push(s2, 1);
    expect(x87.fcomi(s2, 1, false, false)).toBe(0x01);
    expect(x87.fcomi(s2, 0, false, false)).toBe(0x40);
  });

  it('FNSTENV/FLDENV and FNSAVE/FRSTOR round-trip the state', () => {
    const st = fresh(0x0b7f);
    push(st, 3);
    push(st, -0);
    push(st, 1.5);
    st.fsw |= 0x20;
    const img = new DataView(new ArrayBuffer(108));
    x87.fnsave(st, img, 0, false);
    expect(st.ftw).toBe(0); // FNSAVE re-initialises
    const back = new FpuState();
    x87.frstor(back, img, 0, false);
    expect(back.fcw).toBe(0x0b7f);
    expect(back.fsw & 0x3820).toBe(0x2820); // TOP = 5, PE
    expect(st0(back)).toBe(1.5);
    const env = new DataView(new ArrayBuffer(28));
    x87.fnstenv(back, env, 0, false);
    expect(env.getUint16(8, true)).toBe(0x13ff); // R7 valid, R6 zero, R5 valid, R0-R4 empty
    expect(back.fcw).toBe(0x0b7f);
    const third = new FpuState();
    x87.loadEnv(third, env, 0, false);
    expect(third.ftw).toBe(back.ftw);
  });
});
