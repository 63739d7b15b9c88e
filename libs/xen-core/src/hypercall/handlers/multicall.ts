import { guestRangeOk } from '../../mm/guest-access';
import { XEN_EFAULT, XEN_EINVAL } from '../../public/errno';
import { MULTICALL_ARGS, MULTICALL_ENTRY_SIZE, MULTICALL_OP, MULTICALL_RESULT } from '../../public/layout';
import { __HYPERVISOR_iret, __HYPERVISOR_multicall } from '../../public/xen';
import type { HypercallContext } from '../context';
import { toRax } from '../dispatch';
import { createContinuation, shouldPreempt } from '../preemption';
import { defineHypercall } from '../table';

/** Xen passes args[0..4] of each entry (args[5] exists in the struct but is unused). */
const MULTICALL_NR_ARGS = 5;

/**
 * multicall(list, n) (§9.8): run each entry through the same hypercall table, storing its result;
 * failures of an entry do not stop the batch, a fault on the list does.
 *
 * Preemptible as Xen's do_multicall: between entries when the work budget is used up, and inside
 * an entry that continued itself (mmu_update, mmuext_op, set_trap_table). Either way the multicall
 * continues itself with the list advanced to the unfinished entry, so completed entries keep their
 * results and are not re-run; a preempted entry first gets its progress-carrying arguments written
 * back into the guest's list, so re-executing it resumes where it stopped.
 *
 * An iret ends the batch. As in Xen (mc_exit), its result field gets the RAX the iret restored
 * (best effort: a fault writing it is ignored) and the multicall returns that value, so RAX stays
 * as the iret set it.
 */
export function multicall(ctx: HypercallContext, list: bigint, n: bigint): number | bigint | undefined {
  if (ctx.inMulticall) return -XEN_EINVAL;
  if (n > 1n << 32n || !guestRangeOk(list, Number(n) * MULTICALL_ENTRY_SIZE)) return -XEN_EFAULT;
  const iret = BigInt(__HYPERVISOR_iret);
  ctx.inMulticall = true;
  try {
    for (let i = 0n; i < n; i++) {
      const at = list + i * BigInt(MULTICALL_ENTRY_SIZE);
      // Every entry counts as work, so a long list of cheap calls is preempted too.
      if (shouldPreempt(ctx, i > 0n ? 1 : 0)) return continueMulticall(ctx, at, n - i);
      const raw = ctx.guest.read(at, MULTICALL_ENTRY_SIZE);
      if (!raw) return -XEN_EFAULT;
      const dv = new DataView(raw.buffer);
      const op = dv.getBigUint64(MULTICALL_OP, true);
      const args = Array.from({ length: MULTICALL_NR_ARGS }, (_, k) =>
        dv.getBigUint64(MULTICALL_ARGS + k * 8, true),
      );
      const result = ctx.sys.hypercalls.invoke(ctx, op, args);
      const next = ctx.continuation;
      if (next) {
        ctx.continuation = undefined;
        next.forEach((a, k) => ctx.guest.writeU64(at + BigInt(MULTICALL_ARGS + k * 8), a));
        return continueMulticall(ctx, at, n - i);
      }
      if (op === iret) {
        // undefined: the frame was unusable and the domain crashed; nothing is left to report.
        if (result !== undefined) ctx.guest.writeU64(at + BigInt(MULTICALL_RESULT), toRax(result));
        return result;
      }
      if (!ctx.guest.writeU64(at + BigInt(MULTICALL_RESULT), toRax(result ?? 0))) return -XEN_EFAULT;
    }
    return 0;
  } finally {
    ctx.inMulticall = false;
  }
}

/** The multicall's own continuation: re-executed from entry `at` with `left` entries. */
function continueMulticall(ctx: HypercallContext, at: bigint, left: bigint): undefined {
  return createContinuation(ctx, [at, left, 0n, 0n, 0n]);
}

export const multicallHypercall = defineHypercall({
  nr: __HYPERVISOR_multicall,
  name: 'multicall',
  args: ['ptr', 'ulong'],
  handler: multicall,
});
