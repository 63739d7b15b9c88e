import type { GuestPhysicalMemory } from '../mem/guest-physical-memory';
import { _PAGE_ACCESSED, _PAGE_PRESENT, _PAGE_USER, PAGE_SIZE, PAGETABLE_ENTRIES } from '../public/page';
import { DOMID_XEN, INVALID_M2P_ENTRY } from '../public/xen';
import { FrameAllocator } from './frame-allocator';
import { FrameTable } from './frame-table';
import { entryMaddr, makePte, Pte, writePte } from './pte';

/** The M2P is backed by 2 MiB chunks (what XENMEM_machphys_mfn_list reports). */
export const M2P_CHUNK_FRAMES = 512;
const RO_FLAGS = _PAGE_PRESENT | _PAGE_USER | _PAGE_ACCESSED;

/**
 * The machine-to-physical table: `m2p[mfn] = pfn`, one u64 per host frame,
 * stored in hypervisor-owned machine frames so that guests can read it through
 * the read-only mapping at RO_MPT_VIRT_START (L4 slot 256). The mapping is one
 * Xen-owned L3, one L2 and one L1 per chunk, all read-only and user-accessible.
 */
export class MachToPhys {
  readonly chunkMfns: number[] = [];
  readonly l3Mfn: number;
  /** The entry Xen puts in L4 slot 256 of guest kernel roots. */
  readonly roMptL4e: Pte;
  private readonly tableBase: number;

  constructor(
    private readonly mem: GuestPhysicalMemory,
    frames: FrameTable,
    allocator: FrameAllocator,
  ) {
    const bytes = frames.nrFrames * 8;
    const nrChunks = Math.ceil(bytes / (M2P_CHUNK_FRAMES * PAGE_SIZE));
    for (let i = 0; i < nrChunks; i++) {
      const base = allocator.allocContiguous(9, DOMID_XEN);
      if (base === undefined) throw new RangeError('host memory too small for the M2P table');
      for (let j = 0; j < M2P_CHUNK_FRAMES; j++) frames.special[base + j] = 1;
      this.chunkMfns.push(base);
      mem.fill(base * PAGE_SIZE, M2P_CHUNK_FRAMES * PAGE_SIZE, 0xff);
    }
    this.tableBase = this.chunkMfns[0] * PAGE_SIZE;
    const xenFrame = (): number => {
      const mfn = allocator.alloc(DOMID_XEN);
      if (mfn === undefined) throw new RangeError('host memory too small for the M2P mapping');
      frames.special[mfn] = 1;
      return mfn;
    };
    this.l3Mfn = xenFrame();
    const l2 = xenFrame();
    if (nrChunks > PAGETABLE_ENTRIES) throw new RangeError('host memory larger than one M2P L2 maps');
    writePte(mem, entryMaddr(this.l3Mfn, 0), makePte(l2, RO_FLAGS));
    this.chunkMfns.forEach((chunk, i) => {
      const l1 = xenFrame();
      writePte(mem, entryMaddr(l2, i), makePte(l1, RO_FLAGS));
      for (let j = 0; j < M2P_CHUNK_FRAMES; j++) {
        writePte(mem, entryMaddr(l1, j), makePte(chunk + j, RO_FLAGS));
      }
    });
    // No NX anywhere: the CPU may run without EFER.NXE, where bit 63 is reserved.
    this.roMptL4e = makePte(this.l3Mfn, RO_FLAGS);
    // Chunks after the first must be contiguous for the flat accessors below.
    this.chunkMfns.forEach((c, i) => {
      if (c !== this.chunkMfns[0] + i * M2P_CHUNK_FRAMES) throw new RangeError('M2P chunks not contiguous');
    });
  }

  get(mfn: number): bigint {
    return this.mem.readU64(this.tableBase + mfn * 8);
  }

  set(mfn: number, pfn: bigint): void {
    this.mem.writeU64(this.tableBase + mfn * 8, pfn);
  }

  invalidate(mfn: number): void {
    this.set(mfn, INVALID_M2P_ENTRY);
  }
}
