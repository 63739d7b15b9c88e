import {
  _PAGE_GNTTAB,
  _PAGE_PRESENT,
  _PAGE_RW,
  L2_DISALLOW_MASK,
  L3_DISALLOW_MASK,
  L4_DISALLOW_MASK,
  PAGE_SIZE,
  PAGETABLE_ENTRIES,
} from '../public/page';
import { XEN_EBUSY, XEN_EINVAL, XEN_EPERM } from '../public/errno';
import { DOMID_IO, ROOT_PAGETABLE_FIRST_XEN_SLOT, ROOT_PAGETABLE_LAST_XEN_SLOT } from '../public/xen';
import { checkDescriptor } from './descriptor-check';
import {
  isPageTableType,
  PageType,
  PGT_l1_page_table,
  PGT_l4_page_table,
  PGT_seg_desc_page,
  PGT_shared_page,
  PGT_writable_page,
} from './frame-table';
import type { HostMemory } from './host-memory';
import { entryMaddr, makePte, Pte, readPte, writePte } from './pte';
import { adjustGuestL1e, adjustGuestL23e, adjustGuestL4e, l1DisallowMask } from './pte-adjust';
import type { PtDomain } from './pt-domain';

/** MFN of an all-ones machine address: what INVALID_MFN looks like in a PTE. */
const PADDR_MASK_MFN = 2 ** 40 - 1;

/** is_guest_l4_slot(): slots 256..271 belong to Xen. */
export const isGuestL4Slot = (slot: number): boolean =>
  slot < ROOT_PAGETABLE_FIRST_XEN_SLOT || slot > ROOT_PAGETABLE_LAST_XEN_SLOT;

const DISALLOW_BY_LEVEL = [0, 0, L2_DISALLOW_MASK, L3_DISALLOW_MASK, L4_DISALLOW_MASK];

/**
 * Xen's page reference and type machinery (get_page_type/put_page_type,
 * promote/demote of page tables, get/put_page_from_lNe). Results are 0 or a
 * negative errno. Single-threaded: a page is never observed mid-validation by
 * anyone but its own validator.
 */
export class PageTypes {
  /** Set when a frame lost its writable type: stale RW TLB entries must go. */
  flushNeeded = false;

  constructor(
    private readonly host: HostMemory,
    private readonly domainOf: (id: number) => PtDomain | undefined,
  ) {}

  private get f() {
    return this.host.frames;
  }

  getPageType(mfn: number, type: PageType): number {
    const f = this.f;
    if (f.typeCount[mfn] === 0) {
      if (f.type[mfn] !== type) {
        if (f.type[mfn] === PGT_writable_page) this.flushNeeded = true;
        f.type[mfn] = type;
        f.validated[mfn] = type === PGT_writable_page || type === PGT_shared_page ? 1 : 0;
      }
      f.typeCount[mfn] = 1;
      if (!f.validated[mfn]) {
        f.linearCount[mfn] = 0;
        const rc = this.validate(mfn, type);
        if (rc !== 0) {
          f.typeCount[mfn] = 0;
          f.type[mfn] = 0;
          f.validated[mfn] = 0;
          return rc;
        }
        f.validated[mfn] = 1;
      }
      return 0;
    }
    // Type conflict, or a table still being validated further up our own stack.
    if (f.type[mfn] !== type || !f.validated[mfn]) return -XEN_EINVAL;
    f.typeCount[mfn]++;
    return 0;
  }

  putPageType(mfn: number): void {
    const f = this.f;
    if (f.typeCount[mfn] === 0) throw new Error(`put_page_type underflow: ${f.describe(mfn)}`);
    if (--f.typeCount[mfn] === 0 && isPageTableType(f.type[mfn]) && f.validated[mfn]) {
      f.validated[mfn] = 0;
      this.devalidate(mfn, f.type[mfn]);
    }
  }

  /** get_page_and_type_from_mfn(): -EINVAL if not owned by `owner`. */
  getPageAndType(mfn: number, owner: number, type: PageType): number {
    if (!this.host.getPage(mfn, owner)) return -XEN_EINVAL;
    const rc = this.getPageType(mfn, type);
    if (rc !== 0) this.host.putPage(mfn);
    return rc;
  }

  putPageAndType(mfn: number): void {
    this.putPageType(mfn);
    this.host.putPage(mfn);
  }

  // ---- L1 entries -------------------------------------------------------

  /** get_page_from_l1e(): references for one present L1 entry. */
  getPageFromL1e(p: Pte, l1eOwner: PtDomain, pgOwner: number): number {
    if (p.flags & l1DisallowMask(l1eOwner)) return -XEN_EINVAL;
    const f = this.f;
    const mfn = p.mfn;
    if (!f.valid(mfn) || f.liveOwner(mfn) === DOMID_IO) {
      // I/O memory: a domain without I/O capabilities may not map it.
      if (!l1eOwner.ioMemAccess) return mfn === PADDR_MASK_MFN ? -XEN_EINVAL : -XEN_EPERM;
      return 0;
    }
    const realOwner = f.liveOwner(mfn);
    if (realOwner === undefined || realOwner !== pgOwner) return -XEN_EBUSY;
    f.count[mfn]++;
    if (p.flags & _PAGE_RW && this.getPageType(mfn, PGT_writable_page) !== 0) {
      this.host.putPage(mfn);
      return -XEN_EBUSY;
    }
    return 0;
  }

  /** put_page_from_l1e(). A grant mapping (_PAGE_GNTTAB) holds no references: its maptrack entry does. */
  putPageFromL1e(p: Pte): void {
    if (!(p.flags & _PAGE_PRESENT) || p.flags & _PAGE_GNTTAB) return;
    if (!this.f.valid(p.mfn) || this.f.owner[p.mfn] === DOMID_IO) return;
    if (p.flags & _PAGE_RW) this.putPageAndType(p.mfn);
    else this.host.putPage(p.mfn);
  }

  // ---- L2..L4 entries ---------------------------------------------------

  /** get_page_from_l{2,3,4}e(): `level` is the level of the table holding the entry. */
  getPageFromUpperEntry(p: Pte, level: number, tableMfn: number, d: PtDomain): number {
    if (p.flags & DISALLOW_BY_LEVEL[level]) return -XEN_EINVAL;
    const rc = this.getPageAndType(p.mfn, d.id, (level - 1) as PageType);
    if (rc === -XEN_EINVAL && this.getLinearPagetable(p, level, tableMfn, d)) return 0;
    return rc;
  }

  putPageFromUpperEntry(p: Pte, tableMfn: number): void {
    if (!(p.flags & _PAGE_PRESENT) || p.mfn === tableMfn) return;
    const f = this.f;
    if (f.type[p.mfn] === f.type[tableMfn]) {
      // A linear entry: undo the linear bookkeeping first.
      f.linearCount[p.mfn]++;
      f.linearCount[tableMfn]--;
    }
    this.putPageAndType(p.mfn);
  }

  /**
   * get_lN_linear_pagetable(): a read-only entry may point at a validated
   * table of its own level (one level of recursion only), or at itself.
   */
  private getLinearPagetable(p: Pte, level: number, tableMfn: number, d: PtDomain): boolean {
    if (p.flags & _PAGE_RW) return false;
    if (p.mfn === tableMfn) return true;
    const f = this.f;
    if (!this.host.getPage(p.mfn, d.id)) return false;
    if (f.type[p.mfn] !== level || !f.validated[p.mfn] || f.typeCount[p.mfn] === 0) {
      this.host.putPage(p.mfn);
      return false;
    }
    // inc_linear_entries(table) / inc_linear_uses(target).
    if (f.linearCount[tableMfn] < 0 || f.linearCount[p.mfn] > 0) {
      this.host.putPage(p.mfn);
      return false;
    }
    f.linearCount[tableMfn]++;
    f.linearCount[p.mfn]--;
    f.typeCount[p.mfn]++;
    return true;
  }

  // ---- promotion / demotion -------------------------------------------

  private validate(mfn: number, type: PageType): number {
    if (type === PGT_seg_desc_page) return this.validateSegDesc(mfn);
    const d = this.domainOf(this.f.owner[mfn]);
    if (!d) return -XEN_EINVAL;
    return type === PGT_l1_page_table ? this.promoteL1(mfn, d) : this.promoteUpper(mfn, type, d);
  }

  private promoteL1(mfn: number, d: PtDomain): number {
    const mem = this.host.mem;
    for (let i = 0; i < PAGETABLE_ENTRIES; i++) {
      const a = entryMaddr(mfn, i);
      const e = readPte(mem, a);
      if (!(e.flags & _PAGE_PRESENT)) continue;
      const rc = this.getPageFromL1e(e, d, d.id);
      if (rc !== 0) {
        for (let j = i - 1; j >= 0; j--) this.putPageFromL1e(readPte(mem, entryMaddr(mfn, j)));
        return rc;
      }
      writePte(mem, a, adjustGuestL1e(e));
    }
    return 0;
  }

  private promoteUpper(mfn: number, level: number, d: PtDomain): number {
    const mem = this.host.mem;
    const isL4 = level === PGT_l4_page_table;
    for (let i = 0; i < PAGETABLE_ENTRIES; i++) {
      if (isL4 && !isGuestL4Slot(i)) continue;
      const a = entryMaddr(mfn, i);
      const e = readPte(mem, a);
      if (!(e.flags & _PAGE_PRESENT)) continue;
      const rc = this.getPageFromUpperEntry(e, level, mfn, d);
      if (rc !== 0) {
        for (let j = i - 1; j >= 0; j--) {
          if (!isL4 || isGuestL4Slot(j)) this.putPageFromUpperEntry(readPte(mem, entryMaddr(mfn, j)), mfn);
        }
        return rc;
      }
      writePte(mem, a, isL4 ? adjustGuestL4e(e) : adjustGuestL23e(e));
    }
    if (isL4) this.initXenL4Slots(mfn, d.m2pStrict());
    return 0;
  }

  /** init_xen_l4_slots(): slot 256 = RO M2P if requested, the rest empty (no Xen mappings in guest VA). */
  initXenL4Slots(mfn: number, roMpt: boolean): void {
    const mem = this.host.mem;
    for (let s = ROOT_PAGETABLE_FIRST_XEN_SLOT; s <= ROOT_PAGETABLE_LAST_XEN_SLOT; s++) {
      writePte(mem, entryMaddr(mfn, s), makePte(0, 0));
    }
    if (roMpt) writePte(mem, entryMaddr(mfn, ROOT_PAGETABLE_FIRST_XEN_SLOT), this.host.m2p.roMptL4e);
  }

  /** fill_ro_mpt(): insert the RO M2P slot if it is empty. */
  fillRoMpt(mfn: number): void {
    const a = entryMaddr(mfn, ROOT_PAGETABLE_FIRST_XEN_SLOT);
    const mem = this.host.mem;
    if (mem.readU32(a) === 0 && mem.readU32(a + 4) === 0) writePte(mem, a, this.host.m2p.roMptL4e);
  }

  /** zap_ro_mpt(). */
  zapRoMpt(mfn: number): void {
    writePte(this.host.mem, entryMaddr(mfn, ROOT_PAGETABLE_FIRST_XEN_SLOT), makePte(0, 0));
  }

  private devalidate(mfn: number, type: number): void {
    const mem = this.host.mem;
    if (type === PGT_l1_page_table) {
      for (let i = 0; i < PAGETABLE_ENTRIES; i++) this.putPageFromL1e(readPte(mem, entryMaddr(mfn, i)));
      return;
    }
    const isL4 = type === PGT_l4_page_table;
    for (let i = PAGETABLE_ENTRIES - 1; i >= 0; i--) {
      if (isL4 && !isGuestL4Slot(i)) continue;
      this.putPageFromUpperEntry(readPte(mem, entryMaddr(mfn, i)), mfn);
    }
  }

  /** validate_segdesc_page(): every descriptor must pass check_descriptor() (fixed up in place). */
  private validateSegDesc(mfn: number): number {
    const mem = this.host.mem;
    const base = mfn * PAGE_SIZE;
    const fixed: Array<{ a: number; b: number }> = [];
    for (let i = 0; i < PAGE_SIZE / 8; i++) {
      const r = checkDescriptor(mem.readU32(base + i * 8), mem.readU32(base + i * 8 + 4));
      if (!r) return -XEN_EINVAL;
      fixed.push(r);
    }
    fixed.forEach((r, i) => {
      mem.writeU32(base + i * 8, r.a);
      mem.writeU32(base + i * 8 + 4, r.b);
    });
    return 0;
  }
}
