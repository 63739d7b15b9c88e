import { PGT_writable_page } from '../mm/frame-table';
import { toMfn } from '../mm/pv-mmu';
import { PAGE_SIZE } from '../public/page';
import { DOMID_SELF } from '../public/xen';
import * as G from './abi';
import { setStatusV1 } from './grant-map';
import type { GrantTable } from './grant-table';
import type { GrantCaller, GrantTables } from './grant-tables';

/** One side of a gnttab_copy: a grant ref (GNTCOPY_*_gref) or, for DOMID_SELF only, a gmfn. */
export interface GrantCopyPtr {
  /** ref (low 32 bits) or gmfn. */
  u: bigint;
  domid: number;
  offset: number;
}

export interface GrantCopyOp {
  source: GrantCopyPtr;
  dest: GrantCopyPtr;
  len: number;
  flags: number;
}

interface Claimed {
  mfn: number;
  release(): void;
}

/**
 * acquire_grant_for_copy() (v1, no transitive grants): pin `ref` of `t` for a copy by `ldom`,
 * with a page reference on the frame.
 */
function acquireForCopy(
  gt: GrantTables,
  t: GrantTable,
  ref: number,
  ldom: number,
  ro: boolean,
): Claimed | number {
  const { host } = gt.mmu;
  if (ref >= t.nrEntries) return G.GNTST_bad_gntref;
  const act = t.act(ref);
  if (act.pin && (act.domid !== ldom || act.pin & G.GNTPIN_OVERFLOW)) {
    if (act.pin === 0) t.active.delete(ref);
    return G.GNTST_general_error;
  }
  if (!act.pin || (!ro && !(act.pin & (G.GNTPIN_devw_mask | G.GNTPIN_hstw_mask)))) {
    const rc = setStatusV1(t, ref, act, ro, ldom, false);
    if (rc !== G.GNTST_okay) {
      if (act.pin === 0) t.active.delete(ref);
      return rc;
    }
    if (!act.pin) {
      act.domid = ldom;
      act.mfn = t.readEntry(ref).frame;
    }
  }
  if (!host.getPage(act.mfn, t.domid)) {
    const status = act.pin ? G.GNTST_bad_domain : G.GNTST_bad_page;
    t.settleFlags(ref, !ro);
    return status;
  }
  const inc = ro ? G.GNTPIN_hstr_inc : G.GNTPIN_hstw_inc;
  act.pin += inc;
  const mfn = act.mfn;
  return {
    mfn,
    release: () => {
      host.putPage(mfn);
      act.pin -= inc;
      t.settleFlags(ref, !ro);
      gt.reapIfDead(t);
    },
  };
}

/** gnttab_copy_claim_buf(): the grant or own frame, plus a writable type reference for the dest. */
function claim(
  gt: GrantTables,
  t: GrantTable,
  p: GrantCopyPtr,
  viaGref: boolean,
  ro: boolean,
  caller: GrantCaller,
): Claimed | number {
  const { host, types } = gt.mmu;
  let c: Claimed | number;
  if (viaGref) {
    c = acquireForCopy(gt, t, Number(BigInt.asUintN(32, p.u)), caller.domid, ro);
  } else {
    const mfn = toMfn(p.u);
    if (!host.getPage(mfn, t.domid)) return G.GNTST_bad_page;
    c = { mfn, release: () => host.putPage(mfn) };
  }
  if (typeof c === 'number' || ro) return c;
  const base = c;
  if (types.getPageType(base.mfn, PGT_writable_page) !== 0) {
    base.release();
    return G.GNTST_general_error;
  }
  return {
    mfn: base.mfn,
    release: () => {
      types.putPageType(base.mfn);
      base.release();
    },
  };
}

/** gnttab_copy_lock_domain(): only DOMID_SELF may name a frame directly. */
function lockDomain(
  gt: GrantTables,
  caller: GrantCaller,
  domid: number,
  viaGref: boolean,
): GrantTable | number {
  if (domid !== DOMID_SELF && !viaGref) return G.GNTST_permission_denied;
  return gt.table(domid === DOMID_SELF ? caller.domid : domid) ?? G.GNTST_bad_domain;
}

/** One GNTTABOP_copy operation: copy `len` bytes between granted/own frames. Returns its status. */
export function grantCopy(gt: GrantTables, caller: GrantCaller, op: GrantCopyOp): number {
  const srcGref = (op.flags & G.GNTCOPY_source_gref) !== 0;
  const dstGref = (op.flags & G.GNTCOPY_dest_gref) !== 0;
  const sd = lockDomain(gt, caller, op.source.domid, srcGref);
  if (typeof sd === 'number') return sd;
  const dd = lockDomain(gt, caller, op.dest.domid, dstGref);
  if (typeof dd === 'number') return dd;
  const src = claim(gt, sd, op.source, srcGref, true, caller);
  if (typeof src === 'number') return src;
  const dst = claim(gt, dd, op.dest, dstGref, false, caller);
  if (typeof dst === 'number') {
    src.release();
    return dst;
  }
  let status: number = G.GNTST_okay;
  if (op.source.offset + op.len > PAGE_SIZE || op.dest.offset + op.len > PAGE_SIZE) {
    status = G.GNTST_bad_copy_arg;
  } else if (op.len > 0) {
    const mem = gt.mmu.host.mem;
    const bytes = mem.readBytes(src.mfn * PAGE_SIZE + op.source.offset, op.len);
    mem.writeBytes(dst.mfn * PAGE_SIZE + op.dest.offset, bytes);
  }
  dst.release();
  src.release();
  return status;
}
