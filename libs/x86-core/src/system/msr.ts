/**
 * Model-specific registers implemented by the core. The embedder's rdmsr/wrmsr hooks are consulted
 * first; an MSR neither knows raises #GP(0).
 */
import type { Cpu } from '../cpu';
import {
  CR0,
  CR0_PG,
  EFER,
  EFER_LMA,
  EFER_LME,
  EFER_SUPPORTED,
  EFER_NXE,
  FS,
  GS,
  MSR_CSTAR,
  MSR_KGSBASE,
  MSR_LSTAR,
  MSR_PAT,
  MSR_SFMASK,
  MSR_STAR,
  MSR_SYSENTER_CS,
  MSR_SYSENTER_EIP,
  MSR_SYSENTER_ESP,
  MSR_TSC_AUX,
  SEG_BASE_HI,
  SEG_BASE_LO,
  segIdx,
} from '../state/layout';

export const MSR_IA32_TSC = 0x10;
export const MSR_IA32_APIC_BASE = 0x1b;
export const MSR_IA32_SYSENTER_CS = 0x174;
export const MSR_IA32_SYSENTER_ESP = 0x175;
export const MSR_IA32_SYSENTER_EIP = 0x176;
export const MSR_IA32_PAT = 0x277;
export const MSR_EFER = 0xc0000080;
export const MSR_STAR_ = 0xc0000081;
export const MSR_LSTAR_ = 0xc0000082;
export const MSR_CSTAR_ = 0xc0000083;
export const MSR_SFMASK_ = 0xc0000084;
export const MSR_FS_BASE = 0xc0000100;
export const MSR_GS_BASE = 0xc0000101;
export const MSR_KERNEL_GS_BASE = 0xc0000102;
export const MSR_TSC_AUX_ = 0xc0000103;

/** Index pairs of simple 64-bit MSRs kept in the state buffer. */
function slot(msr: number): number {
  switch (msr) {
    case MSR_STAR_:
      return MSR_STAR;
    case MSR_LSTAR_:
      return MSR_LSTAR;
    case MSR_CSTAR_:
      return MSR_CSTAR;
    case MSR_SFMASK_:
      return MSR_SFMASK;
    case MSR_KERNEL_GS_BASE:
      return MSR_KGSBASE;
    case MSR_FS_BASE:
      return segIdx(FS, SEG_BASE_LO);
    case MSR_GS_BASE:
      return segIdx(GS, SEG_BASE_LO);
    case MSR_IA32_SYSENTER_ESP:
      return MSR_SYSENTER_ESP;
    case MSR_IA32_SYSENTER_EIP:
      return MSR_SYSENTER_EIP;
    case MSR_IA32_PAT:
      return MSR_PAT;
    default:
      return -1;
  }
}

/** RDMSR semantics without the privilege check: returns true and the value in (c.oldLo, c.oldHi). */
export function readMsr(c: Cpu, msr: number): boolean {
  const e = c.embedder.rdmsr?.(msr);
  if (e !== undefined) {
    const v = BigInt.asUintN(64, e);
    c.oldLo = Number(v & 0xffffffffn) | 0;
    c.oldHi = Number(v >> 32n) | 0;
    return true;
  }
  const s = c.s;
  const k = slot(msr);
  if (k >= 0) {
    c.oldLo = s[k];
    c.oldHi = s[k + 1];
    if (k === segIdx(FS, SEG_BASE_LO) || k === segIdx(GS, SEG_BASE_LO))
      c.oldHi = s[k + (SEG_BASE_HI - SEG_BASE_LO)];
    return true;
  }
  c.oldHi = 0;
  switch (msr) {
    case MSR_IA32_TSC: {
      const t = c.tsc();
      c.oldLo = (t % 4294967296) | 0;
      c.oldHi = Math.floor(t / 4294967296) | 0;
      return true;
    }
    case MSR_IA32_APIC_BASE:
      c.oldLo = 0xfee00900 | 0;
      return true;
    case MSR_IA32_SYSENTER_CS:
      c.oldLo = s[MSR_SYSENTER_CS];
      return true;
    case MSR_EFER:
      c.oldLo = s[EFER];
      return true;
    case MSR_TSC_AUX_:
      c.oldLo = s[MSR_TSC_AUX];
      return true;
    default:
      return false;
  }
}

const canonical = (hi: number): boolean => ((hi >> 15) + 1) >>> 0 <= 1;

/** WRMSR semantics without the privilege check: returns false for #GP(0). */
export function writeMsr(c: Cpu, msr: number, lo: number, hi: number): boolean {
  const h = c.embedder.wrmsr;
  if (h !== undefined && h.call(c.embedder, msr, (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0))) return true;
  const s = c.s;
  switch (msr) {
    case MSR_FS_BASE:
    case MSR_GS_BASE:
    case MSR_KERNEL_GS_BASE:
    case MSR_LSTAR_:
    case MSR_CSTAR_:
    case MSR_IA32_SYSENTER_ESP:
    case MSR_IA32_SYSENTER_EIP: {
      if (!canonical(hi)) return false;
      if (msr === MSR_FS_BASE || msr === MSR_GS_BASE) {
        const sg = msr === MSR_FS_BASE ? FS : GS;
        s[segIdx(sg, SEG_BASE_LO)] = lo;
        s[segIdx(sg, SEG_BASE_HI)] = hi;
        return true;
      }
      const k = slot(msr);
      s[k] = lo;
      s[k + 1] = hi;
      return true;
    }
    case MSR_STAR_:
    case MSR_IA32_PAT: {
      const k = slot(msr);
      s[k] = lo;
      s[k + 1] = hi;
      return true;
    }
    case MSR_SFMASK_:
      s[MSR_SFMASK] = lo;
      s[MSR_SFMASK + 1] = 0;
      return true;
    case MSR_IA32_SYSENTER_CS:
      s[MSR_SYSENTER_CS] = lo & 0xffff;
      return true;
    case MSR_TSC_AUX_:
      s[MSR_TSC_AUX] = lo;
      return true;
    case MSR_IA32_TSC: {
      const want = (hi >>> 0) * 4294967296 + (lo >>> 0);
      c.tscOffset += want - c.tsc();
      return true;
    }
    case MSR_EFER: {
      if (hi !== 0 || (lo & ~EFER_SUPPORTED) !== 0) return false;
      const old = s[EFER];
      // LMA is read-only; LME cannot change while paging is on
      const v = (lo & ~EFER_LMA) | (old & EFER_LMA);
      if ((old & EFER_LMA) !== 0 && (v & EFER_LME) === 0) return false;
      if ((c.s[CR0] & CR0_PG) !== 0 && ((old ^ v) & EFER_LME) !== 0) return false;
      s[EFER] = v;
      if (((old ^ v) & EFER_NXE) !== 0) c.flushTlb(true);
      return true;
    }
    default:
      return false;
  }
}
