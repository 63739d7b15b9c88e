/**
 * Effective addresses for the specialised handlers: eaq tries the common no-segment forms inline before
 * falling back to ea(); eaBD / eaBIS carry only one form's arithmetic, with the operand's registers
 * resolved at decode time by isBaseDisp / isBaseIndex (which set i.rb / i.rx).
 */
import type { Cpu } from '../cpu';
import type { Insn } from '../decoder/insn';
import { ea } from './operand';

/** Effective address for the common no-segment forms (inlined); falls back to ea(). */
export function eaq(c: Cpu, i: Insn): number {
  const b = i.base;
  const x = i.index;
  if (x >= 0 && b >= 0 && b < 16 && i.segBase < 0 && i.as === 8) {
    // base + index * scale + disp
    const s = c.s;
    const sc = i.scale;
    let xl = s[x << 1];
    let xh = s[(x << 1) | 1];
    if (sc !== 0) {
      xh = (xh << sc) | (xl >>> (32 - sc));
      xl <<= sc;
    }
    const s1 = (s[b << 1] >>> 0) + (xl >>> 0);
    const s2 = (s1 >>> 0) + (i.dispLo >>> 0);
    c.eaHi = (s[(b << 1) | 1] + xh + i.dispHi + (s1 > 0xffffffff ? 1 : 0) + (s2 > 0xffffffff ? 1 : 0)) | 0;
    return s2 | 0;
  }
  if (x >= 0 && b < 0 && i.segBase < 0 && i.as === 8) {
    // index * scale + disp32 (no base)
    const s = c.s;
    const sc = i.scale;
    let xl = s[x << 1];
    let xh = s[(x << 1) | 1];
    if (sc !== 0) {
      xh = (xh << sc) | (xl >>> (32 - sc));
      xl <<= sc;
    }
    const sum = (xl >>> 0) + (i.dispLo >>> 0);
    c.eaHi = (xh + i.dispHi + (sum > 0xffffffff ? 1 : 0)) | 0;
    return sum | 0;
  }
  if (x < 0 && i.segBase < 0 && i.as === 8) {
    if (b === 16) {
      c.eaHi = i.dispHi;
      return i.dispLo;
    }
    if (b >= 0) {
      const s = c.s;
      const sum = (s[b << 1] >>> 0) + (i.dispLo >>> 0);
      c.eaHi = (s[(b << 1) | 1] + i.dispHi + (sum > 0xffffffff ? 1 : 0)) | 0;
      return sum | 0;
    }
  }
  return ea(c, i);
}
/** Low word of base + disp (i.rb = the base's state word index); the high word goes to c.eaHi. */
export function eaBD(c: Cpu, i: Insn): number {
  const s = c.s;
  const sum = (s[i.rb] >>> 0) + (i.dispLo >>> 0);
  c.eaHi = (s[i.rb + 1] + i.dispHi + (sum > 0xffffffff ? 1 : 0)) | 0;
  return sum | 0;
}
/** [base + index*scale + disp] with the operand's registers pre-resolved (eaq's first form). */
export function eaBIS(c: Cpu, i: Insn): number {
  const s = c.s;
  const sc = i.scale;
  let xl = s[i.rx];
  let xh = s[i.rx + 1];
  if (sc !== 0) {
    xh = (xh << sc) | (xl >>> (32 - sc));
    xl <<= sc;
  }
  const s1 = (s[i.rb] >>> 0) + (xl >>> 0);
  const s2 = (s1 >>> 0) + (i.dispLo >>> 0);
  c.eaHi = (s[i.rb + 1] + xh + i.dispHi + (s1 > 0xffffffff ? 1 : 0) + (s2 > 0xffffffff ? 1 : 0)) | 0;
  return s2 | 0;
}
/** True for a 64-bit [GPR + GPR*scale + disp] operand without segment base (eaq's first form). */
export function isBaseIndex(i: Insn): boolean {
  if (
    i.mod === 3 ||
    i.index < 0 ||
    i.index >= 16 ||
    i.base < 0 ||
    i.base >= 16 ||
    i.segBase >= 0 ||
    i.as !== 8
  )
    return false;
  i.rb = i.base << 1;
  i.rx = i.index << 1;
  return true;
}
/** True for a 64-bit [GPR + disp] operand without index or segment base (see eaq's third form). */
export function isBaseDisp(i: Insn): boolean {
  if (i.mod === 3 || i.index >= 0 || i.base < 0 || i.base >= 16 || i.segBase >= 0 || i.as !== 8) return false;
  i.rb = i.base << 1;
  return true;
}
