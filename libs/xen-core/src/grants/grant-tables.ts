import type { Domain } from '../domain/domain';
import type { DomainLookup, PvMmu } from '../mm/pv-mmu';
import { XEN_EINVAL, XEN_EPERM, XEN_ESRCH } from '../public/errno';
import { DOMID_SELF } from '../public/xen';
import {
  DEFAULT_MAX_GRANT_FRAMES,
  DEFAULT_MAX_MAPTRACK_FRAMES,
  GNTMAP_device_map,
  GNTMAP_host_map,
  GNTMAP_readonly,
  GNTST_bad_domain,
  GNTST_bad_gntref,
  GNTST_eagain,
  GNTST_general_error,
  GNTST_okay,
  GNTST_permission_denied,
  GNTTAB_RESERVED_CONSOLE,
  GNTTAB_RESERVED_XENSTORE,
  GTF_permit_access,
  MAPTRACK_PER_PAGE,
  XENMAPIDX_grant_table_status,
} from './abi';
import { grantCopy, GrantCopyOp } from './grant-copy';
import {
  GrantMapper,
  mapGrantRef,
  MapGrantOp,
  MapGrantResult,
  releaseMappings,
  unmapGrantRef,
  UnmapGrantOp,
} from './grant-map';
import { GrantTable } from './grant-table';
import { Maptrack } from './maptrack';

/** Who is asking (the calling domain, or the TypeScript control domain). */
export interface GrantCaller {
  readonly domid: number;
  readonly privileged: boolean;
}

export const grantCallerOf = (d: Domain): GrantCaller => ({ domid: d.id, privileged: d.privileged });

export interface GrantTableOptions {
  /** max_grant_frames per domain (Xen default 64). */
  maxGrantFrames?: number;
  /** max_maptrack_frames per mapping domain (Xen default 1024, 256 handles each). */
  maxMaptrackFrames?: number;
}

/** A frame reference held on behalf of a grant mapping (for the memory audit). */
export interface HeldReference {
  mfn: number;
  count: number;
  typeCount: number;
}

/**
 * Every domain's grant table and maptrack on one host (xen/common/grant_table.c, v1 only).
 * Table-level operations live here; map/unmap and copy are in grant-map.ts / grant-copy.ts.
 */
export class GrantTables {
  private readonly tables = new Map<number, GrantTable>();
  private readonly maptracks = new Map<number, Maptrack>();
  readonly maxGrantFrames: number;
  readonly maxMaptrackFrames: number;

  constructor(
    readonly mmu: PvMmu,
    private readonly domains: DomainLookup,
    opts: GrantTableOptions = {},
  ) {
    this.maxGrantFrames = opts.maxGrantFrames ?? DEFAULT_MAX_GRANT_FRAMES;
    this.maxMaptrackFrames = opts.maxMaptrackFrames ?? DEFAULT_MAX_MAPTRACK_FRAMES;
  }

  /** grant_table_init(): a live domain's table, created with INITIAL_NR_GRANT_FRAMES on first use. */
  table(domid: number): GrantTable | undefined {
    const d = this.domains.get(domid);
    const t = this.tables.get(domid);
    if (t && t.domain === d) return t;
    if (!d) return undefined;
    const nt = new GrantTable(d, this.mmu.host, this.maxGrantFrames);
    nt.grow(1);
    this.tables.set(domid, nt);
    return nt;
  }

  maptrack(domid: number): Maptrack {
    let m = this.maptracks.get(domid);
    if (!m) {
      m = new Maptrack(this.maxMaptrackFrames * MAPTRACK_PER_PAGE);
      this.maptracks.set(domid, m);
    }
    return m;
  }

  /** rcu_lock_domain_by_any_id() + XSM_TARGET, as GNTST codes. */
  private target(caller: GrantCaller, dom: number): GrantTable | number {
    const t = this.table(dom === DOMID_SELF ? caller.domid : dom);
    if (!t) return GNTST_bad_domain;
    if (t.domid !== caller.domid && !caller.privileged) return GNTST_permission_denied;
    return t;
  }

  /** GNTTABOP_setup_table: grow to `nrFrames` and return the frames' MFNs. */
  setupTable(caller: GrantCaller, dom: number, nrFrames: number): { status: number; frames: number[] } {
    const t = this.target(caller, dom);
    if (typeof t === 'number') return { status: t, frames: [] };
    if (nrFrames > t.maxFrames) return { status: GNTST_general_error, frames: [] };
    if (nrFrames > t.frames.length && !t.grow(nrFrames)) return { status: GNTST_general_error, frames: [] };
    return { status: GNTST_okay, frames: t.frames.slice(0, nrFrames) };
  }

  /** GNTTABOP_query_size. */
  querySize(caller: GrantCaller, dom: number): { status: number; nrFrames: number; maxNrFrames: number } {
    const t = this.target(caller, dom);
    if (typeof t === 'number') return { status: t, nrFrames: 0, maxNrFrames: 0 };
    return { status: GNTST_okay, nrFrames: t.frames.length, maxNrFrames: t.maxFrames };
  }

  /** GNTTABOP_get_version: the version, or -ESRCH / -EPERM. */
  getVersion(caller: GrantCaller, dom: number): number {
    const t = this.target(caller, dom);
    if (t === GNTST_bad_domain) return -XEN_ESRCH;
    return typeof t === 'number' ? -XEN_EPERM : t.version;
  }

  /** GNTTABOP_swap_grant_ref: exchange two unused entries of the caller's table. */
  swap(caller: GrantCaller, refA: number, refB: number): number {
    const t = this.table(caller.domid);
    if (!t || refA >= t.nrEntries || refB >= t.nrEntries) return GNTST_bad_gntref;
    if (refA === refB) return GNTST_okay;
    if ((t.active.get(refA)?.pin ?? 0) !== 0 || (t.active.get(refB)?.pin ?? 0) !== 0) return GNTST_eagain;
    const a = t.readEntry(refA);
    const b = t.readEntry(refB);
    t.writeEntry(refA, b.flags, b.domid, b.frame);
    t.writeEntry(refB, a.flags, a.domid, a.frame);
    return GNTST_okay;
  }

  /**
   * XENMEM_add_to_physmap with XENMAPSPACE_grant_table (gnttab_map_frame): grow the table to cover
   * frame `idx` and record the frame at `gpfn` (M2P, and the hypervisor's p2m record). Status
   * frames do not exist in v1 (-EINVAL).
   */
  mapFrameToGpfn(d: Domain, idx: bigint, gpfn: bigint): number {
    const t = this.table(d.id);
    if (!t || idx & BigInt(XENMAPIDX_grant_table_status)) return -XEN_EINVAL;
    if (idx >= BigInt(t.maxFrames) || gpfn >= 1n << 52n) return -XEN_EINVAL;
    const i = Number(idx);
    if (i >= t.frames.length && !t.grow(i + 1)) return -XEN_EINVAL;
    const mfn = t.frames[i];
    const { m2p } = this.mmu.host;
    const old = t.frameGpfn[i];
    if (old !== undefined && d.p2m.get(Number(old)) === mfn) d.p2m.delete(Number(old));
    m2p.set(mfn, gpfn);
    d.p2m.set(Number(gpfn), mfn);
    t.frameGpfn[i] = gpfn;
    return 0;
  }

  /**
   * xc_dom_gnttab_seed(): the toolstack's reserved grants — ref 0 the console ring, ref 1 the
   * xenstore ring, both to the backend domain.
   */
  seedReserved(d: Domain, rings: { consoleMfn?: number; storeMfn?: number; backendDomid?: number }): void {
    const t = this.table(d.id);
    if (!t) return;
    const be = rings.backendDomid ?? 0;
    if (rings.consoleMfn !== undefined)
      t.writeEntry(GNTTAB_RESERVED_CONSOLE, GTF_permit_access, be, rings.consoleMfn);
    if (rings.storeMfn !== undefined)
      t.writeEntry(GNTTAB_RESERVED_XENSTORE, GTF_permit_access, be, rings.storeMfn);
  }

  /** Every frame reference grant mappings hold (general and writable-type), for auditMemory. */
  heldReferences(): HeldReference[] {
    const out: HeldReference[] = [];
    for (const m of this.maptracks.values()) {
      for (const [, e] of m.live()) {
        const parts = (e.flags & GNTMAP_device_map ? 1 : 0) + (e.flags & GNTMAP_host_map ? 1 : 0);
        out.push({ mfn: e.mfn, count: parts, typeCount: e.flags & GNTMAP_readonly ? 0 : parts });
      }
    }
    return out;
  }

  /** GNTTABOP_map_grant_ref for one operation. */
  map(mapper: GrantMapper, op: MapGrantOp): MapGrantResult {
    return mapGrantRef(this, mapper, op);
  }

  /** GNTTABOP_unmap_grant_ref / unmap_and_replace for one operation; returns its status. */
  unmap(mapper: GrantMapper, op: UnmapGrantOp): number {
    return unmapGrantRef(this, mapper, op);
  }

  /** GNTTABOP_copy for one operation; returns its status. */
  copy(caller: GrantCaller, op: GrantCopyOp): number {
    return grantCopy(this, caller, op);
  }

  /**
   * Domain teardown: unmap everything it mapped; its own table lingers (without writing to its
   * freed frames) until other domains unmap its grants.
   */
  domainDestroyed(domid: number): void {
    releaseMappings(this, domid);
    this.retireTable(domid);
  }

  /** Forget a destroyed domain's table once nothing pins it any more. */
  reapIfDead(t: GrantTable): void {
    if (t.dying && !t.pinned && this.tables.get(t.domid) === t) this.tables.delete(t.domid);
  }

  /** Mapping domain `domid`'s maptrack, for gnttab_release_mappings(). */
  takeMaptrack(domid: number): Maptrack | undefined {
    const m = this.maptracks.get(domid);
    this.maptracks.delete(domid);
    return m;
  }

  /** The domain's own table becomes dying (its frames are freed with the domain's memory). */
  retireTable(domid: number): void {
    const t = this.tables.get(domid);
    if (!t) return;
    t.dying = true;
    this.reapIfDead(t);
  }
}
