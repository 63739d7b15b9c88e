/**
 * Read-modify-write on memory, shared by every instruction with a memory destination that reads it
 * first (ALU ops, inc/dec, not/neg, xadd, xchg, bts/btr/btc).
 *
 * LOCK semantics: guest memory may be a SharedArrayBuffer used by vCPUs on other threads. A locked
 * RMW (or XCHG with memory, which is implicitly locked) on a naturally aligned operand in RAM runs as
 * a compare-exchange loop with Atomics on the shared buffer, so it is atomic with respect to other
 * threads. A locked access that is misaligned or crosses a page ("split lock") takes the host-wide bus
 * lock of the memory (memory/host-lock.ts) around its read and write, so it is atomic with respect to
 * every other split lock and CMPXCHG16B on any thread. Limitation: an aligned locked operation does
 * not take the bus lock (that would cost every lock-prefixed instruction), so an aligned locked access
 * that overlaps a concurrent split lock on the same bytes is not serialised against it. Operands in
 * MMIO (beyond RAM) go to the embedder as a plain read then write.
 */
import type { Cpu } from '../cpu';
import type { Insn } from '../decoder/insn';
import { acquireBusLock, releaseBusLock } from '../memory/host-lock';
import { FAULT } from '../state/cpu-state';
import { LF_RES } from '../state/layout';
import { alu32, alu64, aluSmall, incDec, neg } from './alu';
import { readMemW, writeMem } from './operand';

export const RMW_ALU = 0;
export const RMW_INC = 1;
export const RMW_DEC = 2;
export const RMW_NOT = 3;
export const RMW_NEG = 4;
export const RMW_XADD = 5;
export const RMW_XCHG = 6;
export const RMW_BTS = 7;
export const RMW_BTR = 8;
export const RMW_BTC = 9;

/** Compute the new value from old (al, ah) and source (bl, bh); returns lo, hi in c.rhi. */
export function rmwCompute(
  c: Cpu,
  kind: number,
  op: number,
  os: number,
  al: number,
  ah: number,
  bl: number,
  bh: number,
): number {
  const s = c.s;
  let r: number;
  switch (kind) {
    case RMW_ALU:
      if (os === 4) {
        c.rhi = 0;
        return alu32(s, op, al, bl);
      }
      if (os === 8) {
        r = alu64(s, op, al, ah, bl, bh);
        c.rhi = s[LF_RES + 1];
        return r;
      }
      c.rhi = 0;
      return aluSmall(s, op, os * 8, al, bl);
    case RMW_INC:
    case RMW_DEC:
      r = incDec(s, kind === RMW_DEC ? 1 : 0, os, al, ah);
      c.rhi = os === 8 ? s[LF_RES + 1] : 0;
      return r;
    case RMW_NOT:
      c.rhi = ~ah;
      return os === 1 ? ~al & 0xff : os === 2 ? ~al & 0xffff : ~al;
    case RMW_NEG:
      r = neg(s, os, al, ah);
      c.rhi = os === 8 ? s[LF_RES + 1] : 0;
      return r;
    case RMW_XADD:
      return rmwCompute(c, RMW_ALU, 0, os, al, ah, bl, bh);
    case RMW_XCHG:
      c.rhi = bh;
      return bl;
    case RMW_BTS:
      // bl/bh = bit mask
      c.rhi = ah | bh;
      return al | bl;
    case RMW_BTR:
      c.rhi = ah & ~bh;
      return al & ~bl;
    default:
      c.rhi = ah ^ bh;
      return al ^ bl;
  }
}

/**
 * Perform an RMW on memory at linear (lo, hi). The old value is left in c.oldLo/c.oldHi.
 * Returns 0 or FAULT.
 */
export function rmwMem(
  c: Cpu,
  i: Insn,
  os: number,
  lo: number,
  hi: number,
  kind: number,
  op: number,
  bl: number,
  bh: number,
): number {
  if (!i.lock && kind !== RMW_XCHG) {
    const a = readMemW(c, os, lo, hi);
    if (c.fault !== 0) return FAULT;
    const ah = os === 8 ? c.rhi : 0;
    c.oldLo = a;
    c.oldHi = ah;
    const v = rmwCompute(c, kind, op, os, a, ah, bl, bh);
    return writeMem(c, os, lo, hi, v, c.rhi);
  }
  return atomicRmw(c, os, lo, hi, kind, op, bl, bh);
}

/** Read, compute, write through the ordinary (TLB-checked, code-tracking) memory paths. */
function plainRmw(
  c: Cpu,
  os: number,
  lo: number,
  hi: number,
  kind: number,
  op: number,
  bl: number,
  bh: number,
): number {
  const a = readMemW(c, os, lo, hi);
  if (c.fault !== 0) return FAULT;
  const ah = os === 8 ? c.rhi : 0;
  c.oldLo = a;
  c.oldHi = ah;
  const v = rmwCompute(c, kind, op, os, a, ah, bl, bh);
  return writeMem(c, os, lo, hi, v, c.rhi);
}

function atomicRmw(
  c: Cpu,
  os: number,
  lo: number,
  hi: number,
  kind: number,
  op: number,
  bl: number,
  bh: number,
): number {
  const p = c.probeW(lo, hi, os);
  if (p < 0) return FAULT;
  if (p + os > c.memSize) return plainRmw(c, os, lo, hi, kind, op, bl, bh);
  if ((p & (os - 1)) !== 0 || (lo & 4095) + os > 4096) {
    const ctl = c.memory.control;
    acquireBusLock(ctl);
    try {
      return plainRmw(c, os, lo, hi, kind, op, bl, bh);
    } finally {
      releaseBusLock(ctl);
    }
  }
  switch (os) {
    case 1:
    case 2: {
      const arr = os === 1 ? c.m8 : c.m16;
      const idx = os === 1 ? p : p >>> 1;
      for (;;) {
        const old = Atomics.load(arr, idx);
        const v = rmwCompute(c, kind, op, os, old, 0, bl, bh) & (os === 1 ? 0xff : 0xffff);
        if (Atomics.compareExchange(arr, idx, old, v) === old) {
          c.oldLo = old;
          c.oldHi = 0;
          break;
        }
      }
      break;
    }
    case 4: {
      const arr = c.m32;
      const idx = p >>> 2;
      for (;;) {
        const old = Atomics.load(arr, idx);
        const v = rmwCompute(c, kind, op, os, old, 0, bl, bh);
        if (Atomics.compareExchange(arr, idx, old, v) === old) {
          c.oldLo = old;
          c.oldHi = 0;
          break;
        }
      }
      break;
    }
    default: {
      const arr = c.m64;
      const idx = p >>> 3;
      for (;;) {
        const old = Atomics.load(arr, idx);
        const ol = Number(BigInt.asIntN(32, old));
        const oh = Number(old >> 32n);
        const v = rmwCompute(c, kind, op, os, ol, oh, bl, bh);
        const nv = (BigInt(c.rhi) << 32n) | BigInt(v >>> 0);
        if (Atomics.compareExchange(arr, idx, old, BigInt.asIntN(64, nv)) === old) {
          c.oldLo = ol;
          c.oldHi = oh;
          break;
        }
      }
    }
  }
  if (c.memory.codePages[p >>> 12] !== 0) c.memory.notifyWrite(p, os);
  return 0;
}

/** Atomic (if locked/aligned) compare-exchange of `os` bytes; returns 0/FAULT, old value in c.oldLo/Hi. */
export function cmpxchgMem(
  c: Cpu,
  i: Insn,
  os: number,
  lo: number,
  hi: number,
  el: number,
  eh: number,
  nl: number,
  nh: number,
): number {
  const p = c.probeW(lo, hi, os);
  if (p < 0) return FAULT;
  if (!i.lock || p + os > c.memSize) return plainCmpxchg(c, os, lo, hi, el, eh, nl, nh);
  if ((p & (os - 1)) !== 0 || (lo & 4095) + os > 4096) {
    const ctl = c.memory.control;
    acquireBusLock(ctl);
    try {
      return plainCmpxchg(c, os, lo, hi, el, eh, nl, nh);
    } finally {
      releaseBusLock(ctl);
    }
  }
  switch (os) {
    case 1:
      c.oldLo = Atomics.compareExchange(c.m8, p, el & 0xff, nl & 0xff);
      c.oldHi = 0;
      break;
    case 2:
      c.oldLo = Atomics.compareExchange(c.m16, p >>> 1, el & 0xffff, nl & 0xffff);
      c.oldHi = 0;
      break;
    case 4:
      c.oldLo = Atomics.compareExchange(c.m32, p >>> 2, el, nl);
      c.oldHi = 0;
      break;
    default: {
      const e = BigInt.asIntN(64, (BigInt(eh) << 32n) | BigInt(el >>> 0));
      const n = BigInt.asIntN(64, (BigInt(nh) << 32n) | BigInt(nl >>> 0));
      const old = Atomics.compareExchange(c.m64, p >>> 3, e, n);
      c.oldLo = Number(BigInt.asIntN(32, old));
      c.oldHi = Number(old >> 32n);
    }
  }
  if (c.memory.codePages[p >>> 12] !== 0) c.memory.notifyWrite(p, os);
  return 0;
}

function plainCmpxchg(
  c: Cpu,
  os: number,
  lo: number,
  hi: number,
  el: number,
  eh: number,
  nl: number,
  nh: number,
): number {
  const a = readMemW(c, os, lo, hi);
  if (c.fault !== 0) return FAULT;
  const ah = os === 8 ? c.rhi : 0;
  c.oldLo = a;
  c.oldHi = ah;
  const eq = os === 8 ? a === el && ah === eh : a === el;
  // the destination is always written (with the old value on mismatch)
  return eq ? writeMem(c, os, lo, hi, nl, nh) : writeMem(c, os, lo, hi, a, ah);
}

export { alu64 };
