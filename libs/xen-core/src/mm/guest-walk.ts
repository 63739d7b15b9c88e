import type { GuestPhysicalMemory } from '../mem/guest-physical-memory';
import { _PAGE_PRESENT, _PAGE_PSE, _PAGE_RW, _PAGE_USER, PAGE_SIZE } from '../public/page';
import { entryMaddr, Pte, readPte } from './pte';

export interface WalkAccess {
  write: boolean;
  /** Check U/S at every level (PV guests run at CPL 3, so their accesses are user accesses). */
  user: boolean;
}

export type WalkResult =
  | { ok: true; maddr: number; l1Mfn: number | undefined; pte: Pte }
  | { ok: false; level: number; reason: 'non-canonical' | 'not-present' | 'user' | 'write' | 'bad-frame' };

export function isCanonical(va: bigint): boolean {
  const top = va >> 47n;
  return top === 0n || top === 0x1ffffn;
}

/**
 * A guest-virtual → machine walk through 4-level tables rooted at `l4Mfn`,
 * with hardware permission semantics (CR0.WP=1: writes need RW everywhere).
 * Accessed/dirty bits are left to the CPU's MMU.
 */
export function walkGuest(
  mem: GuestPhysicalMemory,
  nrFrames: number,
  l4Mfn: number,
  va: bigint,
  access: WalkAccess,
): WalkResult {
  const v = BigInt.asUintN(64, va);
  if (!isCanonical(v)) return { ok: false, level: 4, reason: 'non-canonical' };
  let table = l4Mfn;
  for (let level = 4; level >= 1; level--) {
    if (table === 0 && level === 4) return { ok: false, level, reason: 'bad-frame' };
    if (table >= nrFrames) return { ok: false, level, reason: 'bad-frame' };
    const shift = BigInt(12 + 9 * (level - 1));
    const slot = Number((v >> shift) & 511n);
    const e = readPte(mem, entryMaddr(table, slot));
    if (!(e.flags & _PAGE_PRESENT)) return { ok: false, level, reason: 'not-present' };
    if (access.user && !(e.flags & _PAGE_USER)) return { ok: false, level, reason: 'user' };
    if (access.write && !(e.flags & _PAGE_RW)) return { ok: false, level, reason: 'write' };
    if (level === 1 || ((level === 2 || level === 3) && e.flags & _PAGE_PSE)) {
      const span = 2 ** (9 * (level - 1));
      const offsetPages = level === 1 ? 0 : Number((v >> 12n) & BigInt(span - 1));
      const baseMfn = level === 1 ? e.mfn : e.mfn - (e.mfn % span);
      const mfn = baseMfn + offsetPages;
      if (mfn >= nrFrames) return { ok: false, level, reason: 'bad-frame' };
      return {
        ok: true,
        maddr: mfn * PAGE_SIZE + Number(v & 0xfffn),
        l1Mfn: level === 1 ? table : undefined,
        pte: e,
      };
    }
    table = e.mfn;
  }
  throw new Error('unreachable');
}
