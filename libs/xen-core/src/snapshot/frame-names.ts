/**
 * Host-independent names for a domain's frames. Machine frame numbers differ on every host, so a
 * snapshot names each frame the guest can reference by what it is to the domain: an ordinary page
 * by its guest pfn, shared_info and the grant-table frames (Xen-heap pages that have no pfn of
 * their own in a PV domain) by a number above every pfn. The saver turns mfns into names
 * (`FrameNamer`), the restorer names back into the target host's mfns (`FrameResolver`).
 */
import type { Domain } from '../domain/domain';
import type { HostMemory } from '../mm/host-memory';
import { SnapshotError } from './codec';

/** Names ≥ this are special frames: +0 shared_info, +1+i grant frame i. Fits a PTE's 40-bit frame field. */
export const SPECIAL_NAME_BASE = 2 ** 36;
const SHARED_INFO_NAME = SPECIAL_NAME_BASE;
const grantName = (i: number): number => SPECIAL_NAME_BASE + 1 + i;
/** What an mfn that is not the domain's becomes (never resolves). */
export const NO_NAME = 2 ** 40 - 1;

/** The largest pfn a snapshot may name (PV guests here live in < 4 GiB hosts; keeps names < 2^36). */
export const MAX_PFN = 2 ** 32 - 1;

export class FrameNamer {
  private readonly names = new Map<number, number>();

  constructor(d: Domain, sharedInfoMfn: number, grantFrames: readonly number[], specials: Uint8Array) {
    // Ordinary pages only: the p2m record may also list grant frames placed with add_to_physmap.
    for (const [pfn, mfn] of d.p2m) if (!specials[mfn]) this.names.set(mfn, pfn);
    this.names.set(sharedInfoMfn, SHARED_INFO_NAME);
    grantFrames.forEach((mfn, i) => this.names.set(mfn, grantName(i)));
  }

  /** The name of `mfn`, or undefined if it is not one of the domain's frames. */
  name(mfn: number): number | undefined {
    return this.names.get(mfn);
  }

  /** The pfn of an ordinary page (throws for anything else: roots, GDT frames, vcpu_info). */
  pfn(mfn: number): number {
    const n = this.names.get(mfn);
    if (n === undefined || n >= SPECIAL_NAME_BASE)
      throw new SnapshotError(`mfn ${mfn} is not an ordinary page of the domain`);
    return n;
  }
}

export class FrameResolver {
  constructor(
    private readonly p2m: ReadonlyMap<number, number>,
    private readonly sharedInfoMfn: number,
    private readonly grantFrames: readonly number[],
    private readonly host: HostMemory,
  ) {}

  /** The target mfn a name stands for, or undefined if the snapshot names something the domain lacks. */
  resolve(name: number): number | undefined {
    if (name === SHARED_INFO_NAME) return this.sharedInfoMfn;
    if (name > SHARED_INFO_NAME) return this.grantFrames[name - SHARED_INFO_NAME - 1];
    const mfn = this.p2m.get(name);
    // Ordinary pages only (the restored p2m record may list grant frames too).
    return mfn !== undefined && !this.host.frames.special[mfn] ? mfn : undefined;
  }

  /** The mfn of an ordinary page; a SnapshotError if the domain has no such pfn. */
  mfn(pfn: number): number {
    const mfn = pfn < SPECIAL_NAME_BASE ? this.resolve(pfn) : undefined;
    if (mfn === undefined)
      throw new SnapshotError(`snapshot names pfn ${pfn}, which the domain does not have`);
    return mfn;
  }
}
