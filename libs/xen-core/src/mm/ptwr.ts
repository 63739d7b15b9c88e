import { _PAGE_PRESENT, _PAGE_RW } from '../public/page';
import { PGT_l1_page_table } from './frame-table';
import { findL1Slot } from './l1-lookup';
import { entryMaddr, pteFromBigInt, pteToBigInt, readPte, writePte } from './pte';
import { adjustGuestL1e } from './pte-adjust';
import type { MmContext } from './pv-mmu';

/** The store that faulted: what the CPU was writing, and where. */
export interface PtwrWrite {
  /** Linear address of the store (may differ from CR2 within the page). */
  addr: bigint;
  bytes: number;
  /** The stored value (low `bytes` bytes used). */
  value: bigint;
  /** Present for CMPXCHG: the expected old value (low `bytes` bytes). */
  cmpxchgOld?: bigint;
}

export type PtwrResult =
  | { kind: 'emulated' }
  | { kind: 'cmpxchg-failed'; current: bigint }
  /** Not a page-table write Xen emulates: deliver the #PF to the guest. */
  | { kind: 'not-handled' };

const NOT_HANDLED: PtwrResult = { kind: 'not-handled' };

/**
 * Writable page-table assist (pv_ro_page_fault → ptwr_do_page_fault): a
 * guest-kernel write fault on a read-only mapping of one of its in-use L1
 * tables is validated and applied as an L1 entry update.
 */
export function ptwrEmulate(ctx: MmContext, cr2: bigint, w: PtwrWrite): PtwrResult {
  const { domain, vcpu } = ctx;
  const { host, types } = ctx.mmu;
  const f = host.frames;
  if (!domain.writablePagetables() || !vcpu.inKernel) return NOT_HANDLED;
  // guest_get_eff_kern_l1e(): the PTE mapping the faulting address.
  const loc = findL1Slot(host.mem, f.nrFrames, vcpu.guestTable, cr2);
  if (!loc) return NOT_HANDLED;
  const pte = readPte(host.mem, entryMaddr(loc.l1Mfn, loc.slot));
  if ((pte.flags & (_PAGE_PRESENT | _PAGE_RW)) !== _PAGE_PRESENT) return NOT_HANDLED;
  const mfn = pte.mfn;
  if (!host.getPage(mfn, domain.id)) return NOT_HANDLED;
  try {
    if (!(f.typeCount[mfn] > 0 && f.validated[mfn] && f.type[mfn] === PGT_l1_page_table)) return NOT_HANDLED;
    const addr = BigInt.asUintN(64, w.addr);
    const bytes = w.bytes;
    if (![1, 2, 4, 8].includes(bytes)) return NOT_HANDLED;
    if ((addr ^ BigInt.asUintN(64, cr2)) & ~0xfffn || addr & BigInt(bytes - 1)) return NOT_HANDLED;

    const maddr = mfn * 4096 + Number(addr & 0xff8n);
    const shift = (addr & 7n) * 8n;
    const mask = ((1n << BigInt(bytes * 8)) - 1n) << shift;
    const full = pteToBigInt(readPte(host.mem, maddr));
    const merge = (v: bigint): bigint => (full & ~mask) | ((BigInt.asUintN(64, v) << shift) & mask);
    const val = merge(w.value);

    let nl = pteFromBigInt(val);
    if (nl.flags & _PAGE_PRESENT && types.getPageFromL1e(nl, domain, domain.id) !== 0) return NOT_HANDLED;
    nl = adjustGuestL1e(nl);

    if (w.cmpxchgOld !== undefined && full !== merge(w.cmpxchgOld)) {
      types.putPageFromL1e(nl);
      return { kind: 'cmpxchg-failed', current: (full & mask) >> shift };
    }
    const ol = readPte(host.mem, maddr);
    writePte(host.mem, maddr, nl);
    types.putPageFromL1e(ol);
    return { kind: 'emulated' };
  } finally {
    host.putPage(mfn);
  }
}
