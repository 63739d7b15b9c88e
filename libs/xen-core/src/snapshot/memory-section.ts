/**
 * The memory section: every ordinary page of the domain in pfn order (all-zero pages carry no
 * content), with its M2P entry and page-table state, plus the words outside page tables where the
 * guest was told a machine frame (start_info, the p2m list).
 *
 * Page tables hold machine frame numbers, which differ on the target host, so the entries of
 * every validated table are written with frame *names* (frame-names.ts) instead of mfns and
 * rewritten to the target's mfns on restore. Nothing is trusted on the way back: the rewritten
 * tables are only ever made live through the normal pin / validate path (`MMUEXT_PIN_Ln_TABLE`,
 * new_guest_cr3), so a corrupt snapshot cannot install a mapping the PV MMU would refuse.
 *
 * Per page: u32 pfn, u8 page type, u8 flags (PINNED, TABLE = entries are names, ZERO = no
 * content), u64 M2P entry, then 4096 bytes unless ZERO. Then u32 fixups × {u32 pfn, u16 offset,
 * u32 count, u8 kind}: `count` u64 words from (pfn, offset) on, running into the following pfns,
 * that hold an mfn (kind 0) or a machine address (kind 1).
 */
import type { Domain } from '../domain/domain';
import { isPageTableType, PGT_l4_page_table, type PageType } from '../mm/frame-table';
import type { HostMemory } from '../mm/host-memory';
import { isGuestL4Slot } from '../mm/page-types';
import { pteFromBigInt, pteToBigInt } from '../mm/pte';
import { _PAGE_GNTTAB, _PAGE_PRESENT, PAGE_SIZE, PAGETABLE_ENTRIES } from '../public/page';
import { FieldReader, FieldWriter, SnapshotError } from './codec';
import { FrameNamer, FrameResolver, MAX_PFN, NO_NAME, SPECIAL_NAME_BASE } from './frame-names';

const PINNED = 1;
const TABLE = 2;
const ZERO = 4;
const FLAG_BITS = PINNED | TABLE | ZERO;
/** At most this many fixed-up words (a 4 GiB guest's p2m list has 2^20). */
const MAX_FIXUP_WORDS = 1 << 24;
const MAX_FIXUPS = 64;

export type FixupKind = 'mfn' | 'maddr';
const FIXUP_KINDS: readonly FixupKind[] = ['mfn', 'maddr'];

/** `count` consecutive u64 words from byte `offset` of page `pfn` hold machine frames. */
export interface WordFixup {
  pfn: number;
  offset: number;
  count: number;
  kind: FixupKind;
}

export interface SavedPage {
  pfn: number;
  type: PageType;
  pinned: boolean;
  /** Entries are frame names (a validated page table). */
  table: boolean;
  m2p: bigint;
  /** undefined = all zero. */
  data: Uint8Array | undefined;
}

export interface MemoryImage {
  pages: SavedPage[];
  fixups: WordFixup[];
}

/** What saving dropped: mappings of frames the snapshot cannot carry (grant maps, foreign pages). */
export interface MemoryReport {
  droppedMappings: number;
}

const isZero = (b: Uint8Array): boolean => {
  for (let i = 0; i < b.length; i++) if (b[i] !== 0) return false;
  return true;
};

function nameEntries(page: Uint8Array, level: number, namer: FrameNamer, report: MemoryReport): void {
  const dv = new DataView(page.buffer, page.byteOffset, page.byteLength);
  for (let i = 0; i < PAGETABLE_ENTRIES; i++) {
    if (level === PGT_l4_page_table && !isGuestL4Slot(i)) {
      dv.setBigUint64(i * 8, 0n, true); // Xen's slots: rebuilt by validation on the target
      continue;
    }
    const e = pteFromBigInt(dv.getBigUint64(i * 8, true));
    if (!(e.flags & _PAGE_PRESENT)) continue;
    const name = e.flags & _PAGE_GNTTAB ? undefined : namer.name(e.mfn);
    if (name === undefined) {
      dv.setBigUint64(i * 8, 0n, true);
      report.droppedMappings++;
      continue;
    }
    dv.setBigUint64(i * 8, pteToBigInt({ mfn: name, flags: e.flags }), true);
  }
}

/** Walk a fixup's words across pages; `f` rewrites each word. False if it runs off the pages. */
function eachFixupWord(pages: Map<number, Uint8Array>, fx: WordFixup, f: (v: bigint) => bigint): boolean {
  let pfn = fx.pfn;
  let off = fx.offset;
  for (let n = 0; n < fx.count; n++) {
    if (off === PAGE_SIZE) {
      pfn++;
      off = 0;
    }
    const page = pages.get(pfn);
    if (!page) return false;
    const dv = new DataView(page.buffer, page.byteOffset, page.byteLength);
    dv.setBigUint64(off, BigInt.asUintN(64, f(dv.getBigUint64(off, true))), true);
    off += 8;
  }
  return true;
}

/** What a fixed-up word holding 0 ("none", e.g. no xenstore ring) becomes: 0 would be pfn 0. */
const NONE_NAME = NO_NAME - 1;

function rewriteFixups(
  pages: Map<number, Uint8Array>,
  fixups: readonly WordFixup[],
  frame: (mfnOrName: number) => number,
  direction: 'save' | 'restore',
): void {
  for (const fx of fixups) {
    const ok = eachFixupWord(pages, fx, (v) => {
      if (direction === 'save' && v === 0n) return BigInt(NONE_NAME);
      if (direction === 'restore' && v === BigInt(NONE_NAME)) return 0n;
      if (fx.kind === 'mfn') return v < 2n ** 40n ? BigInt(frame(Number(v))) : v;
      const mfn = v / BigInt(PAGE_SIZE);
      return mfn < 2n ** 40n ? BigInt(frame(Number(mfn))) * BigInt(PAGE_SIZE) + (v % BigInt(PAGE_SIZE)) : v;
    });
    if (!ok) throw new SnapshotError(`fixup at pfn ${fx.pfn} runs past the domain's pages`);
  }
}

/** Capture the domain's pages (the domain must not run meanwhile). */
export function captureMemory(
  host: HostMemory,
  d: Domain,
  namer: FrameNamer,
  fixups: readonly WordFixup[],
  report: MemoryReport,
): MemoryImage {
  const f = host.frames;
  const pages: SavedPage[] = [];
  const copies = new Map<number, Uint8Array>();
  for (const pfn of [...d.p2m.keys()].sort((a, b) => a - b)) {
    const mfn = d.p2m.get(pfn)!;
    if (f.special[mfn] || f.owner[mfn] !== d.id || f.count[mfn] === 0) continue; // grant frames: GRNT
    const type = f.type[mfn] as PageType;
    const table = isPageTableType(type) && f.validated[mfn] === 1 && f.typeCount[mfn] > 0;
    const data = host.mem.readBytes(mfn * PAGE_SIZE, PAGE_SIZE).slice();
    if (table) nameEntries(data, type, namer, report);
    copies.set(pfn, data);
    pages.push({ pfn, type, pinned: f.pinned[mfn] === 1, table, m2p: host.m2p.get(mfn), data });
  }
  // Fixups name frames as tables do; a word naming nothing of the domain's becomes NO_NAME.
  rewriteFixups(copies, fixups, (mfn) => namer.name(mfn) ?? NO_NAME, 'save');
  for (const p of pages) if (p.data && isZero(p.data)) p.data = undefined;
  return { pages, fixups: [...fixups] };
}

export function writeMemory(w: FieldWriter, img: MemoryImage): void {
  w.u32(img.pages.length);
  for (const p of img.pages) {
    w.u32(p.pfn);
    w.u8(p.type);
    w.u8((p.pinned ? PINNED : 0) | (p.table ? TABLE : 0) | (p.data ? 0 : ZERO));
    w.u64(p.m2p);
    if (p.data) w.raw(p.data);
  }
  w.u32(img.fixups.length);
  for (const fx of img.fixups) {
    w.u32(fx.pfn);
    w.u16(fx.offset);
    w.u32(fx.count);
    w.u8(FIXUP_KINDS.indexOf(fx.kind));
  }
}

/** Read and check the section (nothing is allocated yet). `maxPages` bounds the page count. */
export function readMemory(r: FieldReader, maxPages: number): MemoryImage {
  const n = r.u32In('page count', 0, maxPages);
  const pages: SavedPage[] = [];
  let last = -1;
  for (let i = 0; i < n; i++) {
    const pfn = r.u32();
    if (pfn > MAX_PFN || pfn <= last) throw new SnapshotError(`memory: pfn ${pfn} out of order`);
    last = pfn;
    const type = r.u8();
    const flags = r.u8();
    if (type > 7 || flags & ~FLAG_BITS) throw new SnapshotError(`memory: pfn ${pfn} has bad type/flags`);
    const table = (flags & TABLE) !== 0;
    const pinned = (flags & PINNED) !== 0;
    if ((table || pinned) && !isPageTableType(type))
      throw new SnapshotError(`memory: pfn ${pfn} is pinned or a table but of type ${type}`);
    if (pinned && !table) throw new SnapshotError(`memory: pinned pfn ${pfn} is not a validated table`);
    const m2p = r.u64();
    const data = flags & ZERO ? undefined : r.raw(PAGE_SIZE);
    pages.push({ pfn, type: type as PageType, pinned, table, m2p, data });
  }
  const fixups: WordFixup[] = [];
  const nf = r.u32In('fixup count', 0, MAX_FIXUPS);
  for (let i = 0; i < nf; i++) {
    const pfn = r.u32();
    const offset = r.u16();
    const count = r.u32In('fixup words', 0, MAX_FIXUP_WORDS);
    const kind = FIXUP_KINDS[r.u8()];
    if (!kind || offset % 8 !== 0 || offset >= PAGE_SIZE)
      throw new SnapshotError(`memory: bad fixup at pfn ${pfn} offset ${offset}`);
    fixups.push({ pfn, offset, count, kind });
  }
  r.end();
  return { pages, fixups };
}

/**
 * Write the pages into the restored domain's frames (already allocated: `resolver`), with table
 * entries and fixed-up words turned back into this host's mfns. A name the domain does not have is
 * a SnapshotError. Nothing is validated here; `pinTables` does that.
 */
export function loadMemory(host: HostMemory, img: MemoryImage, resolver: FrameResolver): void {
  const bytes = new Map<number, Uint8Array>();
  for (const p of img.pages) bytes.set(p.pfn, p.data ? p.data.slice() : new Uint8Array(PAGE_SIZE));
  const resolve = (name: number, where: string): number => {
    const mfn = resolver.resolve(name);
    if (mfn === undefined)
      throw new SnapshotError(`memory: ${where} names frame ${name}, which is not the domain's`);
    return mfn;
  };
  for (const p of img.pages) {
    if (!p.table) continue;
    const page = bytes.get(p.pfn)!;
    const dv = new DataView(page.buffer);
    for (let i = 0; i < PAGETABLE_ENTRIES; i++) {
      if (p.type === PGT_l4_page_table && !isGuestL4Slot(i)) {
        dv.setBigUint64(i * 8, 0n, true);
        continue;
      }
      const e = pteFromBigInt(dv.getBigUint64(i * 8, true));
      if (!(e.flags & _PAGE_PRESENT)) continue;
      const mfn = resolve(e.mfn, `entry ${i} of the table at pfn ${p.pfn}`);
      dv.setBigUint64(i * 8, pteToBigInt({ mfn, flags: e.flags }), true);
    }
  }
  // A fixed-up word naming nothing (NO_NAME, or junk) stays an impossible frame for the guest.
  rewriteFixups(
    bytes,
    img.fixups,
    (name) => (name < SPECIAL_NAME_BASE * 2 ? (resolver.resolve(name) ?? NO_NAME) : NO_NAME),
    'restore',
  );
  for (const p of img.pages) {
    const mfn = resolver.mfn(p.pfn);
    host.mem.writeBytes(mfn * PAGE_SIZE, bytes.get(p.pfn)!);
    host.m2p.set(mfn, p.m2p);
  }
}
