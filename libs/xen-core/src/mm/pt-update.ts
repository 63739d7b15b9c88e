import { _PAGE_ACCESSED, _PAGE_DIRTY, _PAGE_PRESENT, FASTPATH_FLAG_WHITELIST } from '../public/page';
import { XEN_EINVAL } from '../public/errno';
import { PGT_l4_page_table } from './frame-table';
import { isGuestL4Slot, PageTypes } from './page-types';
import { entryMaddr, Pte, pteHasChanged, readPte, writePte } from './pte';
import { adjustGuestL1e, adjustGuestL23e, adjustGuestL4e, l1DisallowMask } from './pte-adjust';
import type { PtDomain } from './pt-domain';
import type { GuestPhysicalMemory } from '../mem/guest-physical-memory';
import { L2_DISALLOW_MASK, L3_DISALLOW_MASK, L4_DISALLOW_MASK } from '../public/page';

const NOT_WHITELISTED = ~FASTPATH_FLAG_WHITELIST & 0xffffff;
const UPPER_DISALLOW = [0, 0, L2_DISALLOW_MASK, L3_DISALLOW_MASK, L4_DISALLOW_MASK];

/** UPDATE_ENTRY(): write, OR-ing in the old A/D bits when asked to preserve them. */
function updateEntry(
  mem: GuestPhysicalMemory,
  maddr: number,
  old: Pte,
  next: Pte,
  preserveAD: boolean,
): void {
  const flags = preserveAD ? next.flags | (old.flags & (_PAGE_ACCESSED | _PAGE_DIRTY)) : next.flags;
  writePte(mem, maddr, { mfn: next.mfn, flags });
}

/**
 * mod_l1_entry(): validated update of entry `slot` of the in-use L1 `l1Mfn`.
 * `pgOwner` owns the frames being mapped (the caller's id unless foreign).
 */
export function modL1Entry(
  types: PageTypes,
  mem: GuestPhysicalMemory,
  l1Mfn: number,
  slot: number,
  nl: Pte,
  ptDom: PtDomain,
  pgOwner: number,
  preserveAD: boolean,
): number {
  const maddr = entryMaddr(l1Mfn, slot);
  const ol = readPte(mem, maddr);
  if (nl.flags & _PAGE_PRESENT) {
    if (nl.flags & l1DisallowMask(ptDom)) return -XEN_EINVAL;
    if (!pteHasChanged(ol, nl, NOT_WHITELISTED)) {
      updateEntry(mem, maddr, ol, adjustGuestL1e(nl), preserveAD);
      return 0;
    }
    const rc = types.getPageFromL1e(nl, ptDom, pgOwner);
    if (rc !== 0) return rc;
    updateEntry(mem, maddr, ol, adjustGuestL1e(nl), preserveAD);
  } else {
    updateEntry(mem, maddr, ol, nl, preserveAD);
  }
  types.putPageFromL1e(ol);
  return 0;
}

/** mod_l{2,3,4}_entry(): validated update of an in-use table of `level`. */
export function modUpperEntry(
  types: PageTypes,
  mem: GuestPhysicalMemory,
  level: number,
  tableMfn: number,
  slot: number,
  nl: Pte,
  d: PtDomain,
  preserveAD: boolean,
): number {
  if (level === PGT_l4_page_table && !isGuestL4Slot(slot)) return -XEN_EINVAL;
  const adjust = level === PGT_l4_page_table ? adjustGuestL4e : adjustGuestL23e;
  const maddr = entryMaddr(tableMfn, slot);
  const ol = readPte(mem, maddr);
  if (nl.flags & _PAGE_PRESENT) {
    if (nl.flags & UPPER_DISALLOW[level]) return -XEN_EINVAL;
    if (!pteHasChanged(ol, nl, NOT_WHITELISTED)) {
      updateEntry(mem, maddr, ol, adjust(nl), preserveAD);
      return 0;
    }
    const rc = types.getPageFromUpperEntry(nl, level, tableMfn, d);
    if (rc !== 0) return rc;
    updateEntry(mem, maddr, ol, adjust(nl), preserveAD);
  } else {
    updateEntry(mem, maddr, ol, nl, preserveAD);
  }
  types.putPageFromUpperEntry(ol, tableMfn);
  return 0;
}
