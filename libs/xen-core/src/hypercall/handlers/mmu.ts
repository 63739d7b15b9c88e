import { guestRangeOk } from '../../mm/guest-access';
import { resolvePgOwner, resolvePtOwner, mmuUpdateEntry } from '../../mm/mmu-update';
import { mmuextOp } from '../../mm/mmuext-op';
import { updateVaMapping } from '../../mm/update-va-mapping';
import { XEN_EFAULT, XEN_EPERM } from '../../public/errno';
import {
  MMU_UPDATE_SIZE,
  MMUEXT_OP_ARG1,
  MMUEXT_OP_ARG2,
  MMUEXT_OP_CMD,
  MMUEXT_OP_SIZE,
} from '../../public/layout';
import {
  __HYPERVISOR_mmu_update,
  __HYPERVISOR_mmuext_op,
  __HYPERVISOR_update_va_mapping,
  __HYPERVISOR_update_va_mapping_otherdomain,
} from '../../public/xen';
import type { HypercallContext } from '../context';
import { createContinuation, shouldPreempt } from '../preemption';
import { defineHypercall } from '../table';

/** Continuation marker in `count`: set by the hypervisor when it preempted the call (Xen's value). */
export const MMU_UPDATE_PREEMPTED = 0x80000000;

/**
 * The `count` and starting `done` of a (possibly continued) batch: a continuation carries the
 * remaining count with MMU_UPDATE_PREEMPTED set, and the entries done so far are in *pdone (Xen
 * reads them back the same way; a guest that scribbles on *pdone only confuses itself).
 */
function batchStart(ctx: HypercallContext, count: number, pdone: bigint): { count: number; done: number } {
  if (!(count & MMU_UPDATE_PREEMPTED)) return { count, done: 0 };
  const done = pdone !== 0n ? (ctx.guest.readU32(pdone) ?? 0) : 0;
  return { count: (count & ~MMU_UPDATE_PREEMPTED) >>> 0, done };
}

/** Add this invocation's work to *pdone, as Xen does on every exit (error, completion, continuation). */
function writeDone(ctx: HypercallContext, pdone: bigint, done: number): void {
  if (pdone !== 0n) ctx.guest.writeU32(pdone, done >>> 0);
}

/** The continuation of an mmu_update/mmuext_op batch preempted before entry `i`. */
function continueBatch(
  ctx: HypercallContext,
  list: bigint,
  count: number,
  i: number,
  entrySize: number,
  pdone: bigint,
  foreigndom: number,
): undefined {
  return createContinuation(ctx, [
    list + BigInt(i * entrySize),
    BigInt(((count - i) | MMU_UPDATE_PREEMPTED) >>> 0),
    pdone,
    BigInt(foreigndom >>> 0),
    0n,
  ]);
}

/** mmu_update(reqs, count, done, foreigndom) (§5.3); preemptible. */
export function mmuUpdate(
  ctx: HypercallContext,
  reqs: bigint,
  rawCount: number,
  pdone: bigint,
  foreigndom: number,
): number | undefined {
  const { count, done } = batchStart(ctx, rawCount, pdone);
  if (!guestRangeOk(reqs, count * MMU_UPDATE_SIZE)) return -XEN_EFAULT;
  const ptOwner = resolvePtOwner(ctx, foreigndom);
  const pgOwner = resolvePgOwner(ctx, foreigndom & 0xffff, true);
  let rc = 0;
  let i = 0;
  if (typeof ptOwner === 'number') rc = ptOwner;
  else if (pgOwner < 0 && (pgOwner !== -XEN_EPERM || count > 0)) rc = pgOwner;
  else {
    for (; i < count; i++) {
      if (shouldPreempt(ctx, i)) {
        writeDone(ctx, pdone, done + i);
        return continueBatch(ctx, reqs, count, i, MMU_UPDATE_SIZE, pdone, foreigndom);
      }
      const req = ctx.guest.read(reqs + BigInt(i * MMU_UPDATE_SIZE), MMU_UPDATE_SIZE);
      if (!req) {
        rc = -XEN_EFAULT;
        break;
      }
      const dv = new DataView(req.buffer);
      rc = mmuUpdateEntry(ctx, ptOwner, pgOwner, dv.getBigUint64(0, true), dv.getBigUint64(8, true));
      if (rc !== 0) break;
    }
  }
  writeDone(ctx, pdone, done + i);
  return rc;
}

/** mmuext_op(ops, count, done, foreigndom) (§5.4); preemptible between operations. */
export function mmuextOpHandler(
  ctx: HypercallContext,
  ops: bigint,
  rawCount: number,
  pdone: bigint,
  foreigndom: number,
): number | undefined {
  const { count, done } = batchStart(ctx, rawCount, pdone);
  if (!guestRangeOk(ops, count * MMUEXT_OP_SIZE)) return -XEN_EFAULT;
  const owner = resolvePgOwner(ctx, foreigndom & 0xffff, false);
  if (owner < 0) return owner;
  let rc = 0;
  let i = 0;
  for (; i < count; i++) {
    if (shouldPreempt(ctx, i)) {
      writeDone(ctx, pdone, done + i);
      return continueBatch(ctx, ops, count, i, MMUEXT_OP_SIZE, pdone, foreigndom);
    }
    const raw = ctx.guest.read(ops + BigInt(i * MMUEXT_OP_SIZE), MMUEXT_OP_SIZE);
    if (!raw) {
      rc = -XEN_EFAULT;
      break;
    }
    const dv = new DataView(raw.buffer);
    rc = mmuextOp(ctx, {
      cmd: dv.getUint32(MMUEXT_OP_CMD, true),
      arg1: dv.getBigUint64(MMUEXT_OP_ARG1, true),
      arg2: dv.getBigUint64(MMUEXT_OP_ARG2, true),
    });
    if (rc !== 0) break;
  }
  writeDone(ctx, pdone, done + i);
  return rc;
}

export const mmuUpdateHypercall = defineHypercall({
  nr: __HYPERVISOR_mmu_update,
  name: 'mmu_update',
  args: ['ptr', 'uint', 'ptr', 'uint'],
  handler: mmuUpdate,
});

export const mmuextOpHypercall = defineHypercall({
  nr: __HYPERVISOR_mmuext_op,
  name: 'mmuext_op',
  args: ['ptr', 'uint', 'ptr', 'uint'],
  handler: mmuextOpHandler,
});

export const updateVaMappingHypercall = defineHypercall({
  nr: __HYPERVISOR_update_va_mapping,
  name: 'update_va_mapping',
  args: ['ulong', 'u64', 'ulong'],
  handler: (ctx, va, val, flags) => updateVaMapping(ctx, va, val, flags, ctx.domain.id),
});

export const updateVaMappingOtherdomainHypercall = defineHypercall({
  nr: __HYPERVISOR_update_va_mapping_otherdomain,
  name: 'update_va_mapping_otherdomain',
  args: ['ulong', 'u64', 'ulong', 'domid'],
  handler: (ctx, va, val, flags, domid) => {
    const owner = resolvePgOwner(ctx, domid, false);
    return owner < 0 ? owner : updateVaMapping(ctx, va, val, flags, owner);
  },
});
