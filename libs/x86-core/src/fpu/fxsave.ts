/**
 * FXSAVE/FXRSTOR (512-byte image, SDM vol. 2, tables 3-53 and 3-56) and LDMXCSR/STMXCSR.
 *
 *   0 FCW  2 FSW  4 abridged FTW  5 reserved(0)  6 FOP
 *   8 FIP (64-bit with REX.W; else FIP[31:0] at 8, FCS at 12, 0 at 14)
 *  16 FDP (64-bit with REX.W; else FDP[31:0] at 16, FDS at 20, 0 at 22)
 *  24 MXCSR  28 MXCSR_MASK  32 + 16*i ST(i) (10 bytes + 6 reserved)  160 + 16*i XMMi  416..511 untouched
 *
 * The ST(i) slots are in stack order (relative to TOP). Reserved bytes 10-15 of each slot are written
 * as zero; bytes 416-511 (reserved / available to software) are never written, as on the reference
 * CPU.
 * FXSAVE always saves the XMM registers and MXCSR (the CR4.OSFXSR = 0 case is implementation
 * specific; modern CPUs save them).
 */
import { FpuState, MXCSR_WRITABLE, OFF_FCS, OFF_FDP, OFF_FDS, OFF_FIP } from './fpu-state';
import { rawOff } from './x87/x87-stack';
import { VEC_GP } from './sse/mxcsr';

export const FXSAVE_BYTES = 512;
/** Bytes FXSAVE writes / FXRSTOR reads. */
export const FXSAVE_USED = 416;

export function fxsave(st: FpuState, out: DataView, off: number, rexW: boolean): void {
  out.setUint16(off, st.fcw, true);
  out.setUint16(off + 2, st.fsw, true);
  out.setUint8(off + 4, st.ftw);
  out.setUint8(off + 5, 0);
  out.setUint16(off + 6, st.fop, true);
  const u = st.u32;
  if (rexW) {
    out.setUint32(off + 8, u[OFF_FIP >> 2], true);
    out.setUint32(off + 12, u[(OFF_FIP >> 2) + 1], true);
    out.setUint32(off + 16, u[OFF_FDP >> 2], true);
    out.setUint32(off + 20, u[(OFF_FDP >> 2) + 1], true);
  } else {
    out.setUint32(off + 8, u[OFF_FIP >> 2], true);
    out.setUint16(off + 12, st.u16[OFF_FCS >> 1], true);
    out.setUint16(off + 14, 0, true);
    out.setUint32(off + 16, u[OFF_FDP >> 2], true);
    out.setUint16(off + 20, st.u16[OFF_FDS >> 1], true);
    out.setUint16(off + 22, 0, true);
  }
  out.setUint32(off + 24, st.mxcsr, true);
  out.setUint32(off + 28, MXCSR_WRITABLE, true);
  const t = (st.fsw >>> 11) & 7;
  for (let i = 0; i < 8; i++) {
    const o = rawOff((t + i) & 7);
    for (let k = 0; k < 10; k++) out.setUint8(off + 32 + i * 16 + k, st.u8[o + k]);
    for (let k = 10; k < 16; k++) out.setUint8(off + 32 + i * 16 + k, 0);
  }
  for (let b = 0; b < 256; b++) out.setUint8(off + 160 + b, st.u8[b]);
}

/** Returns 0, or VEC_GP when the image's MXCSR has reserved bits set (nothing is loaded then). */
export function fxrstor(st: FpuState, src: DataView, off: number, rexW: boolean): number {
  const mx = src.getUint32(off + 24, true);
  if ((mx & ~MXCSR_WRITABLE) !== 0) return VEC_GP;
  st.fcw = src.getUint16(off, true);
  st.fsw = src.getUint16(off + 2, true);
  st.ftw = src.getUint8(off + 4);
  st.fop = src.getUint16(off + 6, true);
  const u = st.u32;
  u[OFF_FIP >> 2] = src.getUint32(off + 8, true);
  u[OFF_FDP >> 2] = src.getUint32(off + 16, true);
  if (rexW) {
    u[(OFF_FIP >> 2) + 1] = src.getUint32(off + 12, true);
    u[(OFF_FDP >> 2) + 1] = src.getUint32(off + 20, true);
  } else {
    u[(OFF_FIP >> 2) + 1] = 0;
    u[(OFF_FDP >> 2) + 1] = 0;
    st.u16[OFF_FCS >> 1] = src.getUint16(off + 12, true);
    st.u16[OFF_FDS >> 1] = src.getUint16(off + 20, true);
  }
  st.mxcsr = mx;
  const t = (st.fsw >>> 11) & 7;
  for (let i = 0; i < 8; i++) {
    const o = rawOff((t + i) & 7);
    for (let k = 0; k < 10; k++) st.u8[o + k] = src.getUint8(off + 32 + i * 16 + k);
    for (let k = 10; k < 16; k++) st.u8[o + k] = 0;
  }
  for (let b = 0; b < 256; b++) st.u8[b] = src.getUint8(off + 160 + b);
  return 0;
}

/** LDMXCSR: #GP(0) (returned as VEC_GP) when reserved bits are set. */
export function ldmxcsr(st: FpuState, v: number): number {
  if ((v & ~MXCSR_WRITABLE) !== 0) return VEC_GP;
  st.mxcsr = v >>> 0;
  return 0;
}
export const stmxcsr = (st: FpuState): number => st.mxcsr;
