/**
 * System instructions: flag control, HLT, INT n/INT3/INTO/INT1, IRET, SYSCALL/SYSRET, SWAPGS,
 * CPUID, RDTSC(P), RDMSR/WRMSR, RD/WR FS/GS BASE, MOV CRn/DRn, CLTS, INVLPG, WBINVD/INVD, descriptor
 * table instructions, LAR/LSL/VERR/VERW, IN/OUT.
 */
import { EXIT_HLT, EXIT_SOFTWARE_INT, EXIT_SYSCALL, type Cpu } from '../cpu';
import { EXEC_END, type Insn } from '../decoder/insn';
import {
  BP,
  DB,
  FAULT,
  NP,
  OF,
  SSF,
  UD,
  ATTR_CODE32,
  ATTR_CODE64,
  ATTR_DATA,
  attrWithDpl,
} from '../state/cpu-state';
import { getFlags, getOF, setArith } from '../state/flags';
import {
  ATTR_UNUSABLE,
  CODE_BITS,
  CPL,
  CR0,
  CR0_PE,
  CR0_PG,
  CR0_TS,
  CR0_WP,
  CR2_LO,
  CR3_HI,
  CR3_LO,
  CR4,
  CR4_FSGSBASE,
  CR4_PAE,
  CR4_PCE,
  CR4_PGE,
  CR4_PSE,
  CR4_SMEP,
  CR4_SUPPORTED,
  CR4_TSD,
  CR4_UMIP,
  CR8,
  CS,
  DR,
  EFER,
  EFER_LMA,
  EFER_LME,
  EFER_SCE,
  F_AC,
  F_CF,
  F_DF,
  F_FIXED1,
  F_ID,
  F_IF,
  F_IOPL,
  F_NT,
  F_RF,
  F_TF,
  F_ZF,
  FLAGS,
  FS,
  GDTR_BASE_HI,
  GDTR_BASE_LO,
  GDTR_LIMIT,
  GS,
  HALTED,
  IDTR_BASE_HI,
  IDTR_BASE_LO,
  IDTR_LIMIT,
  INT_SHADOW,
  LDTR,
  LF_MASK,
  MSR_CSTAR,
  MSR_KGSBASE,
  MSR_LSTAR,
  MSR_SFMASK,
  MSR_STAR,
  MSR_TSC_AUX,
  RIP_HI,
  RIP_LO,
  SEG_ATTR,
  SEG_BASE_HI,
  SEG_BASE_LO,
  SEG_SEL,
  SS,
  TR,
  segIdx,
} from '../state/layout';
import { ea, getReg, readE, setReg } from './operand';
import { adjustSp, peek } from './stack-ops';
import { nullLowerSegs } from './branch-ops';
import { deliverEvent, EV_HW, EV_SOFT, EV_SOFT_EXC } from '../system/interrupts';
import { defaultCpuid } from '../system/cpuid';
import { readMsr, writeMsr } from '../system/msr';
import {
  DESC_LIMIT,
  descAttr,
  descLimit,
  loadLdt,
  loadSegCache,
  loadTaskRegister,
  readDescriptor,
} from '../system/descriptors';

const cpl0 = (c: Cpu): boolean => c.s[CPL] === 0;

function next(c: Cpu, i: Insn): number {
  c.s[RIP_LO] = i.nextLo;
  c.s[RIP_HI] = i.nextHi;
  return EXEC_END;
}

// ---- flags ---------------------------------------------------------------------------------------

/** F8 clc / F9 stc / F5 cmc */
export function op_f8_clc(c: Cpu, i: Insn): number {
  const s = c.s;
  if (i.op === 0xf8) setArith(s, F_CF, 0);
  else if (i.op === 0xf9) setArith(s, F_CF, F_CF);
  else setArith(s, F_CF, ~getFlags(s) & F_CF);
  return 0;
}
/** FC cld / FD std */
export function op_fc_cld(c: Cpu, i: Insn): number {
  if (i.op === 0xfc) c.s[FLAGS] &= ~F_DF;
  else c.s[FLAGS] |= F_DF;
  return 0;
}
function iopl(c: Cpu): number {
  return (c.s[FLAGS] & F_IOPL) >>> 12;
}
/** FA cli (CPL > IOPL → #GP) */
export function op_fa_cli(c: Cpu, _i: Insn): number {
  if (c.s[CPL] > iopl(c)) return c.raiseGP(0);
  c.s[FLAGS] &= ~F_IF;
  return 0;
}
/** FB sti: interrupts are recognised only after the next instruction (shadow). */
export function op_fb_sti(c: Cpu, i: Insn): number {
  const s = c.s;
  if (s[CPL] > iopl(c)) return c.raiseGP(0);
  if ((s[FLAGS] & F_IF) === 0) s[INT_SHADOW] = 1;
  s[FLAGS] |= F_IF;
  return next(c, i);
}

// ---- halt, interrupts ----------------------------------------------------------------------------

/** F4 hlt: exits to the embedder with RIP after the instruction. */
export function op_f4_hlt(c: Cpu, i: Insn): number {
  if (!cpl0(c)) return c.raiseGP(0);
  c.s[HALTED] = 1;
  c.updateEvents();
  c.s[RIP_LO] = i.nextLo;
  c.s[RIP_HI] = i.nextHi;
  return c.exitWith(EXIT_HLT, i);
}

/** Software-exception/interrupt delivery common part (RIP is set to the next instruction first). */
function softEvent(c: Cpu, i: Insn, v: number, kind: number): number {
  c.s[RIP_LO] = i.nextLo;
  c.s[RIP_HI] = i.nextHi;
  if (kind !== EV_SOFT && v < 32 && (c.interceptExceptions & (1 << v)) !== 0) {
    const r = c.exitWith(2 /* EXIT_EXCEPTION */, i, v);
    c.exit.ripLo = i.nextLo;
    c.exit.ripHi = i.nextHi;
    return r;
  }
  const r = deliverEvent(c, v, -1, kind);
  if (r === 0) return EXEC_END;
  if (r < 0) return c.raiseUD();
  return FAULT;
}

/** CD ib: int n */
export function op_cd_int_Ib(c: Cpu, i: Insn): number {
  const v = i.immLo & 0xff;
  if ((c.interceptSoftInts[v >>> 5] & (1 << (v & 31))) !== 0) {
    c.s[RIP_LO] = i.nextLo;
    c.s[RIP_HI] = i.nextHi;
    return c.exitWith(EXIT_SOFTWARE_INT, i, v);
  }
  return softEvent(c, i, v, EV_SOFT);
}
/** CC: int3 (#BP trap) */
export function op_cc_int3(c: Cpu, i: Insn): number {
  return softEvent(c, i, BP, EV_SOFT_EXC);
}
/** CE: into (32-bit modes) */
export function op_ce_into(c: Cpu, i: Insn): number {
  if (getOF(c.s) === 0) return 0;
  return softEvent(c, i, OF, EV_SOFT_EXC);
}
/** F1: int1 / icebp (#DB trap, delivered like a hardware event) */
export function op_f1_int1(c: Cpu, i: Insn): number {
  return softEvent(c, i, DB, EV_HW);
}

/** CF: iret / iretd / iretq */
export function op_cf_iret(c: Cpu, i: Insn): number {
  const s = c.s;
  const os = i.os;
  const cpl = s[CPL];
  const long = (s[EFER] & EFER_LMA) !== 0;
  if (!long) return c.raiseUD(); // real/protected-mode IRET not implemented
  if ((s[FLAGS] & F_NT) !== 0) return c.raiseGP(0);
  const ripLo = peek(c, os, 0);
  const ripHi = os === 8 ? c.rhi : 0;
  if (c.fault !== 0) return FAULT;
  const sel = peek(c, os, os) & 0xffff;
  if (c.fault !== 0) return FAULT;
  const fl = peek(c, os, 2 * os);
  if (c.fault !== 0) return FAULT;
  const rpl = sel & 3;
  if ((sel & 0xfffc) === 0) return c.raiseGP(0);
  if (rpl < cpl) return c.raiseGP(sel & 0xfffc);
  const r = readDescriptor(c, sel);
  if (r === DESC_LIMIT) return c.raiseGP(sel & 0xfffc);
  if (r !== 0) return r;
  const dlo = c.desc.lo;
  const dhi = c.desc.hi;
  if ((dhi & 0x1800) !== 0x1800) return c.raiseGP(sel & 0xfffc);
  const dpl = (dhi >>> 13) & 3;
  if ((dhi & 0x400) !== 0 ? dpl > rpl : dpl !== rpl) return c.raiseGP(sel & 0xfffc);
  if ((dhi & 0x8000) === 0) return c.raise(NP, sel & 0xfffc);
  const toLong = (dhi & (1 << 21)) !== 0;
  if (toLong && (dhi & (1 << 22)) !== 0) return c.raiseGP(sel & 0xfffc);
  const from64 = s[CODE_BITS] === 64;
  const popStack = from64 || rpl > cpl;
  let spLo = 0;
  let spHi = 0;
  let ss = 0;
  if (popStack) {
    spLo = peek(c, os, 3 * os);
    spHi = os === 8 ? c.rhi : 0;
    if (c.fault !== 0) return FAULT;
    ss = peek(c, os, 4 * os) & 0xffff;
    if (c.fault !== 0) return FAULT;
  }
  if (toLong && ((ripHi >> 15) + 1) >>> 0 > 1) return c.raiseGP(0);
  // SS checks (with the new CPL)
  let ssDesc: [number, number] | null = null;
  if (popStack) {
    if ((ss & 0xfffc) === 0) {
      if (!toLong || rpl === 3 || (ss & 3) !== rpl) return c.raiseGP(0);
    } else {
      if ((ss & 3) !== rpl) return c.raiseGP(ss & 0xfffc);
      const r2 = readDescriptor(c, ss);
      if (r2 === DESC_LIMIT) return c.raiseGP(ss & 0xfffc);
      if (r2 !== 0) return r2;
      const h = c.desc.hi;
      if ((h & 0x1800) !== 0x1000 || (h & 0x200) === 0 || ((h >>> 13) & 3) !== rpl)
        return c.raiseGP(ss & 0xfffc);
      if ((h & 0x8000) === 0) return c.raise(SSF, ss & 0xfffc);
      ssDesc = [c.desc.lo, h];
    }
  }
  // commit: flags with the old CPL's privileges
  const cur = getFlags(s);
  let mask = F_CF | 0xfd4 | F_TF | F_DF | F_NT | F_AC | F_ID | F_RF | F_IF | F_IOPL | (1 << 19) | (1 << 20);
  if (cpl > 0) mask &= ~F_IOPL;
  if (cpl > (cur & F_IOPL) >>> 12) mask &= ~F_IF;
  if (os === 2) mask &= 0xffff;
  s[FLAGS] = ((cur & ~mask) | (fl & mask) | F_FIXED1) & ~(1 << 17);
  s[LF_MASK] = 0;
  loadSegCache(c, CS, sel, dlo, dhi);
  c.cpl = rpl;
  if (popStack) {
    if (ssDesc !== null) loadSegCache(c, SS, ss, ssDesc[0], ssDesc[1]);
    else {
      s[segIdx(SS, SEG_SEL)] = ss;
      s[segIdx(SS, SEG_ATTR)] = ATTR_UNUSABLE | attrWithDpl(ATTR_DATA, rpl);
    }
    s[8] = os === 2 ? spLo & 0xffff : spLo;
    s[9] = os === 8 ? spHi : 0;
  } else adjustSp(c, 3 * os);
  if (rpl > cpl) nullLowerSegs(c, rpl);
  const bits = s[CODE_BITS];
  s[RIP_LO] = bits === 16 || os === 2 ? ripLo & 0xffff : ripLo;
  s[RIP_HI] = bits === 64 ? ripHi : 0;
  return EXEC_END;
}

// ---- syscall / sysret / swapgs --------------------------------------------------------------------

/** 0F 05: syscall */
export function op_0f05_syscall(c: Cpu, i: Insn): number {
  const s = c.s;
  if ((s[EFER] & EFER_SCE) === 0 || (s[EFER] & EFER_LMA) === 0) return c.raiseUD();
  const fl = getFlags(s) & ~F_RF;
  const from64 = s[CODE_BITS] === 64;
  s[2] = i.nextLo;
  s[3] = from64 ? i.nextHi : 0;
  s[22] = fl;
  s[23] = 0;
  if ((c.interceptSyscallCpls & (1 << s[CPL])) !== 0) {
    s[RIP_LO] = i.nextLo;
    s[RIP_HI] = i.nextHi;
    return c.exitWith(EXIT_SYSCALL, i);
  }
  const sel = s[MSR_STAR + 1] & 0xffff & 0xfffc;
  c.setSegment(CS, sel, 0n, 0xffffffff, ATTR_CODE64);
  c.setSegment(SS, (sel + 8) & 0xffff, 0n, 0xffffffff, ATTR_DATA);
  s[FLAGS] = (fl & ~s[MSR_SFMASK] & ~F_RF) | F_FIXED1;
  s[LF_MASK] = 0;
  c.cpl = 0;
  const k = from64 ? MSR_LSTAR : MSR_CSTAR;
  s[RIP_LO] = s[k];
  s[RIP_HI] = s[k + 1];
  return EXEC_END;
}
/** 0F 07: sysret (REX.W: to 64-bit code; else to compatibility mode) */
export function op_0f07_sysret(c: Cpu, i: Insn): number {
  const s = c.s;
  if ((s[EFER] & EFER_SCE) === 0 || (s[EFER] & EFER_LMA) === 0) return c.raiseUD();
  if (s[CPL] !== 0 || s[CODE_BITS] !== 64) return c.raiseGP(0);
  const base = (s[MSR_STAR + 1] >>> 16) & 0xffff;
  if (i.os === 8) {
    if (((s[3] >> 15) + 1) >>> 0 > 1) return c.raiseGP(0);
    c.setSegment(CS, ((base + 16) & 0xfffc) | 3, 0n, 0xffffffff, attrWithDpl(ATTR_CODE64, 3));
    s[RIP_LO] = s[2];
    s[RIP_HI] = s[3];
  } else {
    c.setSegment(CS, (base & 0xfffc) | 3, 0n, 0xffffffff, attrWithDpl(ATTR_CODE32, 3));
    s[RIP_LO] = s[2];
    s[RIP_HI] = 0;
  }
  // SS selector is loaded; its hidden part is architecturally a flat DPL-3 data segment
  s[segIdx(SS, SEG_SEL)] = ((base + 8) & 0xfffc) | 3;
  s[segIdx(SS, SEG_ATTR)] = attrWithDpl(ATTR_DATA, 3);
  s[FLAGS] = (s[22] & 0x3c7fd7) | F_FIXED1;
  s[LF_MASK] = 0;
  c.cpl = 3;
  return EXEC_END;
}
/** 0F 01 F8: swapgs */
export function op_0f01f8_swapgs(c: Cpu, _i: Insn): number {
  const s = c.s;
  if (!cpl0(c)) return c.raiseGP(0);
  const lo = s[segIdx(GS, SEG_BASE_LO)];
  const hi = s[segIdx(GS, SEG_BASE_HI)];
  s[segIdx(GS, SEG_BASE_LO)] = s[MSR_KGSBASE];
  s[segIdx(GS, SEG_BASE_HI)] = s[MSR_KGSBASE + 1];
  s[MSR_KGSBASE] = lo;
  s[MSR_KGSBASE + 1] = hi;
  return 0;
}

// ---- identification, time, MSRs ------------------------------------------------------------------

/** 0F A2: cpuid */
export function op_0fa2_cpuid(c: Cpu, _i: Insn): number {
  const s = c.s;
  const out = c.cpuidOut;
  const leaf = s[0];
  const sub = s[2];
  if (!(c.embedder.cpuid?.(leaf >>> 0, sub >>> 0, out) ?? false))
    defaultCpuid(leaf, sub, { physAddrBits: c.physAddrBits, apicId: c.apicId }, out);
  s[0] = out[0];
  s[1] = 0;
  s[6] = out[1];
  s[7] = 0;
  s[2] = out[2];
  s[3] = 0;
  s[4] = out[3];
  s[5] = 0;
  return 0;
}
function putTsc(c: Cpu, i: Insn): void {
  const t = c.tsc(i.idx);
  const s = c.s;
  s[0] = (t % 4294967296) | 0;
  s[1] = 0;
  s[4] = Math.floor(t / 4294967296) | 0;
  s[5] = 0;
}
/** 0F 31: rdtsc (CR4.TSD at CPL > 0 → #GP) */
export function op_0f31_rdtsc(c: Cpu, i: Insn): number {
  if ((c.s[CR4] & CR4_TSD) !== 0 && !cpl0(c)) return c.raiseGP(0);
  putTsc(c, i);
  return 0;
}
/** 0F 01 F9: rdtscp */
export function op_0f01f9_rdtscp(c: Cpu, i: Insn): number {
  if ((c.s[CR4] & CR4_TSD) !== 0 && !cpl0(c)) return c.raiseGP(0);
  putTsc(c, i);
  c.s[2] = c.s[MSR_TSC_AUX];
  c.s[3] = 0;
  return 0;
}
/** 0F 33: rdpmc (no counters: #GP unless CR4.PCE, then reads 0) */
export function op_0f33_rdpmc(c: Cpu, _i: Insn): number {
  if ((c.s[CR4] & CR4_PCE) === 0 && !cpl0(c)) return c.raiseGP(0);
  if (c.s[2] >>> 0 > 7) return c.raiseGP(0);
  c.s[0] = c.s[1] = c.s[4] = c.s[5] = 0;
  return 0;
}
/** 0F 32: rdmsr */
export function op_0f32_rdmsr(c: Cpu, _i: Insn): number {
  if (!cpl0(c)) return c.raiseGP(0);
  const s = c.s;
  if (!readMsr(c, s[2] >>> 0)) return c.raiseGP(0);
  s[0] = c.oldLo;
  s[1] = 0;
  s[4] = c.oldHi;
  s[5] = 0;
  return 0;
}
/** 0F 30: wrmsr (ends the block: may change paging/EFER) */
export function op_0f30_wrmsr(c: Cpu, i: Insn): number {
  if (!cpl0(c)) return c.raiseGP(0);
  const s = c.s;
  if (!writeMsr(c, s[2] >>> 0, s[0], s[4])) return c.raiseGP(0);
  return next(c, i);
}

/** F3 0F AE /0-3 (mod 3): rdfsbase / rdgsbase / wrfsbase / wrgsbase */
export function op_f30fae_fsgsbase(c: Cpu, i: Insn): number {
  const s = c.s;
  if ((s[CR4] & CR4_FSGSBASE) === 0) return c.raiseUD();
  const k = i.reg & 7;
  const sg = k & 1 ? GS : FS;
  if (k < 2) {
    setReg(c, i.os === 8 ? 8 : 4, i.rm, 0, s[segIdx(sg, SEG_BASE_LO)], s[segIdx(sg, SEG_BASE_HI)]);
    return 0;
  }
  const lo = s[i.rm << 1];
  const hi = i.os === 8 ? s[(i.rm << 1) | 1] : 0;
  if (((hi >> 15) + 1) >>> 0 > 1) return c.raiseGP(0);
  s[segIdx(sg, SEG_BASE_LO)] = lo;
  s[segIdx(sg, SEG_BASE_HI)] = hi;
  return 0;
}

// ---- control and debug registers ------------------------------------------------------------------

/** 0F 20: mov Rd, Cd */
export function op_0f20_mov_Rd_Cd(c: Cpu, i: Insn): number {
  if (!cpl0(c)) return c.raiseGP(0);
  const s = c.s;
  const os = s[CODE_BITS] === 64 ? 8 : 4;
  let lo: number;
  let hi = 0;
  switch (i.reg) {
    case 0:
      lo = s[CR0];
      break;
    case 2:
      lo = s[CR2_LO];
      hi = s[CR2_LO + 1];
      break;
    case 3:
      lo = s[CR3_LO];
      hi = s[CR3_HI];
      break;
    case 4:
      lo = s[CR4];
      break;
    case 8:
      lo = s[CR8] & 15;
      break;
    default:
      return c.raiseUD();
  }
  setReg(c, os, i.rm, 0, lo, hi);
  return 0;
}
/** 0F 22: mov Cd, Rd (ends the block) */
export function op_0f22_mov_Cd_Rd(c: Cpu, i: Insn): number {
  if (!cpl0(c)) return c.raiseGP(0);
  const s = c.s;
  const lo = s[i.rm << 1];
  const hi = s[CODE_BITS] === 64 ? s[(i.rm << 1) | 1] : 0;
  switch (i.reg) {
    case 0: {
      if (hi !== 0) return c.raiseGP(0);
      const v = lo | 0x10; // ET is hardwired
      if ((v & CR0_PG) !== 0 && (v & CR0_PE) === 0) return c.raiseGP(0);
      if ((v & (1 << 29)) !== 0 && (v & (1 << 30)) === 0) return c.raiseGP(0);
      const old = s[CR0];
      let efer = s[EFER];
      if ((v & CR0_PG) !== 0 && (old & CR0_PG) === 0 && (efer & EFER_LME) !== 0) {
        if ((s[CR4] & CR4_PAE) === 0) return c.raiseGP(0);
        efer |= EFER_LMA;
      } else if ((v & CR0_PG) === 0 && (old & CR0_PG) !== 0) {
        if (s[CODE_BITS] === 64) return c.raiseGP(0);
        efer &= ~EFER_LMA;
      }
      s[CR0] = v & (0xe005003f | 0);
      s[EFER] = efer;
      c.updateCodeMode();
      if (((old ^ v) & (CR0_PG | CR0_WP | CR0_PE)) !== 0) c.flushTlb(true);
      break;
    }
    case 2:
      s[CR2_LO] = lo;
      s[CR2_LO + 1] = hi;
      break;
    case 3:
      if ((hi & ~((1 << (c.physAddrBits - 32)) - 1)) !== 0) return c.raiseGP(0);
      s[CR3_LO] = lo;
      s[CR3_HI] = hi;
      c.flushTlb(false);
      break;
    case 4: {
      if (hi !== 0 || (lo & ~CR4_SUPPORTED) !== 0) return c.raiseGP(0);
      const old = s[CR4];
      if ((s[EFER] & EFER_LMA) !== 0 && (lo & CR4_PAE) === 0) return c.raiseGP(0);
      s[CR4] = lo;
      // the TLB caches supervisor fetch permission for user pages, so toggling SMEP flushes it too
      if (((old ^ lo) & (CR4_PGE | CR4_PAE | CR4_PSE | CR4_SMEP)) !== 0) c.flushTlb(true);
      break;
    }
    case 8:
      if (hi !== 0 || (lo & ~15) !== 0) return c.raiseGP(0);
      s[CR8] = lo;
      break;
    default:
      return c.raiseUD();
  }
  return next(c, i);
}
/** 0F 21: mov Rd, Dd */
export function op_0f21_mov_Rd_Dd(c: Cpu, i: Insn): number {
  if (!cpl0(c)) return c.raiseGP(0);
  const s = c.s;
  let r = i.reg;
  if (r > 7) return c.raiseUD();
  if (r === 4 || r === 5) {
    if ((s[CR4] & (1 << 3)) !== 0) return c.raiseUD();
    r += 2;
  }
  setReg(c, s[CODE_BITS] === 64 ? 8 : 4, i.rm, 0, s[DR + r * 2], s[DR + r * 2 + 1]);
  return 0;
}
/** 0F 23: mov Dd, Rd */
export function op_0f23_mov_Dd_Rd(c: Cpu, i: Insn): number {
  if (!cpl0(c)) return c.raiseGP(0);
  const s = c.s;
  let r = i.reg;
  if (r > 7) return c.raiseUD();
  if (r === 4 || r === 5) {
    if ((s[CR4] & (1 << 3)) !== 0) return c.raiseUD();
    r += 2;
  }
  const lo = s[i.rm << 1];
  const hi = s[CODE_BITS] === 64 ? s[(i.rm << 1) | 1] : 0;
  if ((r === 6 || r === 7) && hi !== 0) return c.raiseGP(0);
  if (r === 6) s[DR + 12] = (lo & 0xe00f) | (0xffff0ff0 | 0);
  else if (r === 7) s[DR + 14] = (lo & ~(0xd800 | 0)) | 0x400;
  else {
    s[DR + r * 2] = lo;
    s[DR + r * 2 + 1] = hi;
  }
  return next(c, i);
}
/** 0F 06: clts */
export function op_0f06_clts(c: Cpu, _i: Insn): number {
  if (!cpl0(c)) return c.raiseGP(0);
  c.s[CR0] &= ~CR0_TS;
  return 0;
}
/** 0F 08 invd / 0F 09 wbinvd (no caches: privilege check only) */
export function op_0f09_wbinvd(c: Cpu, _i: Insn): number {
  if (!cpl0(c)) return c.raiseGP(0);
  return 0;
}
/** 0F 01 /7 (memory): invlpg */
export function op_0f01_invlpg(c: Cpu, i: Insn): number {
  if (!cpl0(c)) return c.raiseGP(0);
  const lo = ea(c, i);
  c.invalidatePage(lo, c.eaHi);
  return next(c, i);
}

// ---- descriptor tables ----------------------------------------------------------------------------

function umipBlocked(c: Cpu): boolean {
  return (c.s[CR4] & CR4_UMIP) !== 0 && !cpl0(c);
}
/** 0F 01 /0 sgdt, /1 sidt */
export function op_0f01_sgdt(c: Cpu, i: Insn): number {
  if (umipBlocked(c)) return c.raiseGP(0);
  const s = c.s;
  const idt = (i.reg & 7) === 1;
  const lo = ea(c, i);
  const hi = c.eaHi;
  const limit = s[idt ? IDTR_LIMIT : GDTR_LIMIT] & 0xffff;
  const bl = s[idt ? IDTR_BASE_LO : GDTR_BASE_LO];
  const bh = s[idt ? IDTR_BASE_HI : GDTR_BASE_HI];
  if (c.probeW(lo, hi, s[CODE_BITS] === 64 ? 10 : 6) < 0) return FAULT;
  if (c.wr16(lo, hi, limit) !== 0) return FAULT;
  const lo2 = (lo + 2) | 0;
  const hi2 = lo2 >>> 0 < lo >>> 0 ? (hi + 1) | 0 : hi;
  if (s[CODE_BITS] === 64) return c.wr64(lo2, hi2, bl, bh);
  return c.wr32(lo2, hi2, bl);
}
/** 0F 01 /2 lgdt, /3 lidt */
export function op_0f01_lgdt(c: Cpu, i: Insn): number {
  if (!cpl0(c)) return c.raiseGP(0);
  const s = c.s;
  const idt = (i.reg & 7) === 3;
  const lo = ea(c, i);
  const hi = c.eaHi;
  const limit = c.rd16(lo, hi);
  if (c.fault !== 0) return FAULT;
  const lo2 = (lo + 2) | 0;
  const hi2 = lo2 >>> 0 < lo >>> 0 ? (hi + 1) | 0 : hi;
  let bl: number;
  let bh = 0;
  if (s[CODE_BITS] === 64) {
    bl = c.rd64(lo2, hi2);
    bh = c.rhi;
    if (c.fault !== 0) return FAULT;
    if (((bh >> 15) + 1) >>> 0 > 1) return c.raiseGP(0);
  } else {
    bl = c.rd32(lo2, hi2);
    if (c.fault !== 0) return FAULT;
    if (i.os === 2) bl &= 0xffffff;
  }
  s[idt ? IDTR_LIMIT : GDTR_LIMIT] = limit;
  s[idt ? IDTR_BASE_LO : GDTR_BASE_LO] = bl;
  s[idt ? IDTR_BASE_HI : GDTR_BASE_HI] = bh;
  return next(c, i);
}
/** 0F 01 /4: smsw Ew/Rv */
export function op_0f01_smsw(c: Cpu, i: Insn): number {
  if (umipBlocked(c)) return c.raiseGP(0);
  const v = c.s[CR0];
  if (i.mod === 3) {
    setReg(c, i.os, i.rm, 0, v, 0);
    return 0;
  }
  return c.wr16(ea(c, i), c.eaHi, v & 0xffff);
}
/** 0F 01 /6: lmsw Ew (can set PE, not clear it; only the low 4 bits) */
export function op_0f01_lmsw(c: Cpu, i: Insn): number {
  if (!cpl0(c)) return c.raiseGP(0);
  const v = readE(c, i, 2);
  if (c.fault !== 0) return FAULT;
  const s = c.s;
  s[CR0] = (s[CR0] & ~0xe) | (v & 0xf) | (s[CR0] & 1);
  return next(c, i);
}
/** 0F 00 /0 sldt, /1 str */
export function op_0f00_sldt(c: Cpu, i: Insn): number {
  if (umipBlocked(c)) return c.raiseGP(0);
  const sel = c.s[segIdx((i.reg & 7) === 0 ? LDTR : TR, SEG_SEL)] & 0xffff;
  if (i.mod === 3) {
    setReg(c, i.os, i.rm, 0, sel, 0);
    return 0;
  }
  return c.wr16(ea(c, i), c.eaHi, sel);
}
/** 0F 00 /2 lldt, /3 ltr */
export function op_0f00_lldt(c: Cpu, i: Insn): number {
  if (!cpl0(c)) return c.raiseGP(0);
  const sel = readE(c, i, 2);
  if (c.fault !== 0) return FAULT;
  const r = (i.reg & 7) === 2 ? loadLdt(c, sel) : loadTaskRegister(c, sel);
  return r !== 0 ? r : 0;
}
/** 0F 00 /4 verr, /5 verw: ZF = segment accessible */
export function op_0f00_verr(c: Cpu, i: Insn): number {
  const sel = readE(c, i, 2);
  if (c.fault !== 0) return FAULT;
  let ok = false;
  if ((sel & 0xfffc) !== 0) {
    const r = readDescriptor(c, sel);
    if (r !== 0 && r !== DESC_LIMIT) return r;
    if (r === 0) {
      const h = c.desc.hi;
      const dpl = (h >>> 13) & 3;
      const code = (h & 0x800) !== 0;
      const conforming = code && (h & 0x400) !== 0;
      const privOk = conforming || (dpl >= c.s[CPL] && dpl >= (sel & 3));
      if ((h & 0x1000) !== 0 && privOk)
        ok = (i.reg & 7) === 4 ? !code || (h & 0x200) !== 0 : !code && (h & 0x200) !== 0;
    }
  }
  setArith(c.s, F_ZF, ok ? F_ZF : 0);
  return 0;
}
/** 0F 02 lar / 0F 03 lsl */
export function op_0f02_lar_Gv_Ew(c: Cpu, i: Insn): number {
  const sel = readE(c, i, 2);
  if (c.fault !== 0) return FAULT;
  let ok = false;
  let val = 0;
  if ((sel & 0xfffc) !== 0) {
    const r = readDescriptor(c, sel);
    if (r !== 0 && r !== DESC_LIMIT) return r;
    if (r === 0) {
      const h = c.desc.hi;
      const type = (h >>> 8) & 0x1f;
      const dpl = (h >>> 13) & 3;
      const conforming = (type & 0x1c) === 0x1c;
      const lsl = i.op === 0x03;
      const sysOk = lsl
        ? type === 0x02 || type === 0x09 || type === 0x0b
        : type === 0x02 || type === 0x09 || type === 0x0b || type === 0x0c;
      const typeOk = (type & 0x10) !== 0 || sysOk;
      if (typeOk && (conforming || (dpl >= c.s[CPL] && dpl >= (sel & 3)))) {
        ok = true;
        val = lsl ? descLimit(c.desc.lo, h) : h & 0x00ffff00;
      }
    }
  }
  setArith(c.s, F_ZF, ok ? F_ZF : 0);
  if (ok) setReg(c, i.os, i.reg, 0, val, 0);
  void descAttr;
  return 0;
}

// ---- port I/O ----------------------------------------------------------------------------------------

/** E4 in AL,Ib / E5 in eAX,Ib / EC in AL,DX / ED in eAX,DX */
export function op_e4_in(c: Cpu, i: Insn): number {
  const size = i.os === 8 ? 4 : i.os;
  const port = i.op === 0xe4 || i.op === 0xe5 ? i.immLo & 0xff : c.s16[2 << 2];
  if (!c.ioAllowed(port, size)) return c.raiseGP(0);
  const v = c.portIn(port, size);
  setReg(c, size, 0, 0, v, 0);
  return 0;
}
/** E6 out Ib,AL / E7 out Ib,eAX / EE out DX,AL / EF out DX,eAX */
export function op_e6_out(c: Cpu, i: Insn): number {
  const size = i.os === 8 ? 4 : i.os;
  const port = i.op === 0xe6 || i.op === 0xe7 ? i.immLo & 0xff : c.s16[2 << 2];
  if (!c.ioAllowed(port, size)) return c.raiseGP(0);
  c.portOut(port, size, getReg(c, size, 0, 0));
  return 0;
}

// ---- misc --------------------------------------------------------------------------------------------

/** Multi-byte NOP / hint NOPs (0F 1F /0, 0F 18-1F), fences, prefetch, pause, endbr. */
export function op_nop(_c: Cpu, _i: Insn): number {
  return 0;
}
/** 0F 0B ud2 / 0F B9 ud1 / 0F FF ud0 */
export function op_0f0b_ud2(c: Cpu, _i: Insn): number {
  return c.raise(UD);
}
/** 0F AE /7 (memory): clflush — checks the address is readable, no caches to flush */
export function op_0fae_clflush(c: Cpu, i: Insn): number {
  c.rd8(ea(c, i), c.eaHi);
  return c.fault !== 0 ? FAULT : 0;
}
