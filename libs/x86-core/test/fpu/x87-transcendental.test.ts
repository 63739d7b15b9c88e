/**
 * x87 transcendentals (x87/x87-trans.ts): values against Math.* (results carry ~53-bit accuracy),
 * stack effects, C2 for out-of-range trigonometric operands, special values and stack faults.
 */
import { describe, expect, it } from 'vitest';
import { FpuState } from '../../src/fpu/fpu-state';
import { f80ToNumber, numberToF80 } from '../../src/fpu/softfloat/f80';
import * as x87 from '../../src/fpu/x87/semantics';
import { fldcw } from '../../src/fpu/x87/x87-env';
import { isEmpty, phys, rawOff } from '../../src/fpu/x87/x87-stack';

const IE = 1;
const DE = 2;
const ZE = 4;
const UE = 0x10;
const PE = 0x20;
const SF = 0x40;
const ES = 0x80;
const C1 = 0x200;
const C2 = 0x400;

function fresh(cw = 0x037f): FpuState {
  const st = new FpuState();
  fldcw(st, cw);
  return st;
}
function push(st: FpuState, x: number): void {
  const b = numberToF80(x);
  x87.fldF80(st, b.se, b.lo, b.hi);
}
function pushRaw(st: FpuState, se: number, hi: number, lo: number): void {
  x87.fldF80(st, se, lo, hi);
}
function get(st: FpuState, i = 0): number {
  const o = rawOff(phys(st, i));
  return f80ToNumber(
    st.view.getUint16(o + 8, true),
    st.view.getUint32(o, true),
    st.view.getUint32(o + 4, true),
  );
}
function raw(st: FpuState, i = 0): string {
  const o = rawOff(phys(st, i));
  return Buffer.from(st.u8.subarray(o, o + 10)).toString('hex');
}
const INDEFINITE = '00000000000000c0ffff';
const close = (a: number, b: number): void => {
  if (b === 0) expect(a).toBe(b);
  else expect(Math.abs(a - b) / Math.abs(b)).toBeLessThan(4e-16);
};
const ARGS = [0.5, 1, 2, 3.14159, -1.25, 1e-10, 100, 1e10, -7.5, 0.785398, 2 ** 40 + 0.5];

function unary(fn: (st: FpuState) => void, x: number): FpuState {
  const st = fresh();
  push(st, x);
  fn(st);
  return st;
}
function binary(fn: (st: FpuState) => void, y: number, x: number): FpuState {
  const st = fresh();
  push(st, y);
  push(st, x);
  fn(st);
  return st;
}

describe('FSIN / FCOS / FSINCOS / FPTAN', () => {
  it('match Math.* and clear C2', () => {
    for (const x of ARGS) {
      let st = unary(x87.fsin, x);
      close(get(st), Math.sin(x));
      expect(st.fsw & (C2 | PE)).toBe(PE);
      st = unary(x87.fcos, x);
      close(get(st), Math.cos(x));
      st = unary(x87.fsincos, x);
      close(get(st, 0), Math.cos(x));
      close(get(st, 1), Math.sin(x));
      expect(x87.top(st)).toBe(6);
      st = unary(x87.fptan, x);
      expect(get(st, 0)).toBe(1);
      close(get(st, 1), Math.tan(x));
      expect(x87.top(st)).toBe(6);
    }
  });

  it('reduce large arguments exactly (sin(2^62) to binary64 accuracy)', () => {
    // sin(2^62) = 0.0183... (independently: 2^62 mod 2pi computed with a 384-bit pi)
    const st = unary(x87.fsin, 2 ** 62);
    close(get(st), Math.sin(2 ** 62));
  });

  it('|x| >= 2^63: C2 set, operand unchanged, nothing pushed', () => {
    for (const fn of [x87.fsin, x87.fcos, x87.fsincos, x87.fptan]) {
      const st = fresh();
      push(st, -(2 ** 63));
      const before = raw(st);
      fn(st);
      expect(st.fsw & C2).toBe(C2);
      expect(raw(st)).toBe(before);
      expect(x87.top(st)).toBe(7);
      expect(st.fsw & 0x3f).toBe(0);
    }
  });

  it('special values: ±0 exact, ±inf invalid, NaN propagates, tiny and denormal operands', () => {
    let st = unary(x87.fsin, -0);
    expect(raw(st)).toBe('00000000000000000080');
    expect(st.fsw & PE).toBe(0);
    st = unary(x87.fcos, -0);
    expect(get(st)).toBe(1);
    st = unary(x87.fsin, Infinity);
    expect(raw(st)).toBe(INDEFINITE);
    expect(st.fsw & IE).toBe(IE);
    st = unary(x87.fptan, -Infinity);
    expect(raw(st, 0)).toBe(INDEFINITE);
    expect(raw(st, 1)).toBe(INDEFINITE);
    st = unary(x87.fsincos, NaN);
    expect(x87.top(st)).toBe(6);
    expect(Number.isNaN(get(st, 0)) && Number.isNaN(get(st, 1))).toBe(true);
    expect(st.fsw & IE).toBe(0);
    st = unary(x87.fsin, 1e-300);
    expect(get(st)).toBe(1e-300);
    expect(st.fsw & PE).toBe(PE);
    // 80-bit denormal: DE, result = x, UE + PE
    st = fresh();
    pushRaw(st, 0x0000, 0x00000000, 0x00000123);
    x87.fsin(st);
    expect(raw(st)).toBe('23010000000000000000');
    expect(st.fsw & (DE | UE | PE)).toBe(DE | UE | PE);
  });

  it('stack faults: empty ST0 underflows, full stack overflows FPTAN/FSINCOS', () => {
    let st = fresh();
    x87.fcos(st);
    expect(st.fsw & (IE | SF | C1)).toBe(IE | SF);
    expect(raw(st)).toBe(INDEFINITE);
    st = fresh();
    for (let k = 0; k < 8; k++) push(st, k);
    x87.fptan(st);
    expect(st.fsw & (IE | SF | C1)).toBe(IE | SF | C1);
    expect(raw(st, 0)).toBe(INDEFINITE);
    expect(raw(st, 1)).toBe(INDEFINITE);
    // unmasked #IS: nothing changes, #MF pending
    st = fresh(0x037f & ~IE);
    for (let k = 0; k < 8; k++) push(st, k + 1);
    x87.fsincos(st);
    expect(get(st, 0)).toBe(8);
    expect(st.fsw & ES).toBe(ES);
  });
});

describe('FPATAN', () => {
  it('ST1 = atan2(ST1, ST0), pop', () => {
    for (const y of [1, -2.5, 1e-10, 3e300]) {
      for (const x of [0.3, -4, 1e10, -1e-300]) {
        const st = binary(x87.fpatan, y, x);
        expect(x87.top(st)).toBe(7);
        expect(isEmpty(st, 7)).toBe(true);
        close(get(st), Math.atan2(y, x));
      }
    }
  });

  it('special values follow atan2', () => {
    const cases: [number, number][] = [
      [0, 1],
      [-0, 1],
      [0, -1],
      [-0, -0],
      [1, 0],
      [-1, -0],
      [Infinity, Infinity],
      [-Infinity, -Infinity],
      [5, Infinity],
      [5, -Infinity],
      [-Infinity, 3],
    ];
    for (const [y, x] of cases) expect(Object.is(get(binary(x87.fpatan, y, x)), Math.atan2(y, x))).toBe(true);
    const st = binary(x87.fpatan, NaN, 1);
    expect(Number.isNaN(get(st))).toBe(true);
  });

  it('tiny quotients and extreme exponents (80-bit range beyond binary64)', () => {
    // y = 2^-16000, x = 1: result = 2^-16000 exactly rounded
    const st = fresh();
    pushRaw(st, 16383 - 16000, 0x80000000, 0);
    push(st, 1);
    x87.fpatan(st);
    expect(raw(st)).toBe(
      `0000000000000080${(16383 - 16000)
        .toString(16)
        .padStart(4, '0')
        .replace(/(..)(..)/, '$2$1')}`,
    );
    // y = 2^16000, x = 2^15999: atan(2)
    const st2 = fresh();
    pushRaw(st2, 16383 + 16000, 0x80000000, 0);
    pushRaw(st2, 16383 + 15999, 0x80000000, 0);
    x87.fpatan(st2);
    close(get(st2), Math.atan(2));
  });

  it('underflow: empty ST1 → masked indefinite in ST1, pop', () => {
    const st = fresh();
    push(st, 1);
    x87.fpatan(st);
    expect(st.fsw & (IE | SF)).toBe(IE | SF);
    expect(x87.top(st)).toBe(0);
    expect(raw(st)).toBe(INDEFINITE);
  });
});

describe('FYL2X / FYL2XP1', () => {
  it('y * log2(x)', () => {
    for (const x of [0.5, 2, 3, 10, 1e-300, 1e300, 1 + 2 ** -40, 1 - 2 ** -40, 0.7]) {
      for (const y of [1, -3.5, Math.LN2]) {
        const st = binary(x87.fyl2x, y, x);
        expect(x87.top(st)).toBe(7);
        close(get(st), y * Math.log2(x));
      }
    }
    expect(get(binary(x87.fyl2x, 3, 1024))).toBe(30);
    expect(binary(x87.fyl2x, 3, 1024).fsw & PE).toBe(0);
  });

  it('x near 1 keeps relative accuracy; x outside binary64 range works', () => {
    const st = fresh();
    push(st, 1);
    // x = 1 + 2^-63 (not representable in binary64)
    pushRaw(st, 16383, 0x80000000, 1);
    x87.fyl2x(st);
    close(get(st), 2 ** -63 * Math.LOG2E);
    const st2 = fresh();
    push(st2, 1);
    pushRaw(st2, 16383 + 10000, 0x80000000, 0);
    x87.fyl2x(st2);
    expect(get(st2)).toBe(10000);
  });

  it('FYL2X special values', () => {
    const chk = (y: number, x: number, want: number | 'inv', flags = 0): void => {
      const st = binary(x87.fyl2x, y, x);
      if (want === 'inv') {
        expect(raw(st)).toBe(INDEFINITE);
        expect(st.fsw & IE).toBe(IE);
      } else {
        expect(Object.is(get(st), want)).toBe(true);
        expect(st.fsw & (IE | ZE)).toBe(flags);
      }
    };
    chk(1, -1, 'inv');
    chk(1, -Infinity, 'inv');
    chk(0, 0, 'inv');
    chk(2, 0, -Infinity, ZE);
    chk(-2, -0, Infinity, ZE);
    chk(Infinity, 0, -Infinity);
    chk(-2, 1, -0);
    chk(Infinity, 1, 'inv');
    chk(0, Infinity, 'inv');
    chk(-1, Infinity, -Infinity);
    chk(-0, 0.5, 0);
    chk(Infinity, 0.5, -Infinity);
  });

  it('FYL2XP1: y * log2(1 + x), tiny and special operands', () => {
    for (const x of [0.25, -0.25, 1e-5, -1e-5, 1e-200, 0.29]) {
      for (const y of [1, -7]) close(get(binary(x87.fyl2xp1, y, x)), y * Math.log1p(x) * Math.LOG2E);
    }
    expect(Object.is(get(binary(x87.fyl2xp1, 5, -0)), -0)).toBe(true);
    expect(Object.is(get(binary(x87.fyl2xp1, -5, 0)), -0)).toBe(true);
    const st = binary(x87.fyl2xp1, Infinity, 0);
    expect(raw(st)).toBe(INDEFINITE);
    expect(Number.isNaN(get(binary(x87.fyl2xp1, 1, NaN)))).toBe(true);
  });
});

describe('F2XM1', () => {
  it('2^x - 1 over [-1, 1] and special values', () => {
    for (const x of [-1, -0.5, -1e-3, 1e-12, 0.3, 0.5, 1])
      close(get(unary(x87.f2xm1, x)), Math.expm1(x * Math.LN2));
    close(get(unary(x87.f2xm1, 1e-300)), 1e-300 * Math.LN2);
    expect(Object.is(get(unary(x87.f2xm1, -0)), -0)).toBe(true);
    expect(get(unary(x87.f2xm1, -Infinity))).toBe(-1);
    expect(get(unary(x87.f2xm1, Infinity))).toBe(Infinity);
    const st = fresh();
    x87.f2xm1(st);
    expect(st.fsw & (IE | SF)).toBe(IE | SF);
  });

  it('FCW.PC = 24 bits rounds the result', () => {
    const st = fresh(0x007f);
    push(st, 0.3);
    x87.f2xm1(st);
    expect(get(st)).toBe(Math.fround(Math.expm1(0.3 * Math.LN2)));
  });
});
