import type { Domain } from '../domain/domain';
import type { HostMemory } from '../mm/host-memory';
import { PAGE_SIZE } from '../public/page';
import {
  GNTPIN_devw_mask,
  GNTPIN_hstw_mask,
  GRANT_ENTRY_DOMID,
  GRANT_ENTRY_FLAGS,
  GRANT_ENTRY_FRAME,
  GRANT_ENTRY_V1_SIZE,
  GRANTS_PER_FRAME_V1,
  GTF_reading,
  GTF_writing,
  INITIAL_NR_GRANT_FRAMES,
} from './abi';

/** active_grant_entry: Xen's shadow of an in-use grant. */
export interface ActiveGrant {
  /** GNTPIN_* counters. */
  pin: number;
  /** The domain the grant is being used by. */
  domid: number;
  mfn: number;
}

/**
 * One domain's grant table (v1): the shared frames (Xen-heap pages owned by and shared with the
 * domain, growing up to `maxFrames`) and the active entries. A destroyed domain's table lingers as
 * `dying` while others still hold pins; its frames are gone by then, so nothing is written to them.
 */
export class GrantTable {
  readonly version = 1;
  /** MFNs of the shared frames, in table order. */
  readonly frames: number[] = [];
  /** The gpfn each frame was placed at with add_to_physmap (undefined = never). */
  readonly frameGpfn: Array<bigint | undefined> = [];
  readonly active = new Map<number, ActiveGrant>();
  dying = false;

  constructor(
    readonly domain: Domain,
    private readonly host: HostMemory,
    readonly maxFrames: number,
  ) {}

  get domid(): number {
    return this.domain.id;
  }

  /** nr_grant_entries(). */
  get nrEntries(): number {
    return this.frames.length * GRANTS_PER_FRAME_V1;
  }

  /** gnttab_grow_table(): allocate shared frames up to `n` (at least INITIAL_NR_GRANT_FRAMES). */
  grow(n: number): boolean {
    const want = Math.max(n, INITIAL_NR_GRANT_FRAMES);
    if (want > this.maxFrames) return false;
    const added: number[] = [];
    while (this.frames.length + added.length < want) {
      const mfn = this.host.allocSpecialFrame(this.domid);
      if (mfn === undefined) {
        for (const m of added) this.host.releaseAllocation(m);
        return false;
      }
      added.push(mfn);
    }
    for (const m of added) {
      this.frames.push(m);
      this.frameGpfn.push(undefined);
    }
    return true;
  }

  private entryAddr(ref: number): number {
    const frame = this.frames[Math.floor(ref / GRANTS_PER_FRAME_V1)];
    return frame * PAGE_SIZE + (ref % GRANTS_PER_FRAME_V1) * GRANT_ENTRY_V1_SIZE;
  }

  readEntry(ref: number): { flags: number; domid: number; frame: number } {
    const a = this.entryAddr(ref);
    const mem = this.host.mem;
    return {
      flags: mem.readU16(a + GRANT_ENTRY_FLAGS),
      domid: mem.readU16(a + GRANT_ENTRY_DOMID),
      frame: mem.readU32(a + GRANT_ENTRY_FRAME),
    };
  }

  /** Guest-side helper (tests, toolstack seeding): domid and frame first, then the flags. */
  writeEntry(ref: number, flags: number, domid: number, frame: number): void {
    const a = this.entryAddr(ref);
    const mem = this.host.mem;
    mem.writeU16(a + GRANT_ENTRY_DOMID, domid);
    mem.writeU32(a + GRANT_ENTRY_FRAME, frame);
    mem.writeU16(a + GRANT_ENTRY_FLAGS, flags);
  }

  setFlags(ref: number, bits: number): void {
    if (this.dying) return;
    const a = this.entryAddr(ref) + GRANT_ENTRY_FLAGS;
    this.host.mem.writeU16(a, this.host.mem.readU16(a) | bits);
  }

  /** gnttab_clear_flags(). */
  clearFlags(ref: number, bits: number): void {
    if (this.dying) return;
    const a = this.entryAddr(ref) + GRANT_ENTRY_FLAGS;
    this.host.mem.writeU16(a, this.host.mem.readU16(a) & ~bits);
  }

  /** The active entry of `ref` (created idle on first use). */
  act(ref: number): ActiveGrant {
    let a = this.active.get(ref);
    if (!a) {
      a = { pin: 0, domid: 0, mfn: 0 };
      this.active.set(ref, a);
    }
    return a;
  }

  /**
   * After a pin count dropped: clear GTF_writing when no writable pin is left (if this use was
   * writable), GTF_reading when no pin is left at all.
   */
  settleFlags(ref: number, wasWritable: boolean): void {
    const a = this.act(ref);
    let clear = 0;
    if (wasWritable && !(a.pin & (GNTPIN_hstw_mask | GNTPIN_devw_mask))) clear |= GTF_writing;
    if (a.pin === 0) clear |= GTF_reading;
    if (clear) this.clearFlags(ref, clear);
    if (a.pin === 0) this.active.delete(ref);
  }

  get pinned(): boolean {
    for (const a of this.active.values()) if (a.pin !== 0) return true;
    return false;
  }
}
