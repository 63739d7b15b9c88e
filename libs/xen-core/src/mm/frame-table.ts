import { DOMID_INVALID } from '../public/xen';

/** Page types (asm/mm.h PGT_*), one per frame at a time. */
export const PGT_none = 0;
export const PGT_l1_page_table = 1;
export const PGT_l2_page_table = 2;
export const PGT_l3_page_table = 3;
export const PGT_l4_page_table = 4;
export const PGT_seg_desc_page = 5;
export const PGT_shared_page = 6;
export const PGT_writable_page = 7;
export type PageType = 0 | 1 | 2 | 3 | 4 | 5 | 6 | 7;

export const PAGE_TYPE_NAMES = ['none', 'l1', 'l2', 'l3', 'l4', 'seg_desc', 'shared', 'writable'] as const;

export const isPageTableType = (t: number): boolean => t >= PGT_l1_page_table && t <= PGT_l4_page_table;

/**
 * The frame table: Xen's `struct page_info` as parallel typed arrays, one slot
 * per machine frame. `count` is the general reference count (count_info) and
 * includes the allocation reference (PGC_allocated); `typeCount` is the type
 * reference count of `type`.
 */
export class FrameTable {
  readonly owner: Uint16Array;
  readonly count: Uint32Array;
  readonly allocated: Uint8Array;
  /** Xen-heap style pages (shared_info, hypervisor frames): never released by a guest. */
  readonly special: Uint8Array;
  readonly type: Uint8Array;
  readonly typeCount: Uint32Array;
  readonly validated: Uint8Array;
  readonly pinned: Uint8Array;
  /** Frame content is stale and must be scrubbed before reuse. */
  readonly dirty: Uint8Array;
  /**
   * Xen's linear_pt_count: > 0 = number of linear (same-level, read-only)
   * entries this table holds; < 0 = number of such entries pointing at it.
   */
  readonly linearCount: Int32Array;

  constructor(readonly nrFrames: number) {
    this.owner = new Uint16Array(nrFrames).fill(DOMID_INVALID);
    this.count = new Uint32Array(nrFrames);
    this.allocated = new Uint8Array(nrFrames);
    this.special = new Uint8Array(nrFrames);
    this.type = new Uint8Array(nrFrames);
    this.typeCount = new Uint32Array(nrFrames);
    this.validated = new Uint8Array(nrFrames);
    this.pinned = new Uint8Array(nrFrames);
    this.dirty = new Uint8Array(nrFrames);
    this.linearCount = new Int32Array(nrFrames);
  }

  /** mfn_valid(): a RAM frame of this host. */
  valid(mfn: number): boolean {
    return Number.isInteger(mfn) && mfn >= 0 && mfn < this.nrFrames;
  }

  /** Owner if the frame is live (count > 0), else undefined. */
  liveOwner(mfn: number): number | undefined {
    return this.valid(mfn) && this.count[mfn] > 0 ? this.owner[mfn] : undefined;
  }

  describe(mfn: number): string {
    return (
      `mfn ${mfn}: owner ${this.owner[mfn]} count ${this.count[mfn]} type ${PAGE_TYPE_NAMES[this.type[mfn]]}` +
      ` tcount ${this.typeCount[mfn]}${this.validated[mfn] ? ' validated' : ''}${this.pinned[mfn] ? ' pinned' : ''}`
    );
  }
}
