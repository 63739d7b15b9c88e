/**
 * x87 comparisons and classification: FCOM/FCOMP/FCOMPP, FUCOM/FUCOMP/FUCOMPP, FICOM, FCOMI/FCOMIP,
 * FUCOMI/FUCOMIP, FTST, FXAM.
 *
 * FCOM-style results go to C3 C2 C0 (> 000, < 001, = 100, unordered 111); FCOMI-style results are
 * returned as EFLAGS ZF PF CF bits for the executor to install (OF, SF, AF cleared).
 */
import { cmpCore, FLAG_DE, FLAG_IE, isSNaN, Kind, sf, zero } from '../softfloat/fp';
import { F80Decoded } from '../softfloat/formats';
import { FpuState } from '../fpu-state';
import { beginOp, isEmpty, phys, pop, raise, rawOff, readST, setC1, setCC, stackFault } from './x87-stack';

const EF_CF = 0x01;
const EF_PF = 0x04;
const EF_ZF = 0x40;

/** -1, 0, 1, or 2 for unordered; raises #IA per the quiet/signaling rule and #D for denormals. */
function compare(x: F80Decoded, y: F80Decoded, quietCmp: boolean): number {
  if (x.unsupported || y.unsupported) {
    sf.flags |= FLAG_IE;
    return 2;
  }
  if (x.v.k === Kind.NaN || y.v.k === Kind.NaN) {
    if (!quietCmp || isSNaN(x.v) || isSNaN(y.v)) sf.flags |= FLAG_IE;
    return 2;
  }
  if (x.v.den || y.v.den) sf.flags |= FLAG_DE;
  return cmpCore(x.v, y.v);
}

function toCC(st: FpuState, r: number): void {
  if (r === 2) setCC(st, 1, 1, 0, 1);
  else if (r === 0) setCC(st, 1, 0, 0, 0);
  else if (r < 0) setCC(st, 0, 0, 0, 1);
  else setCC(st, 0, 0, 0, 0);
}

/**
 * FCOM/FUCOM family: compares ST(0) with `src` (a decoded memory operand or ST(i) when `src` is a
 * number). `pops` is 0, 1 or 2.
 */
export function fcom(st: FpuState, src: F80Decoded | number, quietCmp: boolean, pops: number): void {
  beginOp();
  if (isEmpty(st, 0) || (typeof src === 'number' && isEmpty(st, src))) {
    if (!stackFault(st, false)) return;
    setCC(st, 1, 1, 0, 1);
  } else {
    const r = compare(readST(st, 0), typeof src === 'number' ? readST(st, src) : src, quietCmp);
    if (raise(st, sf.flags) && (sf.flags & ~st.fcw & (FLAG_IE | FLAG_DE)) !== 0) return;
    toCC(st, r);
  }
  for (let k = 0; k < pops; k++) pop(st);
}

/** FTST: compare ST(0) with +0.0. */
export function ftst(st: FpuState): void {
  fcom(st, { v: zero(0), unsupported: false }, false, 0);
}

/**
 * FCOMI/FCOMIP/FUCOMI/FUCOMIP ST(0), ST(i). Returns the EFLAGS ZF|PF|CF bits to install, or -1 when
 * EFLAGS must be left unchanged (unmasked exception).
 */
export function fcomi(st: FpuState, i: number, quietCmp: boolean, popAfter: boolean): number {
  beginOp();
  let fl: number;
  if (isEmpty(st, 0) || isEmpty(st, i)) {
    if (!stackFault(st, false)) return -1;
    fl = EF_ZF | EF_PF | EF_CF;
  } else {
    const r = compare(readST(st, 0), readST(st, i), quietCmp);
    if (raise(st, sf.flags) && (sf.flags & ~st.fcw & (FLAG_IE | FLAG_DE)) !== 0) return -1;
    setC1(st, false);
    fl = r === 2 ? EF_ZF | EF_PF | EF_CF : r === 0 ? EF_ZF : r < 0 ? EF_CF : 0;
  }
  if (popAfter) pop(st);
  return fl;
}

/**
 * FXAM: C3 C2 C0 = class (unsupported 000, NaN 001, normal 010, infinity 011, zero 100, empty 101,
 * denormal 110), C1 = sign. Works on an empty register (sign from the stale contents).
 */
export function fxam(st: FpuState): void {
  const o = rawOff(phys(st, 0));
  const sign = (st.view.getUint16(o + 8, true) >>> 15) & 1;
  if (isEmpty(st, 0)) {
    setCC(st, 1, 0, sign, 1);
    return;
  }
  const d = readST(st, 0);
  const ex = st.view.getUint16(o + 8, true) & 0x7fff;
  const j = st.view.getUint32(o + 4, true) >>> 31;
  let c: [number, number, number];
  if (ex === 0x7fff) c = j === 0 ? [0, 0, 0] : d.v.k === Kind.Inf ? [0, 1, 1] : [0, 0, 1];
  else if (ex === 0) c = d.v.k === Kind.Zero ? [1, 0, 0] : [1, 1, 0];
  else c = j === 0 ? [0, 0, 0] : [0, 1, 0];
  setCC(st, c[0], c[1], sign, c[2]);
}
