import type { GuestPhysicalMemory } from '../mem/guest-physical-memory';
import { entryMaddr, makePte, writePte } from '../mm/pte';
import { _PAGE_ACCESSED, _PAGE_DIRTY, _PAGE_PRESENT, _PAGE_RW, _PAGE_USER, PAGE_SIZE } from '../public/page';
import { BootLayout, pagetablePfns, PtCounts } from './layout';

/** Flags the builder writes (xg_dom_x86.c): Xen adds U to L1s during validation. */
export const L1_PROT = _PAGE_PRESENT | _PAGE_RW | _PAGE_ACCESSED;
export const L2_PROT = _PAGE_PRESENT | _PAGE_RW | _PAGE_ACCESSED | _PAGE_DIRTY | _PAGE_USER;
export const L3_PROT = L2_PROT;
export const L4_PROT = L2_PROT;

const PAGE = BigInt(PAGE_SIZE);

interface TableSet {
  /** First PFN of each level's block ([L4][L3…][L2…][L1…]); l4 undefined = use the main L4. */
  l3: number;
  l2: number;
  l1: number;
  from: bigint;
}

function tableSet(pfn: number, c: PtCounts, from: bigint): TableSet {
  const l3 = pfn + c.l4;
  const l2 = l3 + c.l3;
  return { l3, l2, l1: l2 + c.l2, from };
}

/**
 * Write the bootstrap page tables: the main mapping [virtBase, virtBase +
 * mappedPages·4096) and, with INIT_P2M, the p2m window through its own
 * L3/L2/L1s linked into the same L4. As in libxc, the window maps only the p2m
 * pages, not its own page-table frames. Any L1 entry for a page-table frame
 * (either mapping) is read-only.
 */
export function buildBootPagetables(mem: GuestPhysicalMemory, l: BootLayout, p2m: readonly number[]): void {
  const ptRanges = pagetablePfns(l);
  const isPt = (pfn: number): boolean => ptRanges.some(([a, b]) => pfn >= a && pfn < b);
  const l4Mfn = p2m[l.ptPfn];

  const mapRange = (set: TableSet, va0: bigint, firstPfn: number, count: number): void => {
    for (let i = 0; i < count; i++) {
      const va = va0 + BigInt(i) * PAGE;
      const pfn = firstPfn + i;
      const l3 = p2m[set.l3 + Number((va >> 39n) - (set.from >> 39n))];
      const l2 = p2m[set.l2 + Number((va >> 30n) - (set.from >> 30n))];
      const l1 = p2m[set.l1 + Number((va >> 21n) - (set.from >> 21n))];
      const slot = (shift: bigint): number => Number((va >> shift) & 511n);
      writePte(mem, entryMaddr(l4Mfn, slot(39n)), makePte(l3, L4_PROT));
      writePte(mem, entryMaddr(l3, slot(30n)), makePte(l2, L3_PROT));
      writePte(mem, entryMaddr(l2, slot(21n)), makePte(l1, L2_PROT));
      const prot = isPt(pfn) ? L1_PROT & ~_PAGE_RW : L1_PROT;
      writePte(mem, entryMaddr(l1, slot(12n)), makePte(p2m[pfn], prot));
    }
  };

  mapRange(tableSet(l.ptPfn, l.pt, l.virtBase), l.virtBase, 0, l.mappedPages);
  const w = l.p2mWindow;
  if (w) {
    const set = tableSet(w.ptPfn, { ...w.pt, l4: 0 }, w.va);
    mapRange(set, w.va, w.pfn, w.p2mPages);
  }
}
