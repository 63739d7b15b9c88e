import type { GuestPhysicalMemory } from '../mem/guest-physical-memory';
import { PAGE_SIZE } from '../public/page';
import { DOMID_INVALID } from '../public/xen';
import { FrameTable, PGT_none } from './frame-table';

/**
 * Machine-frame allocator: a free bitmap plus a LIFO free list (lazily pruned
 * when contiguous allocations take frames out of the middle). Freed frames are
 * marked dirty and scrubbed (zeroed) before they are handed out again.
 */
export class FrameAllocator {
  private readonly free: Uint8Array;
  private freeList: number[] = [];
  private nrFree = 0;

  constructor(
    private readonly frames: FrameTable,
    private readonly mem: GuestPhysicalMemory,
  ) {
    this.free = new Uint8Array(frames.nrFrames);
    for (let mfn = frames.nrFrames - 1; mfn >= 0; mfn--) this.pushFree(mfn);
  }

  get freeFrames(): number {
    return this.nrFree;
  }

  isFree(mfn: number): boolean {
    return this.frames.valid(mfn) && this.free[mfn] === 1;
  }

  /** Allocate one frame to `owner` with the allocation reference held. */
  alloc(owner: number): number | undefined {
    while (this.freeList.length > 0) {
      const mfn = this.freeList.pop()!;
      if (this.free[mfn] === 1) {
        this.take(mfn, owner);
        return mfn;
      }
    }
    return undefined;
  }

  /** Allocate 2^order contiguous, naturally aligned frames; returns the first. */
  allocContiguous(order: number, owner: number): number | undefined {
    const n = 2 ** order;
    if (order === 0) return this.alloc(owner);
    if (this.nrFree < n) return undefined;
    for (let base = 0; base + n <= this.frames.nrFrames; base += n) {
      let ok = true;
      for (let i = 0; i < n && ok; i++) ok = this.free[base + i] === 1;
      if (ok) {
        for (let i = 0; i < n; i++) this.take(base + i, owner);
        return base;
      }
    }
    return undefined;
  }

  /** Take a specific free frame (boot-time reservations). */
  claim(mfn: number, owner: number): boolean {
    if (!this.isFree(mfn)) return false;
    this.take(mfn, owner);
    return true;
  }

  /** Return a frame whose last reference was dropped. */
  release(mfn: number): void {
    const f = this.frames;
    f.owner[mfn] = DOMID_INVALID;
    f.count[mfn] = 0;
    f.allocated[mfn] = 0;
    f.special[mfn] = 0;
    f.type[mfn] = PGT_none;
    f.typeCount[mfn] = 0;
    f.validated[mfn] = 0;
    f.pinned[mfn] = 0;
    f.linearCount[mfn] = 0;
    f.dirty[mfn] = 1;
    this.pushFree(mfn);
  }

  private pushFree(mfn: number): void {
    this.free[mfn] = 1;
    this.freeList.push(mfn);
    this.nrFree++;
  }

  private take(mfn: number, owner: number): void {
    const f = this.frames;
    this.free[mfn] = 0;
    this.nrFree--;
    if (f.dirty[mfn]) {
      this.mem.fill(mfn * PAGE_SIZE, PAGE_SIZE, 0);
      f.dirty[mfn] = 0;
    }
    f.owner[mfn] = owner;
    f.count[mfn] = 1;
    f.allocated[mfn] = 1;
    f.type[mfn] = PGT_none;
    f.typeCount[mfn] = 0;
    f.validated[mfn] = 0;
    f.pinned[mfn] = 0;
  }
}
