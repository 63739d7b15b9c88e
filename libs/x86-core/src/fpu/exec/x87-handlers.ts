/**
 * Handler factories binding the x87 semantic functions (../x87/*) to decoded D8-DF instructions.
 *
 * Order of events, as on hardware: #NM (CR0.EM/TS) → #MF for a pending unmasked exception (waiting
 * instructions only) → memory operand fetch / store probe (#PF, #GP: the FPU state is unchanged) →
 * the operation → for non-control instructions, FIP/FCS, FOP and (memory forms) FDP/FDS are recorded.
 */
import type { Cpu } from '../../cpu';
import type { Insn } from '../../decoder/insn';
import type { Handler } from '../../decoder/opcode-row';
import { ea } from '../../isa/operand';
import { FAULT } from '../../state/cpu-state';
import { cond, setArith } from '../../state/flags';
import { CS, F_ARITH, SEG_SEL, segIdx } from '../../state/layout';
import { OFF_FCS, OFF_FDP, OFF_FDS, OFF_FIP, type FpuState } from '../fpu-state';
import { fromBigInt } from '../softfloat/fp';
import { decodeF32, decodeF64, type F80Decoded } from '../softfloat/formats';
import { farithMem, X87Op } from '../x87/x87-arith';
import { fcom, fcomi } from '../x87/x87-cmp';
import { envSize, fnsave, fnstenv, frstor, loadEnv, saveSize } from '../x87/x87-env';
import { fbld, fbstp } from '../x87/x87-bcd';
import { fcmov, fild, fist, fldF32, fldF64, fldF80, fstF32, fstF64, fstpF80, memOut } from '../x87/x87-ldst';
import { fwaitCheck, x87Check } from './access';

type Body = (c: Cpu, i: Insn) => number;

/** Record FIP/FCS, FOP and FDP/FDS for a non-control instruction. */
function recordLast(c: Cpu, i: Insn): void {
  const f = c.fpu;
  f.u32[OFF_FIP >> 2] = i.ripLo;
  f.u32[(OFF_FIP >> 2) + 1] = i.ripHi;
  f.u16[OFF_FCS >> 1] = c.s[segIdx(CS, SEG_SEL)];
  f.fop = ((i.op & 7) << 8) | (i.mod << 6) | ((i.reg & 7) << 3) | (i.rm & 7);
  if (i.mod !== 3) {
    f.u32[OFF_FDP >> 2] = ea(c, i);
    f.u32[(OFF_FDP >> 2) + 1] = c.eaHi;
    f.u16[OFF_FDS >> 1] = c.s[segIdx(i.seg, SEG_SEL)];
  }
}

/** A non-control, waiting x87 instruction. */
export function x87(body: Body): Handler {
  return (c, i) => {
    if (x87Check(c, true) !== 0) return FAULT;
    const r = body(c, i);
    if (r === 0) recordLast(c, i);
    return r;
  };
}

/** A control instruction (FLDCW, FLDENV, FRSTOR: waiting; FN* forms: not waiting). */
export function x87Control(waiting: boolean, body: Body): Handler {
  return (c, i) => (x87Check(c, waiting) !== 0 ? FAULT : body(c, i));
}

/** A register-only instruction with no operand beyond ST(i) (i = ModRM.rm & 7). */
export const x87Reg = (fn: (st: FpuState, sti: number) => void): Handler =>
  x87((c, i) => {
    fn(c.fpu, i.rm & 7);
    return 0;
  });

export const fwaitH: Handler = (c) => (fwaitCheck(c) !== 0 ? FAULT : 0);

// ---------------------------------------------------------------- memory operands

export type MemKind = 'f32' | 'f64' | 'i16' | 'i32';

/** Read and decode a real or integer memory operand; null when the read faulted. */
function readOperand(c: Cpu, i: Insn, kind: MemKind): F80Decoded | null {
  const a = ea(c, i);
  const hi = c.eaHi;
  let v;
  switch (kind) {
    case 'f32':
      v = decodeF32(c.rd32(a, hi));
      break;
    case 'f64': {
      const lo = c.rd64(a, hi);
      v = decodeF64(lo, c.rhi);
      break;
    }
    case 'i16':
      v = fromBigInt(BigInt((c.rd16(a, hi) << 16) >> 16));
      break;
    default:
      v = fromBigInt(BigInt(c.rd32(a, hi) | 0));
  }
  return c.fault !== 0 ? null : { v, unsupported: false };
}

/** D8/DC/DA/DE memory forms: /0 add /1 mul /2 com /3 comp /4 sub /5 subr /6 div /7 divr. */
const MEM_OPS = [X87Op.Add, X87Op.Mul, -1, -1, X87Op.Sub, X87Op.SubR, X87Op.Div, X87Op.DivR];

export const arithMem = (kind: MemKind): Handler =>
  x87((c, i) => {
    const src = readOperand(c, i, kind);
    if (src === null) return FAULT;
    const r = i.reg & 7;
    if (r === 2 || r === 3) fcom(c.fpu, src, false, r - 2);
    else farithMem(c.fpu, MEM_OPS[r], src);
    return 0;
  });

export const fldMem = (kind: 'f32' | 'f64' | 'f80' | 'bcd' | 'i16' | 'i32' | 'i64'): Handler =>
  x87((c, i) => {
    const a = ea(c, i);
    const hi = c.eaHi;
    const st = c.fpu;
    switch (kind) {
      case 'f32': {
        const v = c.rd32(a, hi);
        if (c.fault !== 0) return FAULT;
        fldF32(st, v);
        return 0;
      }
      case 'f64': {
        const lo = c.rd64(a, hi);
        const h = c.rhi;
        if (c.fault !== 0) return FAULT;
        fldF64(st, lo, h);
        return 0;
      }
      case 'f80':
      case 'bcd': {
        const lo = c.rd64(a, hi);
        const h = c.rhi;
        const n = (a + 8) | 0;
        const se = c.rd16(n, n >>> 0 < a >>> 0 ? (hi + 1) | 0 : hi);
        if (c.fault !== 0) return FAULT;
        if (kind === 'bcd') fbld(st, se, lo, h);
        else fldF80(st, se, lo, h);
        return 0;
      }
      case 'i16': {
        const v = c.rd16(a, hi);
        if (c.fault !== 0) return FAULT;
        fild(st, BigInt((v << 16) >> 16));
        return 0;
      }
      case 'i32': {
        const v = c.rd32(a, hi);
        if (c.fault !== 0) return FAULT;
        fild(st, BigInt(v | 0));
        return 0;
      }
      default: {
        const lo = c.rd64(a, hi);
        const h = c.rhi;
        if (c.fault !== 0) return FAULT;
        fild(st, BigInt.asIntN(64, (BigInt(h >>> 0) << 32n) | BigInt(lo >>> 0)));
        return 0;
      }
    }
  });

/** Stores: probe the destination first so a #PF leaves the FPU state untouched. */
export const fstMem = (
  kind: 'f32' | 'f64' | 'f80' | 'bcd' | 'i16' | 'i32' | 'i64',
  how: 'st' | 'stp' | 'ttp',
): Handler =>
  x87((c, i) => {
    const a = ea(c, i);
    const hi = c.eaHi;
    const bytes =
      kind === 'f32' || kind === 'i32' ? 4 : kind === 'i16' ? 2 : kind === 'f80' || kind === 'bcd' ? 10 : 8;
    if (c.probeW(a, hi, bytes) < 0) return FAULT;
    const st = c.fpu;
    const popAfter = how !== 'st';
    let write: boolean;
    switch (kind) {
      case 'f32':
        write = fstF32(st, popAfter);
        break;
      case 'f64':
        write = fstF64(st, popAfter);
        break;
      case 'f80':
        write = fstpF80(st);
        break;
      case 'bcd':
        write = fbstp(st);
        break;
      default:
        write = fist(st, kind === 'i16' ? 16 : kind === 'i32' ? 32 : 64, how === 'ttp', popAfter);
    }
    if (!write) return 0;
    if (bytes === 2) return c.wr16(a, hi, memOut.lo);
    if (bytes === 4) return c.wr32(a, hi, memOut.lo);
    if (c.wr64(a, hi, memOut.lo, memOut.hi) !== 0) return FAULT;
    if (bytes === 10) {
      const n = (a + 8) | 0;
      return c.wr16(n, n >>> 0 < a >>> 0 ? (hi + 1) | 0 : hi, memOut.se);
    }
    return 0;
  });

// ---------------------------------------------------------------- EFLAGS users

/** FCOMI/FUCOMI(P): installs ZF PF CF (OF SF AF cleared) unless an unmasked exception occurred. */
export const fcomiH = (quietCmp: boolean, popAfter: boolean): Handler =>
  x87((c, i) => {
    const fl = fcomi(c.fpu, i.rm & 7, quietCmp, popAfter);
    if (fl >= 0) setArith(c.s, F_ARITH, fl);
    return 0;
  });

/** FCMOVcc with the Jcc condition code `cc` (b=2, e=4, be=6, u=10 and their negations). */
export const fcmovH = (cc: number): Handler =>
  x87((c, i) => {
    fcmov(c.fpu, i.rm & 7, cond(c.s, cc));
    return 0;
  });

// ---------------------------------------------------------------- control / environment

const envBuf = new DataView(new ArrayBuffer(128));

function writeBytes(c: Cpu, a: number, hi: number, n: number): number {
  if (c.probeW(a, hi, n) < 0) return FAULT;
  for (let k = 0; k < n; k++) {
    const x = (a + k) | 0;
    if (c.wr8(x, x >>> 0 < a >>> 0 ? (hi + 1) | 0 : hi, envBuf.getUint8(k)) !== 0) return FAULT;
  }
  return 0;
}

function readBytes(c: Cpu, a: number, hi: number, n: number): boolean {
  for (let k = 0; k < n; k++) {
    const x = (a + k) | 0;
    envBuf.setUint8(k, c.rd8(x, x >>> 0 < a >>> 0 ? (hi + 1) | 0 : hi));
    if (c.fault !== 0) return false;
  }
  return true;
}

/** FNSTENV / FNSAVE (no-wait): image size from the operand size (14/94 bytes with 66). */
export const fnstenvH = (save: boolean): Handler =>
  x87Control(false, (c, i) => {
    const a = ea(c, i);
    const hi = c.eaHi;
    const size16 = i.os === 2;
    const n = save ? saveSize(size16) : envSize(size16);
    if (c.probeW(a, hi, n) < 0) return FAULT;
    const snapshot = c.fpu.u8.slice();
    if (save) fnsave(c.fpu, envBuf, 0, size16);
    else fnstenv(c.fpu, envBuf, 0, size16);
    if (writeBytes(c, a, hi, n) !== 0) {
      c.fpu.u8.set(snapshot);
      return FAULT;
    }
    return 0;
  });

/** FLDENV / FRSTOR. */
export const fldenvH = (restore: boolean): Handler =>
  x87Control(true, (c, i) => {
    const a = ea(c, i);
    const size16 = i.os === 2;
    if (!readBytes(c, a, c.eaHi, restore ? saveSize(size16) : envSize(size16))) return FAULT;
    if (restore) frstor(c.fpu, envBuf, 0, size16);
    else loadEnv(c.fpu, envBuf, 0, size16);
    return 0;
  });

/** FNSTCW / FNSTSW m16. */
export const fnstWordH = (which: 'cw' | 'sw'): Handler =>
  x87Control(false, (c, i) => {
    const a = ea(c, i);
    return c.wr16(a, c.eaHi, which === 'cw' ? c.fpu.fcw : c.fpu.fsw);
  });

/** FNSTSW AX. */
export const fnstswAxH: Handler = x87Control(false, (c) => {
  c.s16[0] = c.fpu.fsw;
  return 0;
});

/** FLDCW m16. */
export const fldcwH = (apply: (st: FpuState, v: number) => void): Handler =>
  x87Control(true, (c, i) => {
    const a = ea(c, i);
    const v = c.rd16(a, c.eaHi);
    if (c.fault !== 0) return FAULT;
    apply(c.fpu, v);
    return 0;
  });

/** FNINIT / FNCLEX and the 287 no-ops (FENI, FDISI, FSETPM). */
export const x87NoWait = (fn: (st: FpuState) => void): Handler =>
  x87Control(false, (c) => {
    fn(c.fpu);
    return 0;
  });
