/**
 * x86-64 page-table bits. Flags use Xen's 24-bit `get_pte_flags()` form:
 * PTE bits 0..11 stay at 0..11, PTE bits 52..63 move to 12..23.
 */
export const PAGE_SHIFT = 12;
export const PAGE_SIZE = 4096;
export const PAGETABLE_ENTRIES = 512;
export const L1_PAGETABLE_SHIFT = 12;
export const L2_PAGETABLE_SHIFT = 21;
export const L3_PAGETABLE_SHIFT = 30;
export const L4_PAGETABLE_SHIFT = 39;
/** Machine addresses are 52 bits wide. */
export const PADDR_BITS = 52;
export const MFN_MASK_BITS = PADDR_BITS - PAGE_SHIFT;

export const _PAGE_PRESENT = 0x001;
export const _PAGE_RW = 0x002;
export const _PAGE_USER = 0x004;
export const _PAGE_PWT = 0x008;
export const _PAGE_PCD = 0x010;
export const _PAGE_ACCESSED = 0x020;
export const _PAGE_DIRTY = 0x040;
/** PSE in L2/L3 entries, PAT in L1 entries. */
export const _PAGE_PSE = 0x080;
export const _PAGE_PAT = 0x080;
export const _PAGE_GLOBAL = 0x100;
export const _PAGE_AVAIL = 0xe00;
/** PTE bit 52 — set by Xen on guest-kernel L1 mappings. */
export const _PAGE_GUEST_KERNEL = 1 << 12;
/** PTE bits 52..62. */
export const _PAGE_AVAIL_HIGH = 0x7ff << 12;
/** PTE bit 62 — Xen's grant-mapping marker, never guest-writable. */
export const _PAGE_GNTTAB = 1 << 22;
/** PTE bit 63. */
export const _PAGE_NX = 1 << 23;
export const PAGE_CACHE_ATTRS = _PAGE_PAT | _PAGE_PCD | _PAGE_PWT;

/** arch_init_memory(): everything a guest may set in any level. */
export const BASE_DISALLOW_MASK =
  ~(
    _PAGE_PRESENT |
    _PAGE_RW |
    _PAGE_USER |
    _PAGE_ACCESSED |
    _PAGE_DIRTY |
    _PAGE_AVAIL |
    _PAGE_AVAIL_HIGH |
    _PAGE_NX
  ) & 0xffffff;
/** L1: global allowed, bit 62 forbidden; cache attrs only with I/O privileges. */
export const L1_DISALLOW_MASK = (BASE_DISALLOW_MASK | _PAGE_GNTTAB) & ~_PAGE_GLOBAL;
export const L2_DISALLOW_MASK = BASE_DISALLOW_MASK;
export const L3_DISALLOW_MASK = BASE_DISALLOW_MASK;
export const L4_DISALLOW_MASK = BASE_DISALLOW_MASK;
/** Flags a guest may change without the entry being re-validated (mm.c). */
export const FASTPATH_FLAG_WHITELIST =
  _PAGE_NX | _PAGE_AVAIL_HIGH | _PAGE_AVAIL | _PAGE_GLOBAL | _PAGE_DIRTY | _PAGE_ACCESSED | _PAGE_USER;
