import type { GuestPhysicalMemory } from '../mem/guest-physical-memory';
import { _PAGE_PRESENT, _PAGE_PSE } from '../public/page';
import { entryMaddr, readPte } from './pte';

/**
 * map_guest_l1e(): find the L1 table and slot that map `va` under root
 * `l4Mfn` (L4/L3/L2 entries present, no superpages). No permission checks.
 */
export function findL1Slot(
  mem: GuestPhysicalMemory,
  nrFrames: number,
  l4Mfn: number,
  va: bigint,
): { l1Mfn: number; slot: number } | undefined {
  const v = BigInt.asUintN(64, va);
  let table = l4Mfn;
  for (let level = 4; level >= 2; level--) {
    if (table === 0 || table >= nrFrames) return undefined;
    const slot = Number((v >> BigInt(12 + 9 * (level - 1))) & 511n);
    const e = readPte(mem, entryMaddr(table, slot));
    if ((e.flags & (_PAGE_PRESENT | _PAGE_PSE)) !== _PAGE_PRESENT) return undefined;
    table = e.mfn;
  }
  if (table >= nrFrames) return undefined;
  return { l1Mfn: table, slot: Number((v >> 12n) & 511n) };
}
