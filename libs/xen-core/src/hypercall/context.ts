import type { MmContext } from '../mm/pv-mmu';
import type { XenSystem } from '../xen-system';

/** What a hypercall handler sees: the caller (domain, vCPU), guest memory access, and where MM effects go. */
export interface HypercallContext extends MmContext {
  readonly sys: XenSystem;
  /** Set while a multicall is executing its entries (nested multicall → -EINVAL). */
  inMulticall: boolean;
  /** Work units done in this invocation (see shouldPreempt); shared by a multicall's entries. */
  workDone: number;
  /** Set by a preempted handler: the raw arguments to re-execute it with (see createContinuation). */
  continuation?: readonly bigint[];
}
