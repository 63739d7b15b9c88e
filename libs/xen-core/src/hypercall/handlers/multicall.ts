import { guestRangeOk } from '../../mm/guest-access';
import { XEN_EFAULT, XEN_EINVAL } from '../../public/errno';
import { MULTICALL_ARGS, MULTICALL_ENTRY_SIZE, MULTICALL_OP, MULTICALL_RESULT } from '../../public/layout';
import { __HYPERVISOR_iret, __HYPERVISOR_multicall } from '../../public/xen';
import type { HypercallContext } from '../context';
import { toRax } from '../dispatch';
import { defineHypercall } from '../table';

/** Xen passes args[0..4] of each entry (args[5] exists in the struct but is unused). */
const MULTICALL_NR_ARGS = 5;

/**
 * multicall(list, n) (§9.8): run each entry through the same hypercall table,
 * storing its result; failures of an entry do not stop the batch, a fault on
 * the list does. An iret ends the batch and, as in Xen (whose multicall then returns the iret's result,
 * the RAX it restored), the multicall leaves the registers as the iret set them.
 */
export function multicall(ctx: HypercallContext, list: bigint, n: bigint): number | undefined {
  if (ctx.inMulticall) return -XEN_EINVAL;
  if (n > 1n << 32n || !guestRangeOk(list, Number(n) * MULTICALL_ENTRY_SIZE)) return -XEN_EFAULT;
  ctx.inMulticall = true;
  try {
    for (let i = 0n; i < n; i++) {
      const at = list + i * BigInt(MULTICALL_ENTRY_SIZE);
      const raw = ctx.guest.read(at, MULTICALL_ENTRY_SIZE);
      if (!raw) return -XEN_EFAULT;
      const dv = new DataView(raw.buffer);
      const op = dv.getBigUint64(MULTICALL_OP, true);
      const args = Array.from({ length: MULTICALL_NR_ARGS }, (_, k) =>
        dv.getBigUint64(MULTICALL_ARGS + k * 8, true),
      );
      const result = ctx.sys.hypercalls.invoke(ctx, op, args);
      // An iret that set the registers itself has no result to store (Xen stores the restored RAX,
      // which the guest cannot look at: it is already back in the interrupted context).
      if (result === undefined && op === BigInt(__HYPERVISOR_iret)) return undefined;
      if (!ctx.guest.writeU64(at + BigInt(MULTICALL_RESULT), toRax(result ?? 0))) return -XEN_EFAULT;
      if (op === BigInt(__HYPERVISOR_iret)) break;
    }
    return 0;
  } finally {
    ctx.inMulticall = false;
  }
}

export const multicallHypercall = defineHypercall({
  nr: __HYPERVISOR_multicall,
  name: 'multicall',
  args: ['ptr', 'ulong'],
  handler: multicall,
});
