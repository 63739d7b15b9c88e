/**
 * Control transfer: JMP/Jcc/CALL/RET near (relative and indirect), LOOP family, JrCXZ, and far
 * JMP/CALL/RET to code segments.
 */
import type { Cpu } from '../cpu';
import { EXEC_END, type Insn } from '../decoder/insn';
import { FAULT, GP, NP } from '../state/cpu-state';
import { cond, getZF } from '../state/flags';
import {
  CODE_BITS,
  CPL,
  CS,
  EFER,
  EFER_LMA,
  RIP_HI,
  RIP_LO,
  SEG_SEL,
  SS,
  segIdx,
  DS,
  ES,
  FS,
  GS,
  SEG_ATTR,
} from '../state/layout';
import { ea, readMem } from './operand';
import { adjustSp, peek, pop, push } from './stack-ops';
import {
  DESC_LIMIT,
  loadDataSeg,
  loadNull,
  loadSegCache,
  readDescriptor,
  setAccessed,
} from '../system/descriptors';

/** Set RIP to (lo, hi) after the 64-bit canonical check; returns EXEC_END or FAULT. */
export function branchTo(c: Cpu, lo: number, hi: number): number {
  if (((hi >> 15) + 1) >>> 0 > 1) return c.raise(GP, 0);
  c.s[RIP_LO] = lo;
  c.s[RIP_HI] = hi;
  return EXEC_END;
}

/** Truncate a target to the operand size outside 64-bit operand size. */
function target(os: number, lo: number, hi: number, c: Cpu): number {
  if (os === 8) {
    c.rhi = hi;
    return lo;
  }
  c.rhi = 0;
  return os === 4 ? lo : lo & 0xffff;
}

/** EB / E9: jmp Jb / Jz */
export function op_e9_jmp_Jz(c: Cpu, i: Insn): number {
  return branchTo(c, i.tgtLo, i.tgtHi);
}
/** 70-7F / 0F 80-8F: jcc */
export function op_70_jcc_Jb(c: Cpu, i: Insn): number {
  if (cond(c.s, i.cc)) return branchTo(c, i.tgtLo, i.tgtHi);
  return 0;
}
/** E8: call Jz */
export function op_e8_call_Jz(c: Cpu, i: Insn): number {
  if (((i.tgtHi >> 15) + 1) >>> 0 > 1) return c.raise(GP, 0);
  if (push(c, i.os, i.nextLo, i.nextHi) !== 0) return FAULT;
  c.s[RIP_LO] = i.tgtLo;
  c.s[RIP_HI] = i.tgtHi;
  return EXEC_END;
}
/** FF /2: call Ev */
export function op_ff_call_Ev(c: Cpu, i: Insn): number {
  const os = i.os;
  let lo: number;
  if (i.mod === 3) {
    lo = c.s[i.rm << 1];
    c.rhi = c.s[(i.rm << 1) | 1];
  } else {
    lo = readMem(c, os, ea(c, i), c.eaHi);
    if (c.fault !== 0) return FAULT;
  }
  lo = target(os, lo, c.rhi, c);
  const hi = c.rhi;
  if (((hi >> 15) + 1) >>> 0 > 1) return c.raise(GP, 0);
  if (push(c, os, i.nextLo, i.nextHi) !== 0) return FAULT;
  c.s[RIP_LO] = lo;
  c.s[RIP_HI] = hi;
  return EXEC_END;
}
/** FF /4: jmp Ev */
export function op_ff_jmp_Ev(c: Cpu, i: Insn): number {
  const os = i.os;
  let lo: number;
  if (i.mod === 3) {
    lo = c.s[i.rm << 1];
    c.rhi = c.s[(i.rm << 1) | 1];
  } else {
    lo = readMem(c, os, ea(c, i), c.eaHi);
    if (c.fault !== 0) return FAULT;
  }
  lo = target(os, lo, c.rhi, c);
  return branchTo(c, lo, c.rhi);
}
/** C3: ret   C2: ret Iw */
export function op_c3_ret(c: Cpu, i: Insn): number {
  const os = i.os;
  const v = peek(c, os, 0);
  if (c.fault !== 0) return FAULT;
  const lo = target(os, v, c.rhi, c);
  const hi = c.rhi;
  if (((hi >> 15) + 1) >>> 0 > 1) return c.raise(GP, 0);
  adjustSp(c, os + (i.op === 0xc2 ? i.immLo & 0xffff : 0));
  c.s[RIP_LO] = lo;
  c.s[RIP_HI] = hi;
  return EXEC_END;
}
/** E0-E2: loopne / loope / loop (counter = rCX by address size) */
export function op_e2_loop_Jb(c: Cpu, i: Insn): number {
  const s = c.s;
  let nz: boolean;
  if (i.as === 8) {
    const d = (s[2] >>> 0) - 1;
    s[2] = d | 0;
    s[3] = (s[3] - (d < 0 ? 1 : 0)) | 0;
    nz = (s[2] | s[3]) !== 0;
  } else if (i.as === 4) {
    s[2] = (s[2] - 1) | 0;
    s[3] = 0;
    nz = s[2] !== 0;
  } else {
    c.s16[1 << 2] = c.s16[1 << 2] - 1;
    nz = c.s16[1 << 2] !== 0;
  }
  let take = nz;
  if (i.op === 0xe1) take = nz && getZF(s) !== 0;
  else if (i.op === 0xe0) take = nz && getZF(s) === 0;
  if (take) return branchTo(c, i.tgtLo, i.tgtHi);
  return 0;
}
/** E3: jrcxz / jecxz / jcxz */
export function op_e3_jrcxz_Jb(c: Cpu, i: Insn): number {
  const s = c.s;
  const z = i.as === 8 ? (s[2] | s[3]) === 0 : i.as === 4 ? s[2] === 0 : c.s16[1 << 2] === 0;
  if (z) return branchTo(c, i.tgtLo, i.tgtHi);
  return 0;
}

/**
 * Far transfer to `sel:offset` for JMP/CALL (code segments only; call gates are not supported and
 * raise #GP). Returns 0 or FAULT; loads CS.
 */
function farTarget(c: Cpu, sel: number): number {
  const s = c.s;
  if ((sel & 0xfffc) === 0) return c.raise(GP, 0);
  const r = readDescriptor(c, sel);
  if (r === DESC_LIMIT) return c.raise(GP, sel & 0xfffc);
  if (r !== 0) return r;
  const hi = c.desc.hi;
  const cpl = s[CPL];
  if ((hi & 0x1800) !== 0x1800) return c.raise(GP, sel & 0xfffc); // not a code segment (gates unsupported)
  const dpl = (hi >>> 13) & 3;
  const conforming = (hi & 0x400) !== 0;
  if (conforming ? dpl > cpl : (sel & 3) > cpl || dpl !== cpl) return c.raise(GP, sel & 0xfffc);
  if ((hi & 0x8000) === 0) return c.raise(NP, sel & 0xfffc);
  if ((s[EFER] & EFER_LMA) !== 0 && (hi & (1 << 21)) !== 0 && (hi & (1 << 22)) !== 0)
    return c.raise(GP, sel & 0xfffc);
  return 0;
}

function commitFar(c: Cpu, sel: number, lo: number, hi: number): number {
  const s = c.s;
  if (setAccessed(c, sel) !== 0) return FAULT;
  loadSegCache(c, CS, (sel & 0xfffc) | s[CPL], c.desc.lo, c.desc.hi);
  const bits = s[CODE_BITS];
  s[RIP_LO] = bits === 16 ? lo & 0xffff : lo;
  s[RIP_HI] = bits === 64 ? hi : 0;
  return EXEC_END;
}

/** FF /5: jmp Mp   EA: jmp Ap (32-bit modes) */
export function op_ff_jmpf_Mp(c: Cpu, i: Insn): number {
  let off: number;
  let offHi = 0;
  let sel: number;
  if (i.op === 0xea) {
    off = i.immLo;
    sel = i.imm2 & 0xffff;
  } else {
    if (i.mod === 3) return c.raiseUD();
    const lo = ea(c, i);
    const hi = c.eaHi;
    off = readMem(c, i.os, lo, hi);
    offHi = i.os === 8 ? c.rhi : 0;
    if (c.fault !== 0) return FAULT;
    const sum = (lo >>> 0) + i.os;
    sel = c.rd16(sum | 0, (hi + (sum > 0xffffffff ? 1 : 0)) | 0);
    if (c.fault !== 0) return FAULT;
  }
  if (i.os === 2) off &= 0xffff;
  if (farTarget(c, sel) !== 0) return FAULT;
  return commitFar(c, sel, off, offHi);
}
/** FF /3: call Mp   9A: call Ap (32-bit modes) */
export function op_ff_callf_Mp(c: Cpu, i: Insn): number {
  const s = c.s;
  let off: number;
  let offHi = 0;
  let sel: number;
  if (i.op === 0x9a) {
    off = i.immLo;
    sel = i.imm2 & 0xffff;
  } else {
    if (i.mod === 3) return c.raiseUD();
    const lo = ea(c, i);
    const hi = c.eaHi;
    off = readMem(c, i.os, lo, hi);
    offHi = i.os === 8 ? c.rhi : 0;
    if (c.fault !== 0) return FAULT;
    const sum = (lo >>> 0) + i.os;
    sel = c.rd16(sum | 0, (hi + (sum > 0xffffffff ? 1 : 0)) | 0);
    if (c.fault !== 0) return FAULT;
  }
  if (i.os === 2) off &= 0xffff;
  if (farTarget(c, sel) !== 0) return FAULT;
  const spLo = s[8];
  const spHi = s[9];
  if (push(c, i.os, s[segIdx(CS, SEG_SEL)], 0) !== 0 || push(c, i.os, i.nextLo, i.nextHi) !== 0) {
    s[8] = spLo;
    s[9] = spHi;
    return FAULT;
  }
  return commitFar(c, sel, off, offHi);
}
/** CB: retf   CA: retf Iw (same or outer privilege) */
export function op_cb_retf(c: Cpu, i: Insn): number {
  const s = c.s;
  const os = i.os;
  const imm = i.op === 0xca ? i.immLo & 0xffff : 0;
  const off = peek(c, os, 0);
  const offHi = os === 8 ? c.rhi : 0;
  if (c.fault !== 0) return FAULT;
  const sel = peek(c, os, os) & 0xffff;
  if (c.fault !== 0) return FAULT;
  const cpl = s[CPL];
  const rpl = sel & 3;
  if (rpl < cpl) return c.raise(GP, sel & 0xfffc);
  if ((sel & 0xfffc) === 0) return c.raise(GP, 0);
  const r = readDescriptor(c, sel);
  if (r === DESC_LIMIT) return c.raise(GP, sel & 0xfffc);
  if (r !== 0) return r;
  const dhi = c.desc.hi;
  const dlo = c.desc.lo;
  if ((dhi & 0x1800) !== 0x1800) return c.raise(GP, sel & 0xfffc);
  const dpl = (dhi >>> 13) & 3;
  if ((dhi & 0x400) !== 0 ? dpl > rpl : dpl !== rpl) return c.raise(GP, sel & 0xfffc);
  if ((dhi & 0x8000) === 0) return c.raise(NP, sel & 0xfffc);
  if (rpl === cpl) {
    adjustSp(c, 2 * os + imm);
    loadSegCache(c, CS, sel, dlo, dhi);
    const bits = s[CODE_BITS];
    s[RIP_LO] = bits === 16 ? off & 0xffff : off;
    s[RIP_HI] = bits === 64 ? offHi : 0;
    return EXEC_END;
  }
  // return to outer privilege: also pop RSP and SS
  const nsp = peek(c, os, 2 * os + imm);
  const nspHi = os === 8 ? c.rhi : 0;
  if (c.fault !== 0) return FAULT;
  const nss = peek(c, os, 3 * os + imm) & 0xffff;
  if (c.fault !== 0) return FAULT;
  const savedCpl = cpl;
  c.cpl = rpl;
  const lr = loadDataSeg(c, SS, nss);
  if (lr !== 0) {
    c.cpl = savedCpl;
    return lr;
  }
  loadSegCache(c, CS, sel, dlo, dhi);
  s[8] = os === 2 ? nsp & 0xffff : nsp;
  s[9] = os === 8 ? nspHi : 0;
  adjustSp(c, imm);
  const bits = s[CODE_BITS];
  s[RIP_LO] = bits === 16 ? off & 0xffff : off;
  s[RIP_HI] = bits === 64 ? offHi : 0;
  nullLowerSegs(c, rpl);
  return EXEC_END;
}

/** After a return to outer privilege, data segment registers with DPL < CPL become null. */
export function nullLowerSegs(c: Cpu, cpl: number): void {
  for (const sg of [ES, DS, FS, GS]) {
    const a = c.s[segIdx(sg, SEG_ATTR)];
    const dpl = (a >>> 5) & 3;
    const type = a & 0xf;
    const conformingCode = (type & 0xc) === 0xc;
    if ((a & (1 << 16)) === 0 && !conformingCode && dpl < cpl) {
      // FS/GS bases are kept in 64-bit mode when nulled by a privilege change (selector only)
      const base = c.getSegBase(sg);
      loadNull(c, sg, 0);
      if (sg === FS || sg === GS) c.setSegBase(sg, base);
    }
  }
}

export { pop };
