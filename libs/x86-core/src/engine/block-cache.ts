/**
 * Decoded basic blocks, cached by the PHYSICAL address of their first byte. A block also records the
 * linear address and code size it was decoded for (RIP-relative operands and branch targets are
 * resolved at decode time), so a lookup hits only if all three match.
 *
 * Blocks never span pages, except a one-instruction block for an instruction that straddles a page
 * boundary; that block records the second page's physical address and is re-validated on lookup.
 * Every block is listed under the physical pages it covers so that writes to those pages (guest
 * stores, rep movs/stos, embedder writes through PhysicalMemory) invalidate it.
 */
import type { Insn } from '../decoder/insn';
import type { CompiledBlock } from './block-compiler';

export class Block {
  valid = true;
  /** Compiled form (block-compiler.ts) once the block is hot, and its execution count until then. */
  fn: CompiledBlock | null = null;
  hits = 0;
  /** When compiled as a region: the region's blocks, this one first (engine/block-compiler.ts). */
  region: Block[] | null = null;
  /** Chained successors (two slots), valid while the CPU's translation epoch is unchanged. */
  a: Block | null = null;
  aLo = 0;
  aHi = 0;
  aEpoch = -1;
  b: Block | null = null;
  bLo = 0;
  bHi = 0;
  bEpoch = -1;
  private nextSlot = 0;
  constructor(
    readonly phys: number,
    readonly lo: number,
    readonly hi: number,
    readonly mode: number,
    readonly insns: Insn[],
    /** Bytes covered on the first page. */
    readonly bytes: number,
    /** Physical address of the continuation on the second page (-1 if none) and its byte count. */
    readonly phys2: number,
    readonly bytes2: number,
  ) {}
  get n(): number {
    return this.insns.length;
  }

  /** Remember `next` as the successor for RIP (lo, hi) under translation epoch `epoch`. */
  link(next: Block, lo: number, hi: number, epoch: number): void {
    if (this.nextSlot === 0) {
      this.a = next;
      this.aLo = lo;
      this.aHi = hi;
      this.aEpoch = epoch;
    } else {
      this.b = next;
      this.bLo = lo;
      this.bHi = hi;
      this.bEpoch = epoch;
    }
    this.nextSlot ^= 1;
  }
}

const FRONT_BITS = 14;
const FRONT_MASK = (1 << FRONT_BITS) - 1;

export class BlockCache {
  private readonly front: (Block | null)[] = new Array<Block | null>(1 << FRONT_BITS).fill(null);
  private readonly byPhys = new Map<number, Block>();
  private readonly byPage = new Map<number, Block[]>();
  /** Statistics. */
  built = 0;
  invalidated = 0;

  static hash(phys: number): number {
    return (phys ^ (phys >>> FRONT_BITS)) & FRONT_MASK;
  }

  /** Fast lookup; the caller verifies lo/hi/mode (and phys2). */
  lookup(phys: number): Block | null {
    const b = this.front[BlockCache.hash(phys)];
    if (b !== null && b.phys === phys) return b;
    const m = this.byPhys.get(phys);
    if (m === undefined) return null;
    this.front[BlockCache.hash(phys)] = m;
    return m;
  }

  insert(b: Block): void {
    const old = this.byPhys.get(b.phys);
    if (old !== undefined) this.remove(old);
    this.byPhys.set(b.phys, b);
    this.front[BlockCache.hash(b.phys)] = b;
    this.addToPage(Math.floor(b.phys / 4096), b);
    if (b.phys2 >= 0) this.addToPage(Math.floor(b.phys2 / 4096), b);
    this.built++;
  }

  private addToPage(pfn: number, b: Block): void {
    const l = this.byPage.get(pfn);
    if (l === undefined) this.byPage.set(pfn, [b]);
    else l.push(b);
  }

  private removeFromPage(pfn: number, b: Block): void {
    const l = this.byPage.get(pfn);
    if (l === undefined) return;
    const k = l.indexOf(b);
    if (k >= 0) l.splice(k, 1);
    if (l.length === 0) this.byPage.delete(pfn);
  }

  remove(b: Block): void {
    if (!b.valid) return;
    b.valid = false;
    this.invalidated++;
    if (this.byPhys.get(b.phys) === b) this.byPhys.delete(b.phys);
    const h = BlockCache.hash(b.phys);
    if (this.front[h] === b) this.front[h] = null;
    this.removeFromPage(Math.floor(b.phys / 4096), b);
    if (b.phys2 >= 0) this.removeFromPage(Math.floor(b.phys2 / 4096), b);
  }

  /**
   * Invalidate blocks overlapping [addr, addr+len). Calls `onPageEmpty(pfn)` for pages left without
   * blocks. Returns true if any block was invalidated.
   */
  invalidateRange(addr: number, len: number, onPageEmpty: (pfn: number) => void): boolean {
    let hit = false;
    const first = Math.floor(addr / 4096);
    const last = Math.floor((addr + len - 1) / 4096);
    const end = addr + len;
    for (let pfn = first; pfn <= last; pfn++) {
      const l = this.byPage.get(pfn);
      if (l !== undefined) {
        for (const b of l.slice()) {
          const o1 = b.phys < end && addr < b.phys + b.bytes;
          const o2 = b.phys2 >= 0 && b.phys2 < end && addr < b.phys2 + b.bytes2;
          if (o1 || o2) {
            hit = true;
            this.remove(b);
          }
        }
      }
      if (!this.byPage.has(pfn)) onPageEmpty(pfn);
    }
    return hit;
  }

  /** Drop everything. Calls onPageEmpty for each page that held code. */
  clear(onPageEmpty: (pfn: number) => void): void {
    for (const pfn of this.byPage.keys()) onPageEmpty(pfn);
    for (const b of this.byPhys.values()) b.valid = false;
    this.byPhys.clear();
    this.byPage.clear();
    this.front.fill(null);
  }

  get size(): number {
    return this.byPhys.size;
  }

  /** All cached blocks (for statistics and tests). */
  values(): IterableIterator<Block> {
    return this.byPhys.values();
  }
}
