import {
  _PAGE_ACCESSED,
  _PAGE_GLOBAL,
  _PAGE_GUEST_KERNEL,
  _PAGE_PRESENT,
  _PAGE_USER,
  L1_DISALLOW_MASK,
  PAGE_CACHE_ATTRS,
} from '../public/page';
import type { Pte } from './pte';
import type { PtDomain } from './pt-domain';

/**
 * adjust_guest_l1e(): 64-bit PV kernels run in ring 3, so every present
 * mapping gets U. Kernel pages (guest U=0) are tagged with bit 52; user pages
 * become global.
 */
export function adjustGuestL1e(p: Pte): Pte {
  if (!(p.flags & _PAGE_PRESENT)) return p;
  let flags = p.flags;
  if (!(flags & _PAGE_USER)) flags |= _PAGE_GUEST_KERNEL | _PAGE_USER;
  if (!(flags & _PAGE_GUEST_KERNEL)) flags |= _PAGE_GLOBAL | _PAGE_USER;
  return { mfn: p.mfn, flags };
}

/** adjust_guest_l2e()/l3e(): present entries gain U. */
export function adjustGuestL23e(p: Pte): Pte {
  return p.flags & _PAGE_PRESENT ? { mfn: p.mfn, flags: p.flags | _PAGE_USER } : p;
}

/** adjust_guest_l4e(): present entries gain U and A (ABI doc §5.1). */
export function adjustGuestL4e(p: Pte): Pte {
  return p.flags & _PAGE_PRESENT ? { mfn: p.mfn, flags: p.flags | _PAGE_USER | _PAGE_ACCESSED } : p;
}

/** l1_disallow_mask(): cache attributes only for domains with I/O access. */
export function l1DisallowMask(d: PtDomain): number {
  return d.ioMemAccess ? L1_DISALLOW_MASK & ~PAGE_CACHE_ATTRS : L1_DISALLOW_MASK;
}
