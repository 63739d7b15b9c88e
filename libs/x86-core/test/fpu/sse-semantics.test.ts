/**
 * SSE semantics not covered by the (all-masked) hardware vectors: unmasked exceptions, the fast path
 * against the exact core, and readable edge cases for conversions, saturation and moves.
 */
import { describe, expect, it } from 'vitest';
import { FpuState, XMM_TMP0 } from '../../src/fpu/fpu-state';
import { ldmxcsr } from '../../src/fpu/fxsave';
import { sf, T_F32, T_F64 } from '../../src/fpu/softfloat/fp';
import { decodeF32, decodeF64, encodeF32, encodeF64 } from '../../src/fpu/softfloat/formats';
import { VEC_GP, VEC_XM } from '../../src/fpu/sse/mxcsr';
import * as sse from '../../src/fpu/sse/semantics';

const f32 = (x: number) => new Uint32Array(new Float32Array([x]).buffer)[0];
function state(mx = 0x1f80): FpuState {
  const st = new FpuState();
  st.mxcsr = mx;
  return st;
}
function setPs(st: FpuState, x: number, v: number[]): void {
  v.forEach((n, k) => (st.u32[x * 4 + k] = f32(n)));
}

describe('unmasked SIMD exceptions', () => {
  it('an SNaN with #I unmasked faults and leaves the destination unchanged', () => {
    const st = state(0x1f80 & ~0x80);
    setPs(st, 0, [1, 2, 3, 4]);
    st.u32[4] = 0x7f800001;
    const before = st.xmmBytes(0);
    expect(sse.addps(st, 0, 1)).toBe(VEC_XM);
    expect(st.xmmBytes(0)).toEqual(before);
    expect(st.mxcsr & 0x3f).toBe(0x01);
  });

  it('an unmasked pre-computation exception suppresses the post-computation flags', () => {
    const st = state(0x1f80 & ~0x200); // #Z unmasked
    setPs(st, 0, [1, 1, 1, 1]);
    setPs(st, 1, [0, 3, 3, 3]); // lane 0: 1/0 (#Z), lanes 1-3: 1/3 (#P)
    expect(sse.divps(st, 0, 1)).toBe(VEC_XM);
    expect(st.mxcsr & 0x3f).toBe(0x04);
  });

  it('unmasked #P faults; masked #P only sets the sticky flag', () => {
    const st = state(0x1f80 & ~0x1000);
    setPs(st, 0, [1, 0, 0, 0]);
    setPs(st, 1, [3, 0, 0, 0]);
    expect(sse.divss(st, 0, 1)).toBe(VEC_XM);
    expect(st.u32[0]).toBe(f32(1));
    const m = state();
    setPs(m, 0, [1, 0, 0, 0]);
    setPs(m, 1, [3, 0, 0, 0]);
    expect(sse.divss(m, 0, 1)).toBe(0);
    expect(m.u32[0]).toBe(f32(1 / 3));
    expect(m.mxcsr).toBe(0x1fa0);
  });

  it('#U is flagged for an exact tiny result only when unmasked', () => {
    const tiny = 2 ** -65; // 2^-130 is an exact binary32 subnormal
    const masked = state();
    setPs(masked, 0, [tiny, 0, 0, 0]);
    setPs(masked, 1, [tiny, 0, 0, 0]);
    expect(sse.mulss(masked, 0, 1)).toBe(0);
    expect(masked.mxcsr & 0x3f).toBe(0);
    const un = state(0x1f80 & ~0x800);
    setPs(un, 0, [tiny, 0, 0, 0]);
    setPs(un, 1, [tiny, 0, 0, 0]);
    expect(sse.mulss(un, 0, 1)).toBe(VEC_XM);
    expect(un.mxcsr & 0x3f).toBe(0x10);
  });

  it('LDMXCSR rejects reserved bits with #GP', () => {
    const st = state();
    expect(ldmxcsr(st, 0x10000)).toBe(VEC_GP);
    expect(st.mxcsr).toBe(0x1f80);
    expect(ldmxcsr(st, 0xffff)).toBe(0);
  });
});

describe('fast path agrees with the exact core', () => {
  let seed = 12345;
  const rnd = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0), seed);
  const ops = [sse.ArithOp.Add, sse.ArithOp.Sub, sse.ArithOp.Mul, sse.ArithOp.Div];
  const fns32 = [sse.addss, sse.subss, sse.mulss, sse.divss];
  const fns64 = [sse.addsd, sse.subsd, sse.mulsd, sse.divsd];
  const env = { mx: 0x1f80, rc: 0, daz: false, ro: { ftz: false, ueMasked: true, unbounded: false } };

  it('binary32 add/sub/mul/div/sqrt on random normal operands', () => {
    for (let n = 0; n < 4000; n++) {
      const a = (rnd() & 0x807fffff) | ((((rnd() % 60) + 97) & 0xff) << 23);
      const b = (rnd() & 0x807fffff) | ((((rnd() % 60) + 97) & 0xff) << 23);
      const k = n % 5;
      const st = state();
      st.u32[0] = a;
      st.u32[4] = b;
      sf.flags = 0;
      const want =
        k < 4
          ? sse.arithLane(ops[k], decodeF32(a), decodeF32(b), env, T_F32)
          : sse.sqrtLane(decodeF32(a), decodeF32(b & 0x7fffffff), env, T_F32);
      const wantFlags = sf.flags;
      if (k === 4) st.u32[4] = b & 0x7fffffff;
      expect(k < 4 ? fns32[k](st, 0, 1) : sse.sqrtss(st, 0, 1)).toBe(0);
      expect(st.u32[0] >>> 0).toBe(encodeF32(want) >>> 0);
      expect(st.mxcsr).toBe(0x1f80 | wantFlags);
    }
  });

  it('binary64 add/sub/mul/div/sqrt on random operands incl. range edges', () => {
    for (let n = 0; n < 4000; n++) {
      const ea = [1023, 1, 2046, 60, 1990][rnd() % 5] + (rnd() % 30) - 15;
      const eb = [1023, 1, 2046, 60, 1990][rnd() % 5] + (rnd() % 30) - 15;
      const ahi = (rnd() & 0x800fffff) | ((Math.min(2046, Math.max(1, ea)) & 0x7ff) << 20);
      const bhi = (rnd() & 0x800fffff) | ((Math.min(2046, Math.max(1, eb)) & 0x7ff) << 20);
      const alo = rnd() | 0;
      const blo = n % 3 === 0 ? 0 : rnd() | 0;
      const k = n % 5;
      const st = state();
      st.i32.set([alo, ahi, 0, 0, blo, k === 4 ? bhi & 0x7fffffff : bhi], 0);
      sf.flags = 0;
      const A = decodeF64(alo, ahi);
      const B = decodeF64(blo, k === 4 ? bhi & 0x7fffffff : bhi);
      const want = k < 4 ? sse.arithLane(ops[k], A, B, env, T_F64) : sse.sqrtLane(A, B, env, T_F64);
      const wantFlags = sf.flags;
      expect(k < 4 ? fns64[k](st, 0, 1) : sse.sqrtsd(st, 0, 1)).toBe(0);
      const bits = encodeF64(want);
      expect([st.u32[0], st.u32[1]]).toEqual([Number(bits & 0xffffffffn), Number(bits >> 32n)]);
      expect(st.mxcsr).toBe(0x1f80 | wantFlags);
    }
  });
});

describe('conversions and integer edge cases', () => {
  it('invalid conversions give the integer indefinite with #I only', () => {
    const st = state();
    st.f64[2] = 2 ** 31;
    expect(sse.cvtsd2si(st, 1, false, true)).toBe(0);
    expect(sse.gprOut.lo >>> 0).toBe(0x80000000);
    expect(st.mxcsr & 0x3f).toBe(0x01);
    const st2 = state();
    st2.f64[2] = -(2 ** 63);
    expect(sse.cvtsd2si(st2, 1, true, true)).toBe(0);
    expect([sse.gprOut.lo >>> 0, sse.gprOut.hi >>> 0]).toEqual([0, 0x80000000]);
    expect(st2.mxcsr & 0x3f).toBe(0);
    const st3 = state();
    st3.u32[4] = 0x7fc00000;
    sse.cvtps2dq(st3, 0, 1);
    expect(st3.u32[0]).toBe(0x80000000);
  });

  it('cvtsd2si rounds per MXCSR.RC, cvttsd2si truncates', () => {
    for (const [rc, want] of [
      [0, -2],
      [1, -3],
      [2, -2],
      [3, -2],
    ]) {
      const st = state(0x1f80 | (rc << 13));
      st.f64[2] = -2.5;
      sse.cvtsd2si(st, 1, false, false);
      expect(sse.gprOut.lo).toBe(want);
    }
  });

  it('saturating arithmetic clamps at the boundaries', () => {
    const st = state();
    st.i8[0] = 127;
    st.i8[16] = 1;
    st.u8[1] = 0;
    st.u8[17] = 1;
    st.i8[2] = -128;
    st.i8[18] = -1;
    sse.paddsb(st, 0, 1);
    expect([st.i8[0], st.u8[1], st.i8[2]]).toEqual([127, 1, -128]);
    st.u8[0] = 5;
    st.u8[16] = 9;
    sse.psubusb(st, 0, 1);
    expect(st.u8[0]).toBe(0);
  });

  it('scalar moves: register forms merge, memory forms zero-extend', () => {
    const st = state();
    st.u32.set([1, 2, 3, 4], 0);
    st.u32.set([9, 8, 7, 6], 4);
    sse.movssReg(st, 0, 1);
    expect(Array.from(st.u32.subarray(0, 4))).toEqual([9, 2, 3, 4]);
    st.u32.set([5, 0, 0, 0], XMM_TMP0 * 4);
    sse.mov128(st, 0, XMM_TMP0);
    expect(Array.from(st.u32.subarray(0, 4))).toEqual([5, 0, 0, 0]);
    st.u32.set([1, 2, 3, 4], 0);
    sse.movhlps(st, 0, 1);
    expect(Array.from(st.u32.subarray(0, 4))).toEqual([7, 6, 3, 4]);
    sse.movqZext(st, 1, 0);
    expect(Array.from(st.u32.subarray(4, 8))).toEqual([7, 6, 0, 0]);
  });
});
