import { XEN_EINVAL, XEN_ENOSYS, XEN_EPERM, XEN_ESRCH } from '../public/errno';
import {
  DOMID_IO,
  DOMID_SELF,
  DOMID_XEN,
  MMU_MACHPHYS_UPDATE,
  MMU_NORMAL_PT_UPDATE,
  MMU_PT_UPDATE_NO_TRANSLATE,
  MMU_PT_UPDATE_PRESERVE_AD,
} from '../public/xen';
import type { Domain } from '../domain/domain';
import { PGT_l1_page_table, PGT_l4_page_table, PGT_writable_page } from './frame-table';
import { pteFromBigInt } from './pte';
import { modL1Entry, modUpperEntry } from './pt-update';
import { MmContext, toMfn } from './pv-mmu';

/**
 * get_pg_owner() + the XSM check for an unprivileged caller. Returns the owner
 * id of the data frames (the caller, or DOMID_IO), or a negative errno.
 */
export function resolvePgOwner(ctx: MmContext, domid: number, allowIo: boolean): number {
  const d = ctx.domain;
  if (domid === DOMID_SELF) return d.id;
  if (domid === d.id) return -XEN_ESRCH;
  if (domid === DOMID_IO) return allowIo ? DOMID_IO : -XEN_EPERM;
  if (domid === DOMID_XEN) return -XEN_EPERM;
  return ctx.mmu.domains.get(domid) ? -XEN_EPERM : -XEN_ESRCH;
}

/** foreigndom bits 31:16 = (owner of the page tables) + 1; only the caller itself is allowed. */
export function resolvePtOwner(ctx: MmContext, foreigndom: number): Domain | number {
  const ptDom = foreigndom >>> 16;
  if (ptDom === 0 || ptDom - 1 === ctx.domain.id) return ctx.domain;
  return ctx.mmu.domains.get(ptDom - 1) ? -XEN_EPERM : -XEN_ESRCH;
}

/** One `struct mmu_update` request. */
export function mmuUpdateEntry(
  ctx: MmContext,
  ptOwner: Domain,
  pgOwner: number,
  ptr: bigint,
  val: bigint,
): number {
  const { mmu } = ctx;
  const f = mmu.host.frames;
  // cmd = ptr & (sizeof(l1_pgentry_t) - 1): values 4..7 are unknown commands.
  const cmd = Number(ptr & 7n);
  switch (cmd) {
    case MMU_NORMAL_PT_UPDATE:
    case MMU_PT_UPDATE_PRESERVE_AD:
    case MMU_PT_UPDATE_NO_TRANSLATE: {
      const maddr = BigInt.asUintN(64, ptr - BigInt(cmd));
      const mfn = toMfn(maddr >> 12n);
      const slot = Number((maddr & 0xfffn) >> 3n);
      if (!mmu.host.getPage(mfn, ptOwner.id)) return -XEN_EINVAL;
      let rc = -XEN_EINVAL;
      if (f.typeCount[mfn] > 0 && f.validated[mfn]) {
        const type = f.type[mfn];
        if (type === PGT_l1_page_table) {
          rc = modL1Entry(
            mmu.types,
            mmu.host.mem,
            mfn,
            slot,
            pteFromBigInt(val),
            ptOwner,
            pgOwner,
            cmd === MMU_PT_UPDATE_PRESERVE_AD,
          );
        } else if (type > PGT_l1_page_table && type <= PGT_l4_page_table) {
          if (pgOwner === ptOwner.id) {
            rc = modUpperEntry(
              mmu.types,
              mmu.host.mem,
              type,
              mfn,
              slot,
              pteFromBigInt(val),
              ptOwner,
              cmd === MMU_PT_UPDATE_PRESERVE_AD,
            );
          }
        } else if (type === PGT_writable_page) {
          mmu.host.mem.writeU64(Number(maddr), val);
          rc = 0;
        }
      } else if (mmu.types.getPageType(mfn, PGT_writable_page) === 0) {
        mmu.host.mem.writeU64(Number(maddr), val);
        mmu.types.putPageType(mfn);
        rc = 0;
      }
      mmu.host.putPage(mfn);
      return rc;
    }
    case MMU_MACHPHYS_UPDATE: {
      if (ptOwner !== ctx.domain) return -XEN_EPERM;
      const mfn = toMfn(ptr >> 12n);
      if (!mmu.host.getPage(mfn, pgOwner)) return -XEN_EINVAL;
      mmu.host.m2p.set(mfn, val);
      mmu.host.putPage(mfn);
      return 0;
    }
    default:
      return -XEN_ENOSYS;
  }
}
