/**
 * SSE data movement and shuffles. Memory operands arrive in a scratch slot (XMM_TMP0) that the
 * executor fills zero-extended, so "load" forms that zero the upper part are plain 128-bit copies
 * and the register-to-register forms below only merge the low element.
 */
import { FpuState } from '../fpu-state';
import * as int from './sse-int';

const tmp32 = new Uint32Array(4);

/** MOVAPS/MOVUPS/MOVDQA/MOVDQU/MOVAPD/MOVUPD, and every zero-extending load from a scratch slot. */
export function mov128(st: FpuState, d: number, s: number): void {
  st.copyXmm(d, s);
}

/** MOVSS xmm, xmm: low dword only. */
export function movssReg(st: FpuState, d: number, s: number): void {
  st.u32[d * 4] = st.u32[s * 4];
}
/** MOVSD xmm, xmm: low qword only. */
export function movsdReg(st: FpuState, d: number, s: number): void {
  st.u32[d * 4] = st.u32[s * 4];
  st.u32[d * 4 + 1] = st.u32[s * 4 + 1];
}
/** MOVQ xmm, xmm/m64 (F3 0F 7E and 66 0F D6 to a register): low qword, upper cleared. */
export function movqZext(st: FpuState, d: number, s: number): void {
  const u = st.u32;
  u[d * 4] = u[s * 4];
  u[d * 4 + 1] = u[s * 4 + 1];
  u[d * 4 + 2] = 0;
  u[d * 4 + 3] = 0;
}
/** MOVD/MOVQ xmm, r/m32|64 from a GPR value: zero-extended into the register. */
export function movdToXmm(st: FpuState, d: number, lo: number, hi: number, is64: boolean): void {
  const u = st.u32;
  u[d * 4] = lo;
  u[d * 4 + 1] = is64 ? hi : 0;
  u[d * 4 + 2] = 0;
  u[d * 4 + 3] = 0;
}

/** MOVLPS/MOVLPD xmm, m64: replace the low qword (source in a scratch slot). */
export const movlpsLoad = movsdReg;
/** MOVHPS/MOVHPD xmm, m64: replace the high qword with the scratch slot's low qword. */
export function movhpsLoad(st: FpuState, d: number, s: number): void {
  st.u32[d * 4 + 2] = st.u32[s * 4];
  st.u32[d * 4 + 3] = st.u32[s * 4 + 1];
}
/** MOVHLPS xmm1, xmm2: xmm1.low = xmm2.high. */
export function movhlps(st: FpuState, d: number, s: number): void {
  st.u32[d * 4] = st.u32[s * 4 + 2];
  st.u32[d * 4 + 1] = st.u32[s * 4 + 3];
}
/** MOVLHPS xmm1, xmm2: xmm1.high = xmm2.low. */
export const movlhps = movhpsLoad;

export function shufps(st: FpuState, d: number, s: number, imm: number): void {
  const u = st.u32;
  tmp32[0] = u[d * 4 + (imm & 3)];
  tmp32[1] = u[d * 4 + ((imm >> 2) & 3)];
  tmp32[2] = u[s * 4 + ((imm >> 4) & 3)];
  tmp32[3] = u[s * 4 + ((imm >> 6) & 3)];
  u.set(tmp32, d * 4);
}
export function shufpd(st: FpuState, d: number, s: number, imm: number): void {
  const u = st.u32;
  const a = d * 4 + (imm & 1) * 2;
  const b = s * 4 + ((imm >> 1) & 1) * 2;
  tmp32[0] = u[a];
  tmp32[1] = u[a + 1];
  tmp32[2] = u[b];
  tmp32[3] = u[b + 1];
  u.set(tmp32, d * 4);
}

export const unpcklps = int.punpckldq;
export const unpckhps = int.punpckhdq;
export const unpcklpd = int.punpcklqdq;
export const unpckhpd = int.punpckhqdq;
export const andps = int.pand;
export const andnps = int.pandn;
export const orps = int.por;
export const xorps = int.pxor;

/**
 * MASKMOVDQU xmm1, xmm2: bytes of xmm1 whose xmm2 mask byte has bit 7 set are stored to [rDI].
 * Returns the 16-bit byte-enable mask; the executor writes the selected bytes of xmm1.
 */
export const maskmovdquMask = (st: FpuState, mask: number): number => int.pmovmskb(st, mask);
