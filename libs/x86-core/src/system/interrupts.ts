/**
 * 64-bit IDT delivery: gate checks, privilege change through TSS.RSPn, IST stacks, the 16-byte
 * aligned interrupt frame, error codes. Faults during delivery are returned as values; Cpu.routeException
 * promotes them to #DF / triple fault.
 */
import type { Cpu } from '../cpu';
import { DF, GP, NP, SSF, TS, PF, ATTR_DATA, attrWithDpl } from '../state/cpu-state';
import { getFlags } from '../state/flags';
import {
  CPL,
  CS,
  EFER,
  EFER_LMA,
  F_IF,
  F_NT,
  F_RF,
  F_TF,
  F_VM,
  FLAGS,
  HALTED,
  IDTR_BASE_HI,
  IDTR_BASE_LO,
  IDTR_LIMIT,
  INT_SHADOW,
  LF_MASK,
  RIP_HI,
  RIP_LO,
  SEG_SEL,
  SS,
  segIdx,
} from '../state/layout';
import { DESC_LIMIT, loadSegCache, readDescriptor, readTss64 } from './descriptors';

/** Event kinds. */
export const EV_HW = 0; /** processor exception */
export const EV_EXT_INT = 1; /** external interrupt / NMI */
export const EV_SOFT = 2; /** INT n */
export const EV_SOFT_EXC = 3; /** INT3 / INTO (software exceptions: DPL checked, EXT = 0) */

export function isContributory(v: number): boolean {
  return v === 0 || (v >= 10 && v <= 13);
}

/** Vectors whose hardware delivery pushes an error code. */
export function hasErrorCode(v: number): boolean {
  return v === DF || (v >= 10 && v <= 14) || v === 17 || v === 21 || v === 29 || v === 30;
}

/**
 * Deliver vector `v` through the 64-bit IDT. The return RIP is the current RIP (the caller sets it
 * to the faulting or the next instruction). `err` < 0 means no error code. Returns 0 on success,
 * FAULT (2) with a new exception pending, or -1 when not in long mode (unsupported).
 */
export function deliverEvent(c: Cpu, v: number, err: number, kind: number): number {
  const s = c.s;
  if ((s[EFER] & EFER_LMA) === 0) return -1;
  const ext = kind === EV_HW || kind === EV_EXT_INT ? 1 : 0;
  const idtErr = v * 8 + 2 + ext;
  if (v * 16 + 15 > (s[IDTR_LIMIT] & 0xffff)) return c.raise(GP, idtErr);
  // gate
  const sum = (s[IDTR_BASE_LO] >>> 0) + v * 16;
  const glo = sum | 0;
  const ghi = (s[IDTR_BASE_HI] + (sum > 0xffffffff ? 1 : 0)) | 0;
  const w0 = c.rdPriv(glo, ghi, 8, 0);
  const w1 = c.rhi;
  if (c.fault !== 0) return 2;
  const glo8 = (glo + 8) | 0;
  const ghi8 = glo8 >>> 0 < glo >>> 0 ? (ghi + 1) | 0 : ghi;
  const w2 = c.rdPriv(glo8, ghi8, 4, 0);
  if (c.fault !== 0) return 2;
  const type = (w1 >>> 8) & 0x1f;
  const gdpl = (w1 >>> 13) & 3;
  const cpl = s[CPL];
  if (type !== 0x0e && type !== 0x0f) return c.raise(GP, idtErr);
  if ((kind === EV_SOFT || kind === EV_SOFT_EXC) && gdpl < cpl) return c.raise(GP, idtErr);
  if ((w1 & 0x8000) === 0) return c.raise(NP, idtErr);
  const sel = w0 >>> 16;
  const tLo = (w0 & 0xffff) | (w1 & 0xffff0000);
  const tHi = w2;
  const ist = w1 & 7;
  if ((sel & 0xfffc) === 0) return c.raise(GP, ext);
  const r = readDescriptor(c, sel);
  if (r === DESC_LIMIT) return c.raise(GP, (sel & 0xfffc) + ext);
  if (r !== 0) return r;
  const dlo = c.desc.lo;
  const dhi = c.desc.hi;
  if ((dhi & 0x1800) !== 0x1800) return c.raise(GP, (sel & 0xfffc) + ext);
  const cdpl = (dhi >>> 13) & 3;
  if (cdpl > cpl) return c.raise(GP, (sel & 0xfffc) + ext);
  if ((dhi & 0x8000) === 0) return c.raise(NP, (sel & 0xfffc) + ext);
  if ((dhi & (1 << 21)) === 0 || (dhi & (1 << 22)) !== 0) return c.raise(GP, (sel & 0xfffc) + ext);
  const newCpl = (dhi & 0x400) !== 0 ? cpl : cdpl;
  if (((tHi >> 15) + 1) >>> 0 > 1) return c.raise(GP, ext);
  // stack
  let rspLo = s[8];
  let rspHi = s[9];
  if (ist !== 0) {
    rspLo = readTss64(c, 0x24 + (ist - 1) * 8);
    rspHi = c.rhi;
    if (c.fault !== 0) return fixTs(c, ext);
  } else if (newCpl < cpl) {
    rspLo = readTss64(c, 4 + newCpl * 8);
    rspHi = c.rhi;
    if (c.fault !== 0) return fixTs(c, ext);
  }
  rspLo &= -16;
  const user = newCpl === 3 ? 1 : 0;
  const oldFlags = getFlags(s);
  const frame = err >= 0 ? 6 : 5;
  // frame slots from the top: SS, RSP, RFLAGS, CS, RIP, [err]
  const vals = c.frameScratch;
  vals[0] = s[segIdx(SS, SEG_SEL)];
  vals[1] = 0;
  vals[2] = s[8];
  vals[3] = s[9];
  vals[4] = oldFlags;
  vals[5] = 0;
  vals[6] = s[segIdx(CS, SEG_SEL)];
  vals[7] = 0;
  vals[8] = s[RIP_LO];
  vals[9] = s[RIP_HI];
  vals[10] = err;
  vals[11] = 0;
  let aLo = rspLo;
  let aHi = rspHi;
  for (let k = 0; k < frame; k++) {
    const d = (aLo >>> 0) - 8;
    aLo = d | 0;
    aHi = (aHi - (d < 0 ? 1 : 0)) | 0;
    if (c.wrPriv(aLo, aHi, 8, vals[k * 2], vals[k * 2 + 1], user) !== 0) {
      if (c.excVector === GP && c.nonCanonical) return c.raise(SSF, ext);
      if (c.excVector === PF) return 2;
      return 2;
    }
  }
  // commit
  loadSegCache(c, CS, (sel & 0xfffc) | newCpl, dlo, dhi);
  if (newCpl !== cpl) {
    s[segIdx(SS, SEG_SEL)] = newCpl;
    c.setSegment(SS, newCpl, 0n, 0xffffffff, attrWithDpl(ATTR_DATA, newCpl));
  }
  s[8] = aLo;
  s[9] = aHi;
  let nf = oldFlags & ~(F_TF | F_NT | F_RF | F_VM);
  if (type === 0x0e) nf &= ~F_IF;
  s[FLAGS] = nf;
  s[LF_MASK] = 0;
  c.cpl = newCpl;
  s[RIP_LO] = tLo;
  s[RIP_HI] = tHi;
  s[INT_SHADOW] = 0;
  s[HALTED] = 0;
  return 0;
}

function fixTs(c: Cpu, ext: number): number {
  if (c.excVector === TS) c.excErr = (c.excErr & ~1) | ext;
  return 2;
}
