import type { Domain } from '../domain/domain';
import type { MmEffect } from '../mm/mm-effects';
import { PGT_writable_page } from '../mm/frame-table';
import { PAGE_SIZE } from '../public/page';
import * as G from './abi';
import type { ActiveGrant, GrantTable } from './grant-table';
import type { GrantMapping } from './maptrack';
import type { GrantTables } from './grant-tables';
import { createGrantHostMapping, PteOwner, replaceGrantHostMapping } from './host-mapping';

/** The domain mapping a grant. Host mappings need its Domain (page tables). */
export interface GrantMapper {
  readonly domid: number;
  readonly domain?: Domain;
  /** L4 resolving linear host addresses (default: vCPU 0's kernel table). */
  readonly root?: number;
  /** Where TLB maintenance goes (the hypercall context's effects). */
  readonly effects?: MmEffect[];
}

export interface MapGrantOp {
  hostAddr: bigint;
  flags: number;
  ref: number;
  dom: number;
}

export interface MapGrantResult {
  status: number;
  /** Only meaningful when status is GNTST_okay (Xen leaves the fields alone otherwise). */
  handle: number;
  devBusAddr: bigint;
}

export interface UnmapGrantOp {
  hostAddr: bigint;
  devBusAddr: bigint;
  handle: number;
  /** unmap_and_replace: the linear address whose PTE replaces the grant mapping. */
  newAddr?: bigint;
}

/**
 * _set_status_v1(): an idle grant must be permit_access for `ld`; mark it reading (and writing for
 * a writable use, refused on a GTF_readonly grant). Maps also refuse sub-page grants.
 */
export function setStatusV1(
  t: GrantTable,
  ref: number,
  act: ActiveGrant,
  ro: boolean,
  ld: number,
  map: boolean,
): number {
  const e = t.readEntry(ref);
  const typeMask = G.GTF_type_mask | (map ? G.GTF_sub_page : 0);
  if (!act.pin && ((e.flags & typeMask) !== G.GTF_permit_access || e.domid !== ld))
    return G.GNTST_general_error;
  if (!ro && e.flags & G.GTF_readonly) return G.GNTST_general_error;
  t.setFlags(ref, G.GTF_reading | (ro ? 0 : G.GTF_writing));
  return G.GNTST_okay;
}

function pinIncrement(flags: number): number {
  const ro = flags & G.GNTMAP_readonly;
  let inc = 0;
  if (flags & G.GNTMAP_device_map) inc += ro ? G.GNTPIN_devr_inc : G.GNTPIN_devw_inc;
  if (flags & G.GNTMAP_host_map) inc += ro ? G.GNTPIN_hstr_inc : G.GNTPIN_hstw_inc;
  return inc;
}

function pteOwner(gt: GrantTables, mapper: GrantMapper, effects: MmEffect[]): PteOwner | undefined {
  const d = mapper.domain;
  if (!d) return undefined;
  return { domain: d, root: mapper.root ?? d.vcpus[0].guestTable, effects };
}

/**
 * map_grant_ref(): pin the grant (setting GTF_reading/GTF_writing in the granter's entry), take a
 * page reference per mapping kind (+ a writable type reference for writable ones), write the host
 * PTE for GNTMAP_host_map, and record a maptrack handle. dev_bus_addr is the frame's machine address.
 */
export function mapGrantRef(gt: GrantTables, mapper: GrantMapper, op: MapGrantOp): MapGrantResult {
  const fail = (status: number): MapGrantResult => ({ status, handle: 0, devBusAddr: 0n });
  const { host, types } = gt.mmu;
  const device = (op.flags & G.GNTMAP_device_map) !== 0;
  const hostMap = (op.flags & G.GNTMAP_host_map) !== 0;
  const ro = (op.flags & G.GNTMAP_readonly) !== 0;
  if (!device && !hostMap) return fail(G.GNTST_bad_gntref);
  const rt = gt.table(op.dom);
  if (!rt) return fail(G.GNTST_bad_domain);
  const mt = gt.maptrack(mapper.domid);
  const handle = mt.alloc({ flags: 0, table: rt, ref: op.ref, mfn: 0, hostAddr: 0n });
  if (handle === undefined) return fail(G.GNTST_no_device_space);
  const abandon = (status: number): MapGrantResult => {
    mt.free(handle);
    return fail(status);
  };
  if (op.ref >= rt.nrEntries) return abandon(G.GNTST_bad_gntref);

  const act = rt.act(op.ref);
  const idle = (status: number): MapGrantResult => {
    if (act.pin === 0) rt.active.delete(op.ref);
    return abandon(status);
  };
  if (act.pin && (act.domid !== mapper.domid || act.pin & G.GNTPIN_OVERFLOW))
    return idle(G.GNTST_general_error);
  let refs = 0;
  if (!act.pin || (!ro && !(act.pin & (G.GNTPIN_hstw_mask | G.GNTPIN_devw_mask)))) {
    const rc = setStatusV1(rt, op.ref, act, ro, mapper.domid, true);
    if (rc !== G.GNTST_okay) return idle(rc);
    if (!act.pin) {
      const frame = rt.readEntry(op.ref).frame;
      if (!host.getPage(frame, rt.domid)) {
        rt.settleFlags(op.ref, !ro);
        return abandon(G.GNTST_bad_page);
      }
      refs = 1;
      act.domid = mapper.domid;
      act.mfn = frame;
    }
  }
  const inc = pinIncrement(op.flags);
  act.pin += inc;
  const mfn = act.mfn;
  let typeRefs = 0;
  const undo = (status: number): MapGrantResult => {
    for (; typeRefs > 0; typeRefs--) types.putPageType(mfn);
    for (; refs > 0; refs--) host.putPage(mfn);
    act.pin -= inc;
    rt.settleFlags(op.ref, !ro);
    return abandon(status);
  };
  const getRef = (): boolean => (host.getPage(mfn, rt.domid) ? (refs++, true) : false);
  const getWritable = (): boolean =>
    types.getPageType(mfn, PGT_writable_page) === 0 ? (typeRefs++, true) : false;

  if (refs === 0 && !getRef()) return undo(G.GNTST_general_error);
  if (device && !ro && !getWritable()) return undo(G.GNTST_general_error);
  if (hostMap) {
    if (device && !getRef()) return undo(G.GNTST_general_error);
    if (!ro && !getWritable()) return undo(G.GNTST_general_error);
    const owner = pteOwner(gt, mapper, mapper.effects ?? []);
    if (!owner) return undo(G.GNTST_general_error);
    const rc = createGrantHostMapping(gt.mmu, owner, op.hostAddr, mfn, op.flags);
    if (rc !== G.GNTST_okay) return undo(rc);
  }
  Object.assign(mt.get(handle)!, { flags: op.flags, mfn, hostAddr: op.hostAddr });
  return { status: G.GNTST_okay, handle, devBusAddr: BigInt(mfn) * BigInt(PAGE_SIZE) };
}

/**
 * unmap_common() + unmap_common_complete(): undo the parts the request names (host_addr → the host
 * PTE, dev_bus_addr → the device mapping), drop their references and pins, clear the granter's
 * reading/writing flags when the last (writable) pin goes. The handle is freed with its last part.
 */
export function unmapGrantRef(gt: GrantTables, mapper: GrantMapper, op: UnmapGrantOp): number {
  const mt = gt.maptrack(mapper.domid);
  const m = op.handle < mt.limit ? mt.get(op.handle) : undefined;
  if (!m || m.flags === 0) return G.GNTST_bad_handle;
  if (op.devBusAddr !== 0n && op.devBusAddr !== BigInt(m.mfn) * BigInt(PAGE_SIZE))
    return G.GNTST_general_error;
  let done = 0;
  if (op.hostAddr !== 0n && m.flags & G.GNTMAP_host_map) {
    const owner = pteOwner(gt, mapper, mapper.effects ?? []);
    if (!owner) return G.GNTST_general_error;
    const rc = replaceGrantHostMapping(gt.mmu, owner, op.hostAddr, m.mfn, op.newAddr ?? 0n, m.flags);
    if (rc !== G.GNTST_okay) return rc;
    m.flags &= ~G.GNTMAP_host_map;
    done |= G.GNTMAP_host_map;
  }
  if (op.devBusAddr !== 0n && m.flags & G.GNTMAP_device_map) {
    m.flags &= ~G.GNTMAP_device_map;
    done |= G.GNTMAP_device_map;
  }
  if (!(m.flags & (G.GNTMAP_device_map | G.GNTMAP_host_map))) mt.free(op.handle);
  if (done !== 0) releaseParts(gt, m, done | (m.flags & G.GNTMAP_readonly));
  return G.GNTST_okay;
}

/** Drop the references and pins of the `parts` (device/host, + readonly) of a mapping. */
function releaseParts(gt: GrantTables, m: GrantMapping, parts: number): void {
  const { host, types } = gt.mmu;
  const ro = (parts & G.GNTMAP_readonly) !== 0;
  const act = m.table.act(m.ref);
  for (const kind of [G.GNTMAP_device_map, G.GNTMAP_host_map]) {
    if (!(parts & kind)) continue;
    if (!ro) types.putPageType(m.mfn);
    host.putPage(m.mfn);
    act.pin -= pinIncrement(kind | (parts & G.GNTMAP_readonly));
  }
  m.table.settleFlags(m.ref, !ro);
  gt.reapIfDead(m.table);
}

/** gnttab_release_mappings(): a dying mapper's grants are unmapped (its page tables go with it). */
export function releaseMappings(gt: GrantTables, domid: number): void {
  const mt = gt.takeMaptrack(domid);
  if (!mt) return;
  for (const [, m] of mt.live()) releaseParts(gt, m, m.flags);
}
