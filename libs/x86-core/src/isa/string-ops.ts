/**
 * String instructions MOVS/STOS/LODS/CMPS/SCAS/INS/OUTS with REP/REPE/REPNE.
 *
 * REP MOVS and REP STOS run as bulk operations: each step translates the current source and
 * destination pages once and copies/fills every element that lies inside both pages with typed-array
 * operations (overlapping forward copies are split so the result matches element-by-element
 * semantics). Registers (rSI, rDI, rCX) are updated after every chunk, so a fault on a later page
 * leaves the architectural progress made so far and RIP at the instruction: re-execution resumes.
 * A single execution processes at most REP_MAX_BYTES; if work remains, RIP stays on the instruction
 * and the block ends (the instruction is counted once per such slice).
 */
import type { Cpu } from '../cpu';
import { EXEC_END, type Insn } from '../decoder/insn';
import { FAULT } from '../state/cpu-state';
import { cond } from '../state/flags';
import { ES, F_DF, FLAGS, RIP_HI, RIP_LO } from '../state/layout';
import { ALU_CMP, aluOs } from './alu';
import { readMem, setReg, stringAddr, writeMem } from './operand';

export const REP_MAX_BYTES = 1 << 20;

const RSI = 6;
const RDI = 7;

/** Add a signed delta to index register r with the address size. */
function advance(c: Cpu, as: number, r: number, delta: number): void {
  const s = c.s;
  const k = r << 1;
  if (as === 8) {
    const sum = (s[k] >>> 0) + delta;
    s[k] = sum | 0;
    s[k | 1] = (s[k | 1] + Math.floor(sum / 4294967296)) | 0;
  } else if (as === 4) {
    s[k] = (s[k] + delta) | 0;
    s[k | 1] = 0;
  } else c.s16[r << 2] = (c.s16[r << 2] + delta) & 0xffff;
}

/** rCX as a number (64-bit counts above 2^53 are clamped; they would fault long before). */
function getCount(c: Cpu, as: number): number {
  const s = c.s;
  if (as === 8) return (s[3] >>> 0) * 4294967296 + (s[2] >>> 0);
  if (as === 4) return s[2] >>> 0;
  return c.s16[1 << 2];
}

function setCount(c: Cpu, as: number, n: number): void {
  const s = c.s;
  if (as === 8) {
    s[2] = (n % 4294967296) | 0;
    s[3] = Math.floor(n / 4294967296) | 0;
  } else if (as === 4) {
    s[2] = n | 0;
    s[3] = 0;
  } else c.s16[1 << 2] = n;
}

function srcSeg(i: Insn): number {
  return i.segOverride ? i.seg : 3;
}

/** Elements of `size` that fit between linear `lo` and the page end (DF=0) or start (DF=1). */
function roomInPage(lo: number, size: number, down: boolean): number {
  const off = lo & 4095;
  if (off + size > 4096) return 0;
  return down ? Math.floor(off / size) + 1 : Math.floor((4096 - off) / size);
}

/** Resume at the same instruction (partial REP progress); block ends. */
function again(c: Cpu, i: Insn): number {
  c.s[RIP_LO] = i.ripLo;
  c.s[RIP_HI] = i.ripHi;
  return EXEC_END;
}

/** One MOVS element via the generic paths (page-straddling elements, MMIO). */
function movsOne(c: Cpu, i: Insn, size: number, down: boolean): number {
  const sLo = stringAddr(c, i, RSI, srcSeg(i));
  const v = readMem(c, size, sLo, c.eaHi);
  if (c.fault !== 0) return FAULT;
  const vh = c.rhi;
  const dLo = stringAddr(c, i, RDI, ES);
  if (writeMem(c, size, dLo, c.eaHi, v, vh) !== 0) return FAULT;
  advance(c, i.as, RSI, down ? -size : size);
  advance(c, i.as, RDI, down ? -size : size);
  return 0;
}

/** A4 / A5: movs */
export function op_a5_movs(c: Cpu, i: Insn): number {
  const size = i.os;
  const down = (c.s[FLAGS] & F_DF) !== 0;
  if (i.rep === 0) return movsOne(c, i, size, down);
  let count = getCount(c, i.as);
  let budget = REP_MAX_BYTES;
  const m8 = c.m8;
  while (count > 0) {
    if (budget <= 0) return again(c, i);
    const sLo = stringAddr(c, i, RSI, srcSeg(i));
    const sHi = c.eaHi;
    const dLo = stringAddr(c, i, RDI, ES);
    const dHi = c.eaHi;
    const n = Math.min(count, roomInPage(sLo, size, down), roomInPage(dLo, size, down));
    const ps = n > 0 ? c.xr(sLo, sHi) : -1;
    if (n > 0 && ps < 0) return FAULT;
    const pd = n > 0 ? c.xw(dLo, dHi) : -1;
    if (n > 0 && pd < 0) return FAULT;
    if (n === 0 || ps + size > c.memSize || pd + size > c.memSize) {
      if (movsOne(c, i, size, down) !== 0) return FAULT;
      count--;
      setCount(c, i.as, count);
      budget -= size;
      continue;
    }
    const bytes = n * size;
    // byte ranges covered (for DF=1 the elements run downward from the current one)
    const s0 = down ? ps - bytes + size : ps;
    const d0 = down ? pd - bytes + size : pd;
    const dist = d0 - s0;
    if (dist === 0 || dist >= bytes || dist <= -bytes || (down ? dist > 0 : dist < 0))
      m8.copyWithin(d0, s0, s0 + bytes);
    else {
      // the destination overlaps source bytes not yet read: copy element by element, in order
      for (let k = 0; k < n; k++) {
        const o = down ? bytes - size - k * size : k * size;
        if (size === 1) m8[d0 + o] = m8[s0 + o];
        else m8.set(m8.slice(s0 + o, s0 + o + size), d0 + o);
      }
    }
    c.wrote(d0, bytes);
    advance(c, i.as, RSI, down ? -bytes : bytes);
    advance(c, i.as, RDI, down ? -bytes : bytes);
    count -= n;
    setCount(c, i.as, count);
    budget -= bytes;
  }
  return 0;
}

/** AA / AB: stos */
export function op_ab_stos(c: Cpu, i: Insn): number {
  const s = c.s;
  const size = i.os;
  const down = (s[FLAGS] & F_DF) !== 0;
  const vl = size === 1 ? c.s8[0] : size === 2 ? c.s16[0] : s[0];
  const vh = s[1];
  if (i.rep === 0) {
    const dLo = stringAddr(c, i, RDI, ES);
    if (writeMem(c, size, dLo, c.eaHi, vl, vh) !== 0) return FAULT;
    advance(c, i.as, RDI, down ? -size : size);
    return 0;
  }
  let count = getCount(c, i.as);
  let budget = REP_MAX_BYTES;
  const uniform =
    size === 1 ||
    (size === 2 && (vl & 0xff) === vl >>> 8) ||
    (size >= 4 && vl === (vl & 0xff) * 0x01010101 && (size === 4 || vh === vl));
  while (count > 0) {
    if (budget <= 0) return again(c, i);
    const dLo = stringAddr(c, i, RDI, ES);
    const dHi = c.eaHi;
    const n = Math.min(count, roomInPage(dLo, size, down));
    const pd = n > 0 ? c.xw(dLo, dHi) : -1;
    if (n > 0 && pd < 0) return FAULT;
    if (n === 0 || pd + size > c.memSize) {
      if (writeMem(c, size, dLo, dHi, vl, vh) !== 0) return FAULT;
      advance(c, i.as, RDI, down ? -size : size);
      count--;
      setCount(c, i.as, count);
      budget -= size;
      continue;
    }
    const bytes = n * size;
    const d0 = down ? pd - bytes + size : pd;
    if (uniform) c.m8.fill(vl & 0xff, d0, d0 + bytes);
    else {
      const dv = c.mdv;
      for (let k = 0; k < bytes; k += size) {
        if (size === 2) dv.setUint16(d0 + k, vl, true);
        else {
          dv.setInt32(d0 + k, vl, true);
          if (size === 8) dv.setInt32(d0 + k + 4, vh, true);
        }
      }
    }
    c.wrote(d0, bytes);
    advance(c, i.as, RDI, down ? -bytes : bytes);
    count -= n;
    setCount(c, i.as, count);
    budget -= bytes;
  }
  return 0;
}

/** AC / AD: lods */
export function op_ad_lods(c: Cpu, i: Insn): number {
  const size = i.os;
  const down = (c.s[FLAGS] & F_DF) !== 0;
  let count = i.rep === 0 ? 1 : getCount(c, i.as);
  let budget = REP_MAX_BYTES;
  while (count > 0) {
    if (budget <= 0) return again(c, i);
    const sLo = stringAddr(c, i, RSI, srcSeg(i));
    const v = readMem(c, size, sLo, c.eaHi);
    if (c.fault !== 0) return FAULT;
    setReg(c, size, 0, 0, v, c.rhi);
    advance(c, i.as, RSI, down ? -size : size);
    count--;
    if (i.rep !== 0) setCount(c, i.as, count);
    budget -= size;
  }
  return 0;
}

/** A6 / A7: cmps (REPE / REPNE stop on the ZF condition) */
export function op_a7_cmps(c: Cpu, i: Insn): number {
  const size = i.os;
  const down = (c.s[FLAGS] & F_DF) !== 0;
  let count = i.rep === 0 ? 1 : getCount(c, i.as);
  let budget = REP_MAX_BYTES;
  while (count > 0) {
    if (budget <= 0) return again(c, i);
    const sLo = stringAddr(c, i, RSI, srcSeg(i));
    const a = readMem(c, size, sLo, c.eaHi);
    if (c.fault !== 0) return FAULT;
    const ah = c.rhi;
    const dLo = stringAddr(c, i, RDI, ES);
    const b = readMem(c, size, dLo, c.eaHi);
    if (c.fault !== 0) return FAULT;
    aluOs(c.s, ALU_CMP, size, a, ah, b, c.rhi);
    advance(c, i.as, RSI, down ? -size : size);
    advance(c, i.as, RDI, down ? -size : size);
    count--;
    if (i.rep === 0) return 0;
    setCount(c, i.as, count);
    budget -= size;
    if (i.rep === 0xf3 ? !cond(c.s, 4) : cond(c.s, 4)) return 0;
  }
  return 0;
}

/** AE / AF: scas */
export function op_af_scas(c: Cpu, i: Insn): number {
  const s = c.s;
  const size = i.os;
  const down = (s[FLAGS] & F_DF) !== 0;
  const al = size === 1 ? c.s8[0] : size === 2 ? c.s16[0] : s[0];
  const ah = s[1];
  let count = i.rep === 0 ? 1 : getCount(c, i.as);
  let budget = REP_MAX_BYTES;
  while (count > 0) {
    if (budget <= 0) return again(c, i);
    const dLo = stringAddr(c, i, RDI, ES);
    const b = readMem(c, size, dLo, c.eaHi);
    if (c.fault !== 0) return FAULT;
    aluOs(s, ALU_CMP, size, al, ah, b, c.rhi);
    advance(c, i.as, RDI, down ? -size : size);
    count--;
    if (i.rep === 0) return 0;
    setCount(c, i.as, count);
    budget -= size;
    if (i.rep === 0xf3 ? !cond(s, 4) : cond(s, 4)) return 0;
  }
  return 0;
}

/** 6C / 6D: ins (port DX) */
export function op_6d_ins(c: Cpu, i: Insn): number {
  const size = i.os === 8 ? 4 : i.os;
  const port = c.s16[2 << 2];
  if (!c.ioAllowed(port, size)) return c.raiseGP(0);
  const down = (c.s[FLAGS] & F_DF) !== 0;
  let count = i.rep === 0 ? 1 : getCount(c, i.as);
  let budget = REP_MAX_BYTES;
  while (count > 0) {
    if (budget <= 0) return again(c, i);
    const dLo = stringAddr(c, i, RDI, ES);
    const dHi = c.eaHi;
    // check the destination before performing the (side-effecting) port read
    if (c.probeW(dLo, dHi, size) < 0) return FAULT;
    const v = c.portIn(port, size);
    if (writeMem(c, size, dLo, dHi, v, 0) !== 0) return FAULT;
    advance(c, i.as, RDI, down ? -size : size);
    count--;
    if (i.rep !== 0) setCount(c, i.as, count);
    budget -= size;
  }
  return 0;
}

/** 6E / 6F: outs (port DX) */
export function op_6f_outs(c: Cpu, i: Insn): number {
  const size = i.os === 8 ? 4 : i.os;
  const port = c.s16[2 << 2];
  if (!c.ioAllowed(port, size)) return c.raiseGP(0);
  const down = (c.s[FLAGS] & F_DF) !== 0;
  let count = i.rep === 0 ? 1 : getCount(c, i.as);
  let budget = REP_MAX_BYTES;
  while (count > 0) {
    if (budget <= 0) return again(c, i);
    const sLo = stringAddr(c, i, RSI, srcSeg(i));
    const v = readMem(c, size, sLo, c.eaHi);
    if (c.fault !== 0) return FAULT;
    c.portOut(port, size, v);
    advance(c, i.as, RSI, down ? -size : size);
    count--;
    if (i.rep !== 0) setCount(c, i.as, count);
    budget -= size;
  }
  return 0;
}
