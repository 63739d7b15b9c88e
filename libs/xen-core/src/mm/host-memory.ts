import type { GuestPhysicalMemory } from '../mem/guest-physical-memory';
import { PAGE_SIZE } from '../public/page';
import { FrameAllocator } from './frame-allocator';
import { FrameTable } from './frame-table';
import { MachToPhys } from './m2p';

/** Per-domain reservation accounting (Xen's tot_pages / max_pages). */
export interface MemoryAccount {
  readonly id: number;
  totPages: number;
  maxPages: number;
}

/**
 * The emulated host's memory: machine frames, who owns them, the allocator and
 * the M2P. Domain frames are allocated and freed only through here so that the
 * reservation accounting stays exact.
 */
export class HostMemory {
  readonly frames: FrameTable;
  readonly allocator: FrameAllocator;
  readonly m2p: MachToPhys;
  private readonly accounts = new Map<number, MemoryAccount>();

  constructor(readonly mem: GuestPhysicalMemory) {
    if (mem.size % PAGE_SIZE !== 0 || mem.size === 0) throw new RangeError('memory size must be whole pages');
    this.frames = new FrameTable(mem.size / PAGE_SIZE);
    this.allocator = new FrameAllocator(this.frames, mem);
    this.m2p = new MachToPhys(mem, this.frames, this.allocator);
  }

  /** max_page: highest host MFN + 1. */
  get maxPage(): number {
    return this.frames.nrFrames;
  }

  registerAccount(account: MemoryAccount): void {
    this.accounts.set(account.id, account);
  }

  unregisterAccount(id: number): void {
    this.accounts.delete(id);
  }

  account(id: number): MemoryAccount | undefined {
    return this.accounts.get(id);
  }

  /** Frames a domain could still get: limited by both its reservation and free memory. */
  headroom(id: number): number {
    const a = this.accounts.get(id);
    return a ? Math.min(a.maxPages - a.totPages, this.allocator.freeFrames) : 0;
  }

  /** Allocate 2^order frames to a domain (counted in tot_pages); undefined if over max or out of memory. */
  allocDomainFrames(id: number, order = 0): number | undefined {
    const a = this.accounts.get(id);
    const n = 2 ** order;
    if (!a || a.totPages + n > a.maxPages) return undefined;
    const mfn = this.allocator.allocContiguous(order, id);
    if (mfn === undefined) return undefined;
    a.totPages += n;
    for (let i = 0; i < n; i++) this.m2p.invalidate(mfn + i);
    return mfn;
  }

  /** Allocate a Xen-heap page shared with a domain (not counted: shared_info). */
  allocSpecialFrame(owner: number): number | undefined {
    const mfn = this.allocator.alloc(owner);
    if (mfn === undefined) return undefined;
    this.frames.special[mfn] = 1;
    this.m2p.invalidate(mfn);
    return mfn;
  }

  /** get_page(): take a general reference if `owner` owns the live frame. */
  getPage(mfn: number, owner: number): boolean {
    const f = this.frames;
    if (!f.valid(mfn) || f.count[mfn] === 0 || f.owner[mfn] !== owner) return false;
    f.count[mfn]++;
    return true;
  }

  /** put_page(): drop a general reference, freeing the frame on the last one. */
  putPage(mfn: number): void {
    const f = this.frames;
    if (f.count[mfn] === 0) throw new Error(`put_page underflow: ${f.describe(mfn)}`);
    if (--f.count[mfn] === 0) this.freeFrame(mfn);
  }

  /** Drop the allocation reference (guest_remove_page / domain teardown). */
  releaseAllocation(mfn: number): boolean {
    const f = this.frames;
    if (!f.allocated[mfn]) return false;
    f.allocated[mfn] = 0;
    this.putPage(mfn);
    return true;
  }

  private freeFrame(mfn: number): void {
    const f = this.frames;
    if (f.typeCount[mfn] !== 0) throw new Error(`freeing frame with type references: ${f.describe(mfn)}`);
    const a = this.accounts.get(f.owner[mfn]);
    if (a && !f.special[mfn]) a.totPages--;
    this.m2p.invalidate(mfn);
    this.allocator.release(mfn);
  }
}
