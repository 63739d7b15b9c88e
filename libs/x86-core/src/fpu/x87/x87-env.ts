/**
 * x87 control and environment: FNINIT, FNCLEX, FLDCW, FNSTCW, FNSTSW, FNSTENV/FLDENV, FNSAVE/FRSTOR,
 * and the tag word conversions.
 *
 * Environment images use the protected-mode layouts (SDM vol. 1, figures 8-9 and 8-10): 28 bytes
 * for 32/64-bit operand size, 14 bytes for 16-bit. Real-mode layouts are not implemented (the
 * hypervisor runs guests in protected/long mode). Reserved halves of the 32-bit image are written
 * as 0xFFFF, as Intel processors do.
 */
import { FpuState, OFF_FCS, OFF_FDP, OFF_FDS, OFF_FIP } from '../fpu-state';
import { readPhys, rawOff, updateES } from './x87-stack';

/** Full 2-bit tag of physical register r: 00 valid, 01 zero, 10 special, 11 empty. */
export function fullTag(st: FpuState, r: number): number {
  if ((st.ftw & (1 << r)) === 0) return 3;
  const o = rawOff(r);
  const ex = st.view.getUint16(o + 8, true) & 0x7fff;
  const hi = st.view.getUint32(o + 4, true);
  const lo = st.view.getUint32(o, true);
  if (ex === 0x7fff) return 2;
  if (ex === 0) return hi === 0 && lo === 0 ? 1 : 2;
  return hi >>> 31 === 0 ? 2 : 0;
}

export function fullTagWord(st: FpuState): number {
  let t = 0;
  for (let r = 0; r < 8; r++) t |= fullTag(st, r) << (2 * r);
  return t;
}

/** Abridged tag from a full tag word: a register is valid unless its tag is 11. */
export function abridge(full: number): number {
  let a = 0;
  for (let r = 0; r < 8; r++) if (((full >>> (2 * r)) & 3) !== 3) a |= 1 << r;
  return a;
}

export function fninit(st: FpuState): void {
  st.fcw = 0x037f;
  st.fsw = 0;
  st.ftw = 0;
  st.fop = 0;
  st.u32[OFF_FIP >> 2] = 0;
  st.u32[(OFF_FIP >> 2) + 1] = 0;
  st.u32[OFF_FDP >> 2] = 0;
  st.u32[(OFF_FDP >> 2) + 1] = 0;
  st.u16[OFF_FCS >> 1] = 0;
  st.u16[OFF_FDS >> 1] = 0;
}

/** FNCLEX: clears PE..IE, SF, ES and B. */
export function fnclex(st: FpuState): void {
  st.fsw &= 0x7f00;
}

export function fldcw(st: FpuState, v: number): void {
  st.fcw = v & 0xffff;
  updateES(st);
}

/** Write the environment image (28 or 14 bytes) into `out` at `off`. */
export function storeEnv(st: FpuState, out: DataView, off: number, size16: boolean): void {
  const fip = st.u32[OFF_FIP >> 2];
  const fdp = st.u32[OFF_FDP >> 2];
  const fcs = st.u16[OFF_FCS >> 1];
  const fds = st.u16[OFF_FDS >> 1];
  if (size16) {
    out.setUint16(off, st.fcw, true);
    out.setUint16(off + 2, st.fsw, true);
    out.setUint16(off + 4, fullTagWord(st), true);
    out.setUint16(off + 6, fip & 0xffff, true);
    out.setUint16(off + 8, fcs, true);
    out.setUint16(off + 10, fdp & 0xffff, true);
    out.setUint16(off + 12, fds, true);
    return;
  }
  out.setUint32(off, 0xffff0000 | st.fcw, true);
  out.setUint32(off + 4, 0xffff0000 | st.fsw, true);
  out.setUint32(off + 8, 0xffff0000 | fullTagWord(st), true);
  out.setUint32(off + 12, fip, true);
  out.setUint32(off + 16, (fcs | (st.fop << 16)) >>> 0, true);
  out.setUint32(off + 20, fdp, true);
  out.setUint32(off + 24, 0xffff0000 | fds, true);
}

export function loadEnv(st: FpuState, src: DataView, off: number, size16: boolean): void {
  if (size16) {
    st.fcw = src.getUint16(off, true);
    st.fsw = src.getUint16(off + 2, true);
    st.ftw = abridge(src.getUint16(off + 4, true));
    st.u32[OFF_FIP >> 2] = src.getUint16(off + 6, true);
    st.u16[OFF_FCS >> 1] = src.getUint16(off + 8, true);
    st.u32[OFF_FDP >> 2] = src.getUint16(off + 10, true);
    st.u16[OFF_FDS >> 1] = src.getUint16(off + 12, true);
  } else {
    st.fcw = src.getUint16(off, true);
    st.fsw = src.getUint16(off + 4, true);
    st.ftw = abridge(src.getUint16(off + 8, true));
    st.u32[OFF_FIP >> 2] = src.getUint32(off + 12, true);
    st.u16[OFF_FCS >> 1] = src.getUint16(off + 16, true);
    st.fop = src.getUint16(off + 18, true) & 0x7ff;
    st.u32[OFF_FDP >> 2] = src.getUint32(off + 20, true);
    st.u16[OFF_FDS >> 1] = src.getUint16(off + 24, true);
  }
  st.u32[(OFF_FIP >> 2) + 1] = 0;
  st.u32[(OFF_FDP >> 2) + 1] = 0;
  updateES(st);
}

export const envSize = (size16: boolean): number => (size16 ? 14 : 28);
export const saveSize = (size16: boolean): number => envSize(size16) + 80;

/** FNSTENV: store the environment, then mask all exceptions. */
export function fnstenv(st: FpuState, out: DataView, off: number, size16: boolean): void {
  storeEnv(st, out, off, size16);
  st.fcw |= 0x3f;
}

/** FNSAVE: environment + ST(0)..ST(7) as 10-byte values, then FNINIT. */
export function fnsave(st: FpuState, out: DataView, off: number, size16: boolean): void {
  storeEnv(st, out, off, size16);
  const base = off + envSize(size16);
  const t = (st.fsw >>> 11) & 7;
  for (let i = 0; i < 8; i++) {
    const o = rawOff((t + i) & 7);
    for (let k = 0; k < 10; k++) out.setUint8(base + i * 10 + k, st.u8[o + k]);
  }
  fninit(st);
}

export function frstor(st: FpuState, src: DataView, off: number, size16: boolean): void {
  loadEnv(st, src, off, size16);
  const base = off + envSize(size16);
  const t = (st.fsw >>> 11) & 7;
  for (let i = 0; i < 8; i++) {
    const o = rawOff((t + i) & 7);
    for (let k = 0; k < 10; k++) st.u8[o + k] = src.getUint8(base + i * 10 + k);
    for (let k = 10; k < 16; k++) st.u8[o + k] = 0;
  }
}

/** For tests: decoded physical register. */
export const physValue = readPhys;
