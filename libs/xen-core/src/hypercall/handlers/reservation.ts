import type { Domain } from '../../domain/domain';
import { guestRangeOk } from '../../mm/guest-access';
import { toMfn } from '../../mm/pv-mmu';
import { XEN_EFAULT } from '../../public/errno';
import {
  DOMU_MAX_ORDER,
  MEMOP_EXTENT_SHIFT,
  RESERVATION_DOMID,
  RESERVATION_EXTENT_ORDER,
  RESERVATION_EXTENT_START,
  RESERVATION_NR_EXTENTS,
  RESERVATION_SIZE,
  XENMEM_decrease_reservation,
  XENMEM_increase_reservation,
} from '../../public/memory';
import type { HypercallContext } from '../context';
import { createContinuation, shouldPreempt } from '../preemption';
import { targetDomain } from './target-domain';

/** guest_remove_page() for a PV domain: unpin, drop the allocation reference, forget the M2P entry. */
export function guestRemovePage(ctx: HypercallContext, d: Domain, mfn: number): boolean {
  const { host, types } = ctx.mmu;
  const f = host.frames;
  if (!host.getPage(mfn, d.id)) return false;
  if (f.special[mfn]) {
    host.putPage(mfn);
    return false;
  }
  if (f.pinned[mfn]) {
    f.pinned[mfn] = 0;
    types.putPageAndType(mfn);
  }
  const pfn = host.m2p.get(mfn);
  if (pfn < 1n << 53n && d.p2m.get(Number(pfn)) === mfn) d.p2m.delete(Number(pfn));
  host.m2p.invalidate(mfn);
  host.releaseAllocation(mfn);
  host.putPage(mfn);
  return true;
}

/**
 * increase_reservation / decrease_reservation / populate_physmap. Returns the
 * number of extents completed, counting from `startExtent`. Preemptible as Xen's do_memory_op:
 * past the work budget it continues itself with the extents done so far in `cmd`'s upper bits.
 */
export function reservationOp(
  ctx: HypercallContext,
  op: number,
  arg: bigint,
  startExtent: bigint,
): number | bigint | undefined {
  const raw = ctx.guest.read(arg, RESERVATION_SIZE);
  if (!raw) return -XEN_EFAULT;
  const dv = new DataView(raw.buffer);
  const list = dv.getBigUint64(RESERVATION_EXTENT_START, true);
  const nrExtents = dv.getBigUint64(RESERVATION_NR_EXTENTS, true);
  const order = dv.getUint32(RESERVATION_EXTENT_ORDER, true);
  const target = targetDomain(ctx, dv.getUint16(RESERVATION_DOMID, true));
  if (typeof target === 'number') return target;
  if (startExtent >= nrExtents) return startExtent;
  if (nrExtents > 1n << 40n || !guestRangeOk(list, Number(nrExtents) * 8) || order > DOMU_MAX_ORDER) {
    return startExtent;
  }
  const { host } = ctx.mmu;
  const n = 2 ** order;
  let i = startExtent;
  for (; i < nrExtents; i++) {
    if (shouldPreempt(ctx, Number(i - startExtent))) {
      return createContinuation(ctx, [BigInt(op) | (i << BigInt(MEMOP_EXTENT_SHIFT)), arg, 0n, 0n, 0n]);
    }
    const slot = list + i * 8n;
    if (op === XENMEM_increase_reservation) {
      const mfn = host.allocDomainFrames(target.id, order);
      if (mfn === undefined) break;
      if (list !== 0n && !ctx.guest.writeU64(slot, BigInt(mfn))) break;
    } else if (op === XENMEM_decrease_reservation) {
      const gmfn = ctx.guest.readU64(slot);
      if (gmfn === undefined) break;
      const mfn = toMfn(gmfn);
      let ok = mfn % n === 0;
      for (let j = 0; ok && j < n; j++) ok = guestRemovePage(ctx, target, mfn + j);
      if (!ok) break;
    } else {
      const gpfn = ctx.guest.readU64(slot);
      if (gpfn === undefined) break;
      const mfn = host.allocDomainFrames(target.id, order);
      if (mfn === undefined) break;
      for (let j = 0; j < n; j++) {
        host.m2p.set(mfn + j, gpfn + BigInt(j));
        if (gpfn + BigInt(j) < 1n << 53n) target.p2m.set(Number(gpfn) + j, mfn + j);
      }
      if (!ctx.guest.writeU64(slot, BigInt(mfn))) break;
    }
  }
  return i;
}
