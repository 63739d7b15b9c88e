import type { Domain } from '../domain/domain';
import type { HypercallContext } from '../hypercall/context';
import { targetDomain } from '../hypercall/handlers/target-domain';
import { XEN_EACCES, XEN_EFAULT, XEN_ENOSYS } from '../public/errno';
import { ADD_TO_PHYSMAP_SIZE, XENMAPSPACE_gmfn_foreign, XENMAPSPACE_grant_table } from './abi';

/**
 * XENMEM_add_to_physmap. Only XENMAPSPACE_grant_table is provided for PV domains: the grant frame
 * `idx` is placed at `gpfn` (table grown as needed; M2P updated). Every other space is for
 * translated guests and answers -EACCES, as Xen does for PV.
 */
export function addToPhysmap(ctx: HypercallContext, arg: bigint): number {
  const raw = ctx.guest.read(arg, ADD_TO_PHYSMAP_SIZE);
  if (!raw) return -XEN_EFAULT;
  const dv = new DataView(raw.buffer);
  const domid = dv.getUint16(0, true);
  const space = dv.getUint32(4, true);
  if (space === XENMAPSPACE_gmfn_foreign) return -XEN_ENOSYS;
  const other = ctx.domain.privileged ? ctx.sys.get(domid) : undefined;
  const d: Domain | number = other ?? targetDomain(ctx, domid);
  if (typeof d === 'number') return d;
  if (space !== XENMAPSPACE_grant_table) return -XEN_EACCES;
  return ctx.sys.grants.mapFrameToGpfn(d, dv.getBigUint64(8, true), dv.getBigUint64(16, true));
}
