/**
 * MXCSR-driven exception handling shared by the SSE floating-point operations.
 *
 * An SSE FP instruction computes every lane first (flags accumulate in `sf.flags`), then commits: if
 * any raised flag is unmasked, the destination is left untouched, the flags are made sticky and the
 * instruction reports a SIMD floating-point exception (the executor turns it into #XM, or #UD when
 * CR4.OSXMMEXCPT = 0). With only masked exceptions the result is written and the flags OR-ed in.
 * When an unmasked pre-computation exception (#I, #D, #Z) occurs, the post-computation flags (#O, #U,
 * #P) of the instruction are not reported (SDM vol. 1, 11.5.2.1).
 */
import { FLAG_DE, FLAG_IE, FLAG_ZE, Fp, Rc, RoundOpts, sf, zero } from '../softfloat/fp';
import { FpuState, MXCSR_DAZ, MXCSR_FZ } from '../fpu-state';

/** Vector numbers of the faults the FPU/SSE unit can report. 0 means "no fault". */
export const VEC_UD = 6;
export const VEC_NM = 7;
export const VEC_GP = 13;
export const VEC_MF = 16;
export const VEC_XM = 19;

/** Per-instruction view of MXCSR, captured once before computing the lanes. */
export interface SseEnv {
  mx: number;
  rc: Rc;
  daz: boolean;
  ro: RoundOpts;
}

const env: SseEnv = {
  mx: 0,
  rc: Rc.Nearest,
  daz: false,
  ro: { ftz: false, ueMasked: true, unbounded: false },
};

/** Start an SSE FP instruction: clears the flag accumulator and snapshots MXCSR. */
export function begin(st: FpuState): SseEnv {
  const mx = st.mxcsr;
  env.mx = mx;
  env.rc = ((mx >>> 13) & 3) as Rc;
  env.daz = (mx & MXCSR_DAZ) !== 0;
  env.ro.ftz = (mx & MXCSR_FZ) !== 0;
  env.ro.ueMasked = (mx & (1 << 11)) !== 0;
  sf.flags = 0;
  return env;
}

/**
 * Decide whether the instruction may write its result. Returns 0 (commit) or VEC_XM (do not write).
 * Always merges the reportable flags into MXCSR.
 */
export function finish(st: FpuState, e: SseEnv): number {
  let flags = sf.flags;
  const unmasked = flags & ~(e.mx >>> 7) & 0x3f;
  if (unmasked !== 0) {
    if ((unmasked & (FLAG_IE | FLAG_DE | FLAG_ZE)) !== 0) flags &= FLAG_IE | FLAG_DE | FLAG_ZE;
    st.mxcsr = e.mx | flags;
    return VEC_XM;
  }
  st.mxcsr = e.mx | flags;
  return 0;
}

/** Apply DAZ to an input operand, or flag #D for a denormal input. */
export function operand(a: Fp, e: SseEnv): Fp {
  if (!a.den) return a;
  if (e.daz) return zero(a.s);
  sf.flags |= FLAG_DE;
  return a;
}
