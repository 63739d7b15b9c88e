import type { HypercallContext } from '../hypercall/context';
import { defineHypercall } from '../hypercall/table';
import { guestRangeOk } from '../mm/guest-access';
import { XEN_EFAULT, XEN_EINVAL, XEN_ENOSYS } from '../public/errno';
import { __HYPERVISOR_grant_table_op } from '../public/xen';
import * as G from './abi';
import type { GrantMapper } from './grant-map';
import { grantCallerOf } from './grant-tables';

/** Run `each` over `count` structs of `size` bytes at `uops`: copy in, run, copy `out` back. */
function forEachOp(
  ctx: HypercallContext,
  uops: bigint,
  count: number,
  size: number,
  each: (dv: DataView) => { at: number; len: number } | 'all',
): number {
  if (!guestRangeOk(uops, count * size)) return -XEN_EFAULT;
  for (let i = 0; i < count; i++) {
    const va = uops + BigInt(i * size);
    const raw = ctx.guest.read(va, size);
    if (!raw) return -XEN_EFAULT;
    const dv = new DataView(raw.buffer);
    const out = each(dv);
    const ok =
      out === 'all'
        ? ctx.guest.write(va, raw)
        : ctx.guest.write(va + BigInt(out.at), raw.subarray(out.at, out.at + out.len));
    if (!ok) return -XEN_EFAULT;
  }
  return 0;
}

function mapper(ctx: HypercallContext): GrantMapper {
  return { domid: ctx.domain.id, domain: ctx.domain, root: ctx.vcpu.activeRoot, effects: ctx.effects };
}

function setupTable(ctx: HypercallContext, uop: bigint, count: number): number {
  if (count !== 1) return -XEN_EINVAL;
  const raw = ctx.guest.read(uop, G.SETUP_TABLE_SIZE);
  if (!raw) return -XEN_EFAULT;
  const dv = new DataView(raw.buffer);
  const nr = dv.getUint32(4, true);
  const list = dv.getBigUint64(16, true);
  if (!guestRangeOk(list, nr * 8)) return -XEN_EFAULT;
  const r = ctx.sys.grants.setupTable(grantCallerOf(ctx.domain), dv.getUint16(0, true), nr);
  let status = r.status;
  r.frames.forEach((mfn, i) => {
    if (!ctx.guest.writeU64(list + BigInt(i * 8), BigInt(mfn))) status = G.GNTST_bad_virt_addr;
  });
  const st = new Uint8Array(2);
  new DataView(st.buffer).setInt16(0, status, true);
  return ctx.guest.write(uop + 8n, st) ? 0 : -XEN_EFAULT;
}

function querySize(ctx: HypercallContext, uop: bigint, count: number): number {
  if (count !== 1) return -XEN_EINVAL;
  const raw = ctx.guest.read(uop, G.QUERY_SIZE_SIZE);
  if (!raw) return -XEN_EFAULT;
  const dv = new DataView(raw.buffer);
  const r = ctx.sys.grants.querySize(grantCallerOf(ctx.domain), dv.getUint16(0, true));
  if (r.status === G.GNTST_okay) {
    dv.setUint32(4, r.nrFrames, true);
    dv.setUint32(8, r.maxNrFrames, true);
  }
  dv.setInt16(12, r.status, true);
  return ctx.guest.write(uop, raw) ? 0 : -XEN_EFAULT;
}

/** Only version 1 exists here (Xen built with gnttab max-ver 1): 2 → -ENOSYS, others -EINVAL. */
function setVersion(ctx: HypercallContext, uop: bigint): number {
  const v = ctx.guest.readU32(uop);
  if (v === undefined) return -XEN_EFAULT;
  const rc = v === 1 ? 0 : v === 2 ? -XEN_ENOSYS : -XEN_EINVAL;
  return ctx.guest.writeU32(uop, 1) ? rc : -XEN_EFAULT;
}

function getVersion(ctx: HypercallContext, uop: bigint): number {
  const raw = ctx.guest.read(uop, G.GET_VERSION_SIZE);
  if (!raw) return -XEN_EFAULT;
  const v = ctx.sys.grants.getVersion(grantCallerOf(ctx.domain), new DataView(raw.buffer).getUint16(0, true));
  if (v < 0) return v;
  return ctx.guest.writeU32(uop + 4n, v) ? 0 : -XEN_EFAULT;
}

/** v1 has no status frames: any request for more than 0 fails. */
function getStatusFrames(ctx: HypercallContext, uop: bigint, count: number): number {
  if (count !== 1) return -XEN_EINVAL;
  const raw = ctx.guest.read(uop, G.GET_STATUS_FRAMES_SIZE);
  if (!raw) return -XEN_EFAULT;
  const dv = new DataView(raw.buffer);
  const q = ctx.sys.grants.querySize(grantCallerOf(ctx.domain), dv.getUint16(4, true));
  const status =
    q.status !== G.GNTST_okay ? q.status : dv.getUint32(0, true) > 0 ? G.GNTST_general_error : G.GNTST_okay;
  dv.setInt16(6, status, true);
  return ctx.guest.write(uop + 6n, raw.subarray(6, 8)) ? 0 : -XEN_EFAULT;
}

/** grant_table_op(cmd, uops, count) (hypercall 20, §8). Per-op results go in each struct's status. */
export function grantTableOp(ctx: HypercallContext, cmd: number, uops: bigint, count: number): number {
  if (count > 0x7fffffff) return -XEN_EINVAL;
  const op = cmd & G.GNTTABOP_CMD_MASK;
  if (op !== G.GNTTABOP_cache_flush && cmd >>> G.GNTTABOP_CONTINUATION_ARG_SHIFT !== 0) return -XEN_EINVAL;
  const grants = ctx.sys.grants;
  switch (op) {
    case G.GNTTABOP_map_grant_ref:
      return forEachOp(ctx, uops, count, G.MAP_GRANT_REF_SIZE, (dv) => {
        const r = grants.map(mapper(ctx), {
          hostAddr: dv.getBigUint64(0, true),
          flags: dv.getUint32(8, true),
          ref: dv.getUint32(12, true),
          dom: dv.getUint16(16, true),
        });
        dv.setInt16(18, r.status, true);
        if (r.status === G.GNTST_okay) {
          dv.setUint32(20, r.handle, true);
          dv.setBigUint64(24, r.devBusAddr, true);
        }
        return 'all';
      });
    case G.GNTTABOP_unmap_grant_ref:
    case G.GNTTABOP_unmap_and_replace: {
      const replace = op === G.GNTTABOP_unmap_and_replace;
      return forEachOp(ctx, uops, count, G.UNMAP_GRANT_REF_SIZE, (dv) => {
        const status = grants.unmap(mapper(ctx), {
          hostAddr: dv.getBigUint64(0, true),
          devBusAddr: replace ? 0n : dv.getBigUint64(8, true),
          newAddr: replace ? dv.getBigUint64(8, true) : 0n,
          handle: dv.getUint32(16, true),
        });
        dv.setInt16(20, status, true);
        return { at: 20, len: 2 };
      });
    }
    case G.GNTTABOP_setup_table:
      return setupTable(ctx, uops, count);
    case G.GNTTABOP_copy:
      return forEachOp(ctx, uops, count, G.COPY_SIZE, (dv) => {
        const ptr = (o: number) => ({
          u: dv.getBigUint64(o, true),
          domid: dv.getUint16(o + 8, true),
          offset: dv.getUint16(o + 10, true),
        });
        const status = grants.copy(grantCallerOf(ctx.domain), {
          source: ptr(0),
          dest: ptr(16),
          len: dv.getUint16(32, true),
          flags: dv.getUint16(34, true),
        });
        dv.setInt16(36, status, true);
        return { at: 36, len: 2 };
      });
    case G.GNTTABOP_query_size:
      return querySize(ctx, uops, count);
    case G.GNTTABOP_set_version:
      return setVersion(ctx, uops);
    case G.GNTTABOP_get_status_frames:
      return getStatusFrames(ctx, uops, count);
    case G.GNTTABOP_get_version:
      return getVersion(ctx, uops);
    case G.GNTTABOP_swap_grant_ref:
      return forEachOp(ctx, uops, count, G.SWAP_GRANT_REF_SIZE, (dv) => {
        dv.setInt16(
          8,
          grants.swap(grantCallerOf(ctx.domain), dv.getUint32(0, true), dv.getUint32(4, true)),
          true,
        );
        return { at: 8, len: 2 };
      });
    default:
      // dump_table, transfer and cache_flush are not provided.
      return -XEN_ENOSYS;
  }
}

export const grantTableOpHypercall = defineHypercall({
  nr: __HYPERVISOR_grant_table_op,
  name: 'grant_table_op',
  args: ['uint', 'ptr', 'uint'],
  handler: grantTableOp,
});
