/**
 * SSE2 packed-integer semantics. Every function takes the state and XMM indices (0-15, or the scratch
 * slots 16/17 holding a memory operand) and updates `d` in place: `op(st, d, s)` is `d = d op s`.
 * None of these can fault.
 */
import { FpuState } from '../fpu-state';

const tmp = new Uint8Array(16);
const tmp16 = new Int16Array(tmp.buffer);
const tmpU16 = new Uint16Array(tmp.buffer);
const tmp32 = new Int32Array(tmp.buffer);

// ---------------------------------------------------------------- logic

export function pand(st: FpuState, d: number, s: number): void {
  const u = st.u32;
  for (let i = 0, a = d * 4, b = s * 4; i < 4; i++) u[a + i] &= u[b + i];
}
export function pandn(st: FpuState, d: number, s: number): void {
  const u = st.u32;
  for (let i = 0, a = d * 4, b = s * 4; i < 4; i++) u[a + i] = ~u[a + i] & u[b + i];
}
export function por(st: FpuState, d: number, s: number): void {
  const u = st.u32;
  for (let i = 0, a = d * 4, b = s * 4; i < 4; i++) u[a + i] |= u[b + i];
}
export function pxor(st: FpuState, d: number, s: number): void {
  const u = st.u32;
  for (let i = 0, a = d * 4, b = s * 4; i < 4; i++) u[a + i] ^= u[b + i];
}

// ---------------------------------------------------------------- add / sub

export function paddb(st: FpuState, d: number, s: number): void {
  const u = st.u8;
  for (let i = 0, a = d * 16, b = s * 16; i < 16; i++) u[a + i] += u[b + i];
}
export function paddw(st: FpuState, d: number, s: number): void {
  const u = st.u16;
  for (let i = 0, a = d * 8, b = s * 8; i < 8; i++) u[a + i] += u[b + i];
}
export function paddd(st: FpuState, d: number, s: number): void {
  const u = st.i32;
  for (let i = 0, a = d * 4, b = s * 4; i < 4; i++) u[a + i] = (u[a + i] + u[b + i]) | 0;
}
export function paddq(st: FpuState, d: number, s: number): void {
  const u = st.u32;
  for (let q = 0; q < 2; q++) {
    const a = d * 4 + q * 2;
    const b = s * 4 + q * 2;
    const lo = u[a] + u[b];
    u[a] = lo;
    u[a + 1] = u[a + 1] + u[b + 1] + (lo > 0xffffffff ? 1 : 0);
  }
}
export function psubb(st: FpuState, d: number, s: number): void {
  const u = st.u8;
  for (let i = 0, a = d * 16, b = s * 16; i < 16; i++) u[a + i] -= u[b + i];
}
export function psubw(st: FpuState, d: number, s: number): void {
  const u = st.u16;
  for (let i = 0, a = d * 8, b = s * 8; i < 8; i++) u[a + i] -= u[b + i];
}
export function psubd(st: FpuState, d: number, s: number): void {
  const u = st.i32;
  for (let i = 0, a = d * 4, b = s * 4; i < 4; i++) u[a + i] = (u[a + i] - u[b + i]) | 0;
}
export function psubq(st: FpuState, d: number, s: number): void {
  const u = st.u32;
  for (let q = 0; q < 2; q++) {
    const a = d * 4 + q * 2;
    const b = s * 4 + q * 2;
    const lo = u[a] - u[b];
    u[a] = lo;
    u[a + 1] = u[a + 1] - u[b + 1] - (lo < 0 ? 1 : 0);
  }
}

const clamp = (v: number, lo: number, hi: number): number => (v < lo ? lo : v > hi ? hi : v);

export function paddusb(st: FpuState, d: number, s: number): void {
  const u = st.u8;
  for (let i = 0, a = d * 16, b = s * 16; i < 16; i++) u[a + i] = Math.min(255, u[a + i] + u[b + i]);
}
export function paddusw(st: FpuState, d: number, s: number): void {
  const u = st.u16;
  for (let i = 0, a = d * 8, b = s * 8; i < 8; i++) u[a + i] = Math.min(0xffff, u[a + i] + u[b + i]);
}
export function psubusb(st: FpuState, d: number, s: number): void {
  const u = st.u8;
  for (let i = 0, a = d * 16, b = s * 16; i < 16; i++) u[a + i] = Math.max(0, u[a + i] - u[b + i]);
}
export function psubusw(st: FpuState, d: number, s: number): void {
  const u = st.u16;
  for (let i = 0, a = d * 8, b = s * 8; i < 8; i++) u[a + i] = Math.max(0, u[a + i] - u[b + i]);
}
export function paddsb(st: FpuState, d: number, s: number): void {
  const u = st.i8;
  for (let i = 0, a = d * 16, b = s * 16; i < 16; i++) u[a + i] = clamp(u[a + i] + u[b + i], -128, 127);
}
export function paddsw(st: FpuState, d: number, s: number): void {
  const u = st.i16;
  for (let i = 0, a = d * 8, b = s * 8; i < 8; i++) u[a + i] = clamp(u[a + i] + u[b + i], -32768, 32767);
}
export function psubsb(st: FpuState, d: number, s: number): void {
  const u = st.i8;
  for (let i = 0, a = d * 16, b = s * 16; i < 16; i++) u[a + i] = clamp(u[a + i] - u[b + i], -128, 127);
}
export function psubsw(st: FpuState, d: number, s: number): void {
  const u = st.i16;
  for (let i = 0, a = d * 8, b = s * 8; i < 8; i++) u[a + i] = clamp(u[a + i] - u[b + i], -32768, 32767);
}

// ---------------------------------------------------------------- compare / min / max / avg

export function pcmpeqb(st: FpuState, d: number, s: number): void {
  const u = st.u8;
  for (let i = 0, a = d * 16, b = s * 16; i < 16; i++) u[a + i] = u[a + i] === u[b + i] ? 0xff : 0;
}
export function pcmpeqw(st: FpuState, d: number, s: number): void {
  const u = st.u16;
  for (let i = 0, a = d * 8, b = s * 8; i < 8; i++) u[a + i] = u[a + i] === u[b + i] ? 0xffff : 0;
}
export function pcmpeqd(st: FpuState, d: number, s: number): void {
  const u = st.i32;
  for (let i = 0, a = d * 4, b = s * 4; i < 4; i++) u[a + i] = u[a + i] === u[b + i] ? -1 : 0;
}
export function pcmpgtb(st: FpuState, d: number, s: number): void {
  const u = st.i8;
  for (let i = 0, a = d * 16, b = s * 16; i < 16; i++) u[a + i] = u[a + i] > u[b + i] ? -1 : 0;
}
export function pcmpgtw(st: FpuState, d: number, s: number): void {
  const u = st.i16;
  for (let i = 0, a = d * 8, b = s * 8; i < 8; i++) u[a + i] = u[a + i] > u[b + i] ? -1 : 0;
}
export function pcmpgtd(st: FpuState, d: number, s: number): void {
  const u = st.i32;
  for (let i = 0, a = d * 4, b = s * 4; i < 4; i++) u[a + i] = u[a + i] > u[b + i] ? -1 : 0;
}
export function pminub(st: FpuState, d: number, s: number): void {
  const u = st.u8;
  for (let i = 0, a = d * 16, b = s * 16; i < 16; i++) if (u[b + i] < u[a + i]) u[a + i] = u[b + i];
}
export function pmaxub(st: FpuState, d: number, s: number): void {
  const u = st.u8;
  for (let i = 0, a = d * 16, b = s * 16; i < 16; i++) if (u[b + i] > u[a + i]) u[a + i] = u[b + i];
}
export function pminsw(st: FpuState, d: number, s: number): void {
  const u = st.i16;
  for (let i = 0, a = d * 8, b = s * 8; i < 8; i++) if (u[b + i] < u[a + i]) u[a + i] = u[b + i];
}
export function pmaxsw(st: FpuState, d: number, s: number): void {
  const u = st.i16;
  for (let i = 0, a = d * 8, b = s * 8; i < 8; i++) if (u[b + i] > u[a + i]) u[a + i] = u[b + i];
}
export function pavgb(st: FpuState, d: number, s: number): void {
  const u = st.u8;
  for (let i = 0, a = d * 16, b = s * 16; i < 16; i++) u[a + i] = (u[a + i] + u[b + i] + 1) >> 1;
}
export function pavgw(st: FpuState, d: number, s: number): void {
  const u = st.u16;
  for (let i = 0, a = d * 8, b = s * 8; i < 8; i++) u[a + i] = (u[a + i] + u[b + i] + 1) >>> 1;
}
export function psadbw(st: FpuState, d: number, s: number): void {
  const u = st.u8;
  for (let q = 0; q < 2; q++) {
    let sum = 0;
    for (let i = 0; i < 8; i++) sum += Math.abs(u[d * 16 + q * 8 + i] - u[s * 16 + q * 8 + i]);
    const w = d * 8 + q * 4;
    st.u16[w] = sum;
    st.u16[w + 1] = 0;
    st.u16[w + 2] = 0;
    st.u16[w + 3] = 0;
  }
}

// ---------------------------------------------------------------- multiply

export function pmullw(st: FpuState, d: number, s: number): void {
  const u = st.i16;
  for (let i = 0, a = d * 8, b = s * 8; i < 8; i++) u[a + i] = Math.imul(u[a + i], u[b + i]);
}
export function pmulhw(st: FpuState, d: number, s: number): void {
  const u = st.i16;
  for (let i = 0, a = d * 8, b = s * 8; i < 8; i++) u[a + i] = (u[a + i] * u[b + i]) >> 16;
}
export function pmulhuw(st: FpuState, d: number, s: number): void {
  const u = st.u16;
  for (let i = 0, a = d * 8, b = s * 8; i < 8; i++) u[a + i] = (u[a + i] * u[b + i]) / 65536;
}
export function pmuludq(st: FpuState, d: number, s: number): void {
  const u = st.u32;
  for (let q = 0; q < 2; q++) {
    const a = d * 4 + q * 2;
    const p = BigInt(u[a]) * BigInt(u[s * 4 + q * 2]);
    u[a] = Number(p & 0xffffffffn);
    u[a + 1] = Number(p >> 32n);
  }
}
export function pmaddwd(st: FpuState, d: number, s: number): void {
  const w = st.i16;
  for (let i = 0; i < 4; i++) {
    const a = d * 8 + i * 2;
    const b = s * 8 + i * 2;
    // (-32768)^2 * 2 = 2^31 wraps to 0x80000000 exactly as hardware does.
    tmp32[i] = w[a] * w[b] + w[a + 1] * w[b + 1];
  }
  st.i32.set(tmp32, d * 4);
}

// ---------------------------------------------------------------- shifts

/** Shift count from an XMM operand: the full low 64 bits, saturating. */
export function shiftCount(st: FpuState, s: number): number {
  return st.u32[s * 4 + 1] !== 0 ? 0xffff : Math.min(st.u32[s * 4], 0xffff);
}

export function psllwImm(st: FpuState, d: number, n: number): void {
  const u = st.u16;
  for (let i = 0; i < 8; i++) u[d * 8 + i] = n > 15 ? 0 : u[d * 8 + i] << n;
}
export function psrlwImm(st: FpuState, d: number, n: number): void {
  const u = st.u16;
  for (let i = 0; i < 8; i++) u[d * 8 + i] = n > 15 ? 0 : u[d * 8 + i] >>> n;
}
export function psrawImm(st: FpuState, d: number, n: number): void {
  const u = st.i16;
  for (let i = 0; i < 8; i++) u[d * 8 + i] = u[d * 8 + i] >> Math.min(n, 15);
}
export function pslldImm(st: FpuState, d: number, n: number): void {
  const u = st.i32;
  for (let i = 0; i < 4; i++) u[d * 4 + i] = n > 31 ? 0 : u[d * 4 + i] << n;
}
export function psrldImm(st: FpuState, d: number, n: number): void {
  const u = st.u32;
  for (let i = 0; i < 4; i++) u[d * 4 + i] = n > 31 ? 0 : u[d * 4 + i] >>> n;
}
export function psradImm(st: FpuState, d: number, n: number): void {
  const u = st.i32;
  for (let i = 0; i < 4; i++) u[d * 4 + i] = u[d * 4 + i] >> Math.min(n, 31);
}
export function psllqImm(st: FpuState, d: number, n: number): void {
  const u = st.u32;
  for (let q = 0; q < 2; q++) {
    const a = d * 4 + q * 2;
    const lo = u[a];
    const hi = u[a + 1];
    if (n > 63) {
      u[a] = 0;
      u[a + 1] = 0;
    } else if (n >= 32) {
      u[a + 1] = lo << (n - 32);
      u[a] = 0;
    } else if (n > 0) {
      u[a + 1] = (hi << n) | (lo >>> (32 - n));
      u[a] = lo << n;
    }
  }
}
export function psrlqImm(st: FpuState, d: number, n: number): void {
  const u = st.u32;
  for (let q = 0; q < 2; q++) {
    const a = d * 4 + q * 2;
    const lo = u[a];
    const hi = u[a + 1];
    if (n > 63) {
      u[a] = 0;
      u[a + 1] = 0;
    } else if (n >= 32) {
      u[a] = hi >>> (n - 32);
      u[a + 1] = 0;
    } else if (n > 0) {
      u[a] = (lo >>> n) | (hi << (32 - n));
      u[a + 1] = hi >>> n;
    }
  }
}
export function pslldq(st: FpuState, d: number, n: number): void {
  const u = st.u8;
  const b = d * 16;
  tmp.set(u.subarray(b, b + 16));
  for (let i = 0; i < 16; i++) u[b + i] = i - n >= 0 ? tmp[i - n] : 0;
}
export function psrldq(st: FpuState, d: number, n: number): void {
  const u = st.u8;
  const b = d * 16;
  tmp.set(u.subarray(b, b + 16));
  for (let i = 0; i < 16; i++) u[b + i] = i + n < 16 ? tmp[i + n] : 0;
}

export const psllw = (st: FpuState, d: number, s: number): void => psllwImm(st, d, shiftCount(st, s));
export const psrlw = (st: FpuState, d: number, s: number): void => psrlwImm(st, d, shiftCount(st, s));
export const psraw = (st: FpuState, d: number, s: number): void => psrawImm(st, d, shiftCount(st, s));
export const pslld = (st: FpuState, d: number, s: number): void => pslldImm(st, d, shiftCount(st, s));
export const psrld = (st: FpuState, d: number, s: number): void => psrldImm(st, d, shiftCount(st, s));
export const psrad = (st: FpuState, d: number, s: number): void => psradImm(st, d, shiftCount(st, s));
export const psllq = (st: FpuState, d: number, s: number): void => psllqImm(st, d, shiftCount(st, s));
export const psrlq = (st: FpuState, d: number, s: number): void => psrlqImm(st, d, shiftCount(st, s));

// ---------------------------------------------------------------- pack / unpack / shuffle

export function packsswb(st: FpuState, d: number, s: number): void {
  const w = st.i16;
  for (let i = 0; i < 8; i++) tmp[i] = clamp(w[d * 8 + i], -128, 127);
  for (let i = 0; i < 8; i++) tmp[8 + i] = clamp(w[s * 8 + i], -128, 127);
  st.u8.set(tmp, d * 16);
}
export function packuswb(st: FpuState, d: number, s: number): void {
  const w = st.i16;
  for (let i = 0; i < 8; i++) tmp[i] = clamp(w[d * 8 + i], 0, 255);
  for (let i = 0; i < 8; i++) tmp[8 + i] = clamp(w[s * 8 + i], 0, 255);
  st.u8.set(tmp, d * 16);
}
export function packssdw(st: FpuState, d: number, s: number): void {
  const w = st.i32;
  for (let i = 0; i < 4; i++) tmp16[i] = clamp(w[d * 4 + i], -32768, 32767);
  for (let i = 0; i < 4; i++) tmp16[4 + i] = clamp(w[s * 4 + i], -32768, 32767);
  st.u8.set(tmp, d * 16);
}

/** Interleave elements of `size` bytes from the low (high=false) or high halves of d and s. */
function unpack(st: FpuState, d: number, s: number, size: number, high: boolean): void {
  const u = st.u8;
  const base = high ? 8 : 0;
  for (let i = 0; i < 8 / size; i++) {
    for (let k = 0; k < size; k++) {
      tmp[2 * i * size + k] = u[d * 16 + base + i * size + k];
      tmp[(2 * i + 1) * size + k] = u[s * 16 + base + i * size + k];
    }
  }
  u.set(tmp, d * 16);
}

export const punpcklbw = (st: FpuState, d: number, s: number): void => unpack(st, d, s, 1, false);
export const punpcklwd = (st: FpuState, d: number, s: number): void => unpack(st, d, s, 2, false);
export const punpckldq = (st: FpuState, d: number, s: number): void => unpack(st, d, s, 4, false);
export const punpcklqdq = (st: FpuState, d: number, s: number): void => unpack(st, d, s, 8, false);
export const punpckhbw = (st: FpuState, d: number, s: number): void => unpack(st, d, s, 1, true);
export const punpckhwd = (st: FpuState, d: number, s: number): void => unpack(st, d, s, 2, true);
export const punpckhdq = (st: FpuState, d: number, s: number): void => unpack(st, d, s, 4, true);
export const punpckhqdq = (st: FpuState, d: number, s: number): void => unpack(st, d, s, 8, true);

export function pshufd(st: FpuState, d: number, s: number, imm: number): void {
  for (let i = 0; i < 4; i++) tmp32[i] = st.i32[s * 4 + ((imm >> (2 * i)) & 3)];
  st.i32.set(tmp32, d * 4);
}
export function pshuflw(st: FpuState, d: number, s: number, imm: number): void {
  for (let i = 0; i < 4; i++) tmpU16[i] = st.u16[s * 8 + ((imm >> (2 * i)) & 3)];
  for (let i = 4; i < 8; i++) tmpU16[i] = st.u16[s * 8 + i];
  st.u16.set(tmpU16, d * 8);
}
export function pshufhw(st: FpuState, d: number, s: number, imm: number): void {
  for (let i = 0; i < 4; i++) tmpU16[i] = st.u16[s * 8 + i];
  for (let i = 0; i < 4; i++) tmpU16[4 + i] = st.u16[s * 8 + 4 + ((imm >> (2 * i)) & 3)];
  st.u16.set(tmpU16, d * 8);
}

// ---------------------------------------------------------------- masks

/** PMOVMSKB: returns the 16-bit mask for the destination GPR (zero-extended). */
export function pmovmskb(st: FpuState, s: number): number {
  const u = st.u8;
  let m = 0;
  for (let i = 0; i < 16; i++) m |= (u[s * 16 + i] >> 7) << i;
  return m;
}
export function movmskps(st: FpuState, s: number): number {
  const u = st.u32;
  let m = 0;
  for (let i = 0; i < 4; i++) m |= (u[s * 4 + i] >>> 31) << i;
  return m;
}
export function movmskpd(st: FpuState, s: number): number {
  const u = st.u32;
  return (u[s * 4 + 1] >>> 31) | ((u[s * 4 + 3] >>> 31) << 1);
}
