/**
 * Availability checks done before any operand access, and the mapping of SIMD floating-point
 * exceptions to #XM / #UD.
 *
 *  SSE/SSE2 (incl. LDMXCSR/STMXCSR): CR0.EM = 1 or CR4.OSFXSR = 0 → #UD; then CR0.TS = 1 → #NM.
 *  x87: CR0.EM = 1 or CR0.TS = 1 → #NM; then, for waiting instructions, a pending unmasked x87
 *       exception (FSW.ES) → #MF (CR0.NE = 0 "FERR#" reporting is not modelled).
 *  FWAIT: CR0.TS = 1 and CR0.MP = 1 → #NM; then pending → #MF.
 *  FXSAVE/FXRSTOR: CR0.TS or CR0.EM → #NM (CR4.OSFXSR only selects whether XMM state is included on
 *       some CPUs; here it is always included).
 *  Unmasked SIMD FP exception: CR4.OSXMMEXCPT = 1 → #XM, else #UD.
 */
import type { Cpu } from '../../cpu';
import { CR0, CR0_EM, CR0_MP, CR0_TS, CR4, CR4_OSFXSR, CR4_OSXMMEXCPT } from '../../state/layout';
import { MF, NM, UD, XM } from '../../state/cpu-state';
import { pendingFault } from '../x87/x87-stack';

/** Returns 0 when SSE instructions may execute, else the fault (already raised). */
export function sseCheck(c: Cpu): number {
  const cr0 = c.s[CR0];
  if ((cr0 & CR0_EM) !== 0 || (c.s[CR4] & CR4_OSFXSR) === 0) return c.raise(UD);
  if ((cr0 & CR0_TS) !== 0) return c.raise(NM);
  return 0;
}

/** x87 availability; `waiting` instructions also deliver a pending #MF. */
export function x87Check(c: Cpu, waiting: boolean): number {
  if ((c.s[CR0] & (CR0_EM | CR0_TS)) !== 0) return c.raise(NM);
  if (waiting && pendingFault(c.fpu)) return c.raise(MF);
  return 0;
}

export function fwaitCheck(c: Cpu): number {
  if ((c.s[CR0] & (CR0_TS | CR0_MP)) === (CR0_TS | CR0_MP)) return c.raise(NM);
  if (pendingFault(c.fpu)) return c.raise(MF);
  return 0;
}

export function fxCheck(c: Cpu): number {
  if ((c.s[CR0] & (CR0_EM | CR0_TS)) !== 0) return c.raise(NM);
  return 0;
}

/** Turn a semantic function's VEC_XM result into the architectural fault. */
export function simdFault(c: Cpu): number {
  return c.raise((c.s[CR4] & CR4_OSXMMEXCPT) !== 0 ? XM : UD);
}
