import type { Domain } from '../domain/domain';
import { PGT_l1_page_table } from '../mm/frame-table';
import { findL1Slot } from '../mm/l1-lookup';
import { ALL, MmEffect } from '../mm/mm-effects';
import { entryMaddr, makePte, Pte, readPte, writePte } from '../mm/pte';
import { adjustGuestL1e } from '../mm/pte-adjust';
import { addrOk, PvMmu, toMfn } from '../mm/pv-mmu';
import {
  _PAGE_ACCESSED,
  _PAGE_AVAIL,
  _PAGE_DIRTY,
  _PAGE_GLOBAL,
  _PAGE_GNTTAB,
  _PAGE_GUEST_KERNEL,
  _PAGE_NX,
  _PAGE_PRESENT,
  _PAGE_RW,
  _PAGE_USER,
} from '../public/page';
import {
  _GNTMAP_guest_avail0,
  GNTMAP_application_map,
  GNTMAP_contains_pte,
  GNTMAP_readonly,
  GNTST_general_error,
  GNTST_okay,
} from './abi';

/** The mapping domain's page tables: whose they are and which root resolves linear addresses. */
export interface PteOwner {
  domain: Domain;
  /** Kernel (or active) L4 used for linear `host_addr`s (map_guest_l1e walks the current tables). */
  root: number;
  effects: MmEffect[];
}

/** grant_to_pte_flags() (cache attributes only apply to I/O memory, never granted here). */
export function grantPteFlags(gntmap: number): number {
  let f = _PAGE_PRESENT | _PAGE_ACCESSED | _PAGE_DIRTY | _PAGE_GNTTAB | _PAGE_NX;
  if (gntmap & GNTMAP_application_map) f |= _PAGE_USER;
  if (!(gntmap & GNTMAP_readonly)) f |= _PAGE_RW;
  f |= ((gntmap >>> _GNTMAP_guest_avail0) << 9) & _PAGE_AVAIL;
  return f;
}

/**
 * The L1 entry `addr` names: a PTE machine address (GNTMAP_contains_pte, 8-byte aligned) or a
 * linear address whose L1 is found through the owner's tables. The L1 must be the mapper's own
 * in-use L1 page table.
 */
function locatePte(mmu: PvMmu, o: PteOwner, addr: bigint, gntmap: number): number | undefined {
  const { host } = mmu;
  const f = host.frames;
  let l1Mfn: number;
  let maddr: number;
  if (gntmap & GNTMAP_contains_pte) {
    if (addr & 7n) return undefined;
    l1Mfn = toMfn(addr >> 12n);
    if (!f.valid(l1Mfn)) return undefined;
    maddr = Number(addr);
  } else {
    if (!addrOk(addr)) return undefined;
    const loc = findL1Slot(host.mem, f.nrFrames, o.root, addr);
    if (!loc) return undefined;
    l1Mfn = loc.l1Mfn;
    maddr = entryMaddr(loc.l1Mfn, loc.slot);
  }
  if (f.liveOwner(l1Mfn) !== o.domain.id) return undefined;
  const isL1 = f.type[l1Mfn] === PGT_l1_page_table && f.typeCount[l1Mfn] > 0 && f.validated[l1Mfn] === 1;
  return isL1 ? maddr : undefined;
}

function flushFor(addr: bigint, gntmap: number): MmEffect {
  return gntmap & GNTMAP_contains_pte
    ? { kind: 'tlb-flush', target: ALL }
    : { kind: 'invlpg', va: BigInt.asUintN(64, addr), target: ALL };
}

/**
 * create_grant_pv_mapping(): write `mfn | grant flags` (adjusted like any guest L1e, tagged
 * _PAGE_GNTTAB) into the mapper's L1 and release what the entry mapped before. The references on
 * `mfn` belong to the maptrack entry, not to the PTE.
 */
export function createGrantHostMapping(
  mmu: PvMmu,
  o: PteOwner,
  addr: bigint,
  mfn: number,
  gntmap: number,
): number {
  const maddr = locatePte(mmu, o, addr, gntmap);
  if (maddr === undefined) return GNTST_general_error;
  const mem = mmu.host.mem;
  const old = readPte(mem, maddr);
  writePte(mem, maddr, adjustGuestL1e(makePte(mfn, grantPteFlags(gntmap))));
  mmu.types.putPageFromL1e(old);
  o.effects.push(flushFor(addr, gntmap));
  return GNTST_okay;
}

/**
 * replace_grant_pv_mapping(): the PTE at `addr` must still map `mfn` with the grant's P/RW; it is
 * cleared, or replaced by the entry stolen from `newAddr` (unmap_and_replace).
 */
export function replaceGrantHostMapping(
  mmu: PvMmu,
  o: PteOwner,
  addr: bigint,
  mfn: number,
  newAddr: bigint,
  gntmap: number,
): number {
  const mem = mmu.host.mem;
  let replacement: Pte = makePte(0, 0);
  if (newAddr !== 0n) {
    const from = locatePte(mmu, o, newAddr, gntmap & ~GNTMAP_contains_pte);
    if (from === undefined) return GNTST_general_error;
    replacement = readPte(mem, from);
    writePte(mem, from, makePte(0, 0));
    o.effects.push(flushFor(newAddr, 0));
  }
  const maddr = locatePte(mmu, o, addr, gntmap);
  let expect = grantPteFlags(gntmap);
  expect |= expect & _PAGE_USER ? _PAGE_GLOBAL : _PAGE_GUEST_KERNEL | _PAGE_USER;
  const cur = maddr === undefined ? undefined : readPte(mem, maddr);
  if (maddr === undefined || !cur || cur.mfn !== mfn || (cur.flags ^ expect) & (_PAGE_PRESENT | _PAGE_RW)) {
    mmu.types.putPageFromL1e(replacement);
    return GNTST_general_error;
  }
  writePte(mem, maddr, replacement);
  o.effects.push(flushFor(addr, gntmap));
  return GNTST_okay;
}
