import type { GuestPhysicalMemory } from '../mem/guest-physical-memory';
import { PAGE_SHIFT } from '../public/page';

/**
 * A page-table entry split the way Xen's helpers see it: `mfn` (bits 12..51)
 * and the 24-bit `flags` of get_pte_flags() (bits 0..11 and 52..63).
 * Numbers, not bigints: this is the hot path of every PT update.
 */
export interface Pte {
  mfn: number;
  flags: number;
}

const TWO20 = 0x100000;

export function pteFromHalves(lo: number, hi: number): Pte {
  return { mfn: (lo >>> 12) + (hi & 0xfffff) * TWO20, flags: (lo & 0xfff) | ((hi >>> 20) << 12) };
}

export function pteLo(p: Pte): number {
  return ((p.mfn % TWO20) * 4096 + (p.flags & 0xfff)) >>> 0;
}

export function pteHi(p: Pte): number {
  return ((Math.floor(p.mfn / TWO20) & 0xfffff) | ((p.flags >>> 12) << 20)) >>> 0;
}

export function readPte(mem: GuestPhysicalMemory, maddr: number): Pte {
  return pteFromHalves(mem.readU32(maddr), mem.readU32(maddr + 4));
}

export function writePte(mem: GuestPhysicalMemory, maddr: number, p: Pte): void {
  mem.writeU32(maddr, pteLo(p));
  mem.writeU32(maddr + 4, pteHi(p));
}

export function pteFromBigInt(v: bigint): Pte {
  const u = BigInt.asUintN(64, v);
  return pteFromHalves(Number(u & 0xffffffffn), Number(u >> 32n));
}

export function pteToBigInt(p: Pte): bigint {
  return (BigInt(pteHi(p)) << 32n) | BigInt(pteLo(p));
}

export function makePte(mfn: number, flags: number): Pte {
  return { mfn, flags };
}

/** Machine address of entry `slot` of the table in frame `mfn`. */
export function entryMaddr(mfn: number, slot: number): number {
  return mfn * 4096 + slot * 8;
}

/** l?e_has_changed(): do the two entries differ in mfn or in any flag in `mask`? */
export function pteHasChanged(a: Pte, b: Pte, mask: number): boolean {
  return a.mfn !== b.mfn || ((a.flags ^ b.flags) & mask) !== 0;
}

export const mfnToMaddr = (mfn: number): number => mfn * 2 ** PAGE_SHIFT;
