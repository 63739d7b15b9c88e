import { drainTypeFlush } from '../mm/pv-mmu';
import type { HypercallContext } from './context';
import { HYPERCALL_ARG_REGS, RegisterFile } from './registers';
import type { HypercallTable } from './table';

/** Encode a `long` result for RAX (negative errno → two's complement). */
export const toRax = (r: number | bigint): bigint => BigInt.asUintN(64, BigInt(r));

/**
 * The SYSCALL-from-guest-kernel path: RAX = number, arguments in RDI, RSI,
 * RDX, R10, R8; result in RAX. MM side effects accumulate in ctx.effects. A handler that
 * preempted itself leaves RAX alone and the guest's RIP on the SYSCALL, with new arguments.
 */
export function dispatchHypercall(table: HypercallTable, ctx: HypercallContext, regs: RegisterFile): void {
  const raw = HYPERCALL_ARG_REGS.map((r) => regs.get(r));
  ctx.workDone = 0;
  ctx.continuation = undefined;
  const result = table.invoke(ctx, regs.get('rax'), raw);
  drainTypeFlush(ctx);
  const next = ctx.continuation;
  if (next) {
    // Continuation: RAX keeps the hypercall number; the guest re-executes the SYSCALL with the
    // progress-carrying arguments (Xen's hypercall_create_continuation).
    ctx.continuation = undefined;
    HYPERCALL_ARG_REGS.forEach((r, i) => regs.set(r, next[i] ?? 0n));
    regs.rewindToHypercall();
    return;
  }
  if (result !== undefined) regs.set('rax', toRax(result));
}
