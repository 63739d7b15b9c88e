/**
 * Per-domain credit-scheduler parameters (Xen's `xl sched-credit -w/-c`) and their validation. The
 * limits are Xen's: weight 1..65535 (default 256), cap in percent of one pCPU, 0 = uncapped, at most
 * 100 × the number of pCPUs.
 */
import { XenCoreError } from '../errors';

export const DEFAULT_WEIGHT = 256;
export const MAX_WEIGHT = 65535;

export interface CreditParams {
  weight: number;
  /** Percent of one pCPU per accounting period; 0 = no cap. */
  cap: number;
}

export function validateParams(p: Partial<CreditParams>, nrPcpus: number): void {
  if (p.weight !== undefined && (!Number.isInteger(p.weight) || p.weight < 1 || p.weight > MAX_WEIGHT))
    throw new XenCoreError('BAD_SCHED_PARAM', `weight must be an integer in 1..${MAX_WEIGHT}`);
  if (p.cap !== undefined && (!Number.isInteger(p.cap) || p.cap < 0 || p.cap > 100 * nrPcpus))
    throw new XenCoreError('BAD_SCHED_PARAM', `cap must be an integer in 0..${100 * nrPcpus}`);
}
