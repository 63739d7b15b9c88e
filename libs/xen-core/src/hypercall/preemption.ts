/**
 * Hypercall preemption, as Xen's hypercall_preempt_check(): a long hypercall (mmu_update,
 * mmuext_op, multicall) does a bounded amount of work per invocation, then records how far it got
 * in its own arguments and asks to be re-executed (a continuation). The vCPU runner thereby gets
 * control back between chunks, so other vCPUs and domains run and pending events are delivered.
 */
import type { HypercallContext } from './context';

/** Work units (list entries) one hypercall invocation may do before it continues itself. */
export const DEFAULT_HYPERCALL_WORK_BUDGET = 512;

/**
 * Count one unit of work about to be done, the `index`-th of the calling handler in this
 * invocation; true if the handler must stop before it and continue later instead (the budget is
 * used up, or an event waits for delivery to this vCPU). Never true for a handler's first unit
 * (index 0), so every invocation progresses, as Xen's `if (i && hypercall_preempt_check())`.
 */
export function shouldPreempt(ctx: HypercallContext, index: number): boolean {
  if (index > 0) {
    if (ctx.workDone >= ctx.sys.hypercallWorkBudget) return true;
    if (ctx.sys.events.hasDeliverableUpcall(ctx.domain, ctx.vcpu)) return true;
  }
  ctx.workDone++;
  return false;
}

/**
 * Arrange a continuation: the hypercall is re-executed with `args` (all five argument
 * registers, raw). Outside a multicall the dispatcher rewinds RIP to the SYSCALL; inside one the
 * multicall stores them in the entry and continues itself. The handler's return value is ignored.
 */
export function createContinuation(ctx: HypercallContext, args: readonly bigint[]): undefined {
  ctx.continuation = args;
  return undefined;
}
