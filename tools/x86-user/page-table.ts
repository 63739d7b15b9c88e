/**
 * x86-64 4-level page tables (PML4 → PDPT → PD → PT, 4 KiB pages) written into emulated physical
 * memory, as a kernel would build them for a user process. Upper-level entries are always
 * Present|Writable|User so that the leaf alone decides access: Present, User (clear for PROT_NONE), R/W
 * from PROT_WRITE and NX (bit 63, needs EFER.NXE) unless PROT_EXEC. The tables are the single source of truth: the kernel
 * side of the runner translates user addresses by walking them, exactly as the CPU does.
 */
import { FrameAllocator, Ram } from './frame-allocator';
import { PAGE_SIZE } from './linux-abi';

/** Low-word bits of a page-table entry (Intel SDM vol. 3, 4.5). */
export const PTE_P = 1 << 0;
export const PTE_RW = 1 << 1;
export const PTE_US = 1 << 2;
export const PTE_A = 1 << 5;
export const PTE_D = 1 << 6;
export const PTE_PS = 1 << 7;
/** NX is bit 63: bit 31 of the high word. */
export const PTE_HI_NX = 0x8000_0000;

const TWO32 = 0x1_0000_0000;
const ADDRESS_MASK_HI = 0x000f_ffff; // bits 32..51 of a physical address
const LEVEL_SHIFTS = [39, 30, 21, 12] as const;
/** Bytes covered by one entry at each level. */
const LEVEL_SPAN = LEVEL_SHIFTS.map((s) => 2 ** s);
/** One past the highest canonical lower-half address. */
export const USER_ADDRESS_LIMIT = 2 ** 47;

export interface PagePermissions {
  readonly write: boolean;
  readonly exec: boolean;
  /** False for a PROT_NONE page: it keeps its frame but any user access faults. */
  readonly user: boolean;
}

export interface Translation {
  readonly paddr: number;
  readonly write: boolean;
  readonly exec: boolean;
  readonly user: boolean;
}

function indexAt(vaddr: number, level: number): number {
  return Math.floor(vaddr / LEVEL_SPAN[level]) % 512;
}

export class PageTable {
  private readonly view: DataView;
  /** Physical address of the PML4: the value for CR3. */
  readonly root: number;

  constructor(
    ram: Ram,
    private readonly frames: FrameAllocator,
  ) {
    this.view = new DataView(ram.u8.buffer, ram.u8.byteOffset, ram.u8.byteLength);
    this.root = frames.allocate();
  }

  /** Maps the 4 KiB page at `vaddr` to the frame at `paddr`, replacing any previous mapping. */
  map(vaddr: number, paddr: number, perms: PagePermissions): void {
    checkUserPage(vaddr);
    const entry = this.leafEntry(vaddr, true)!;
    this.writeEntry(entry, paddr, leafLow(perms), perms.exec ? 0 : PTE_HI_NX);
  }

  /** Removes the mapping of the page at `vaddr`; returns the frame it pointed to, if any. */
  unmap(vaddr: number): number | undefined {
    const entry = this.leafEntry(vaddr, false);
    if (entry === undefined || !(this.view.getUint32(entry, true) & PTE_P)) return undefined;
    const frame = this.entryAddress(entry);
    this.view.setUint32(entry, 0, true);
    this.view.setUint32(entry + 4, 0, true);
    return frame;
  }

  /** Changes the permissions of a present page; returns false if the page is not mapped. */
  protect(vaddr: number, perms: PagePermissions): boolean {
    const entry = this.leafEntry(vaddr, false);
    if (entry === undefined || !(this.view.getUint32(entry, true) & PTE_P)) return false;
    this.writeEntry(entry, this.entryAddress(entry), leafLow(perms), perms.exec ? 0 : PTE_HI_NX);
    return true;
  }

  /** What the CPU would find for a user access to `vaddr`, or undefined when the walk ends not-present. */
  translate(vaddr: number): Translation | undefined {
    if (vaddr < 0 || vaddr >= USER_ADDRESS_LIMIT) return undefined;
    let table = this.root;
    let write = true;
    let user = true;
    let exec = true;
    for (let level = 0; level < 4; level++) {
      const entry = table + indexAt(vaddr, level) * 8;
      const low = this.view.getUint32(entry, true);
      if (!(low & PTE_P)) return undefined;
      write &&= (low & PTE_RW) !== 0;
      user &&= (low & PTE_US) !== 0;
      exec &&= (this.view.getUint32(entry + 4, true) & PTE_HI_NX) === 0;
      if (level < 3 && low & PTE_PS) throw new Error('large pages are never created by the runner');
      table = this.entryAddress(entry);
    }
    return { paddr: table + (vaddr % PAGE_SIZE), write, exec, user };
  }

  /**
   * Calls `visit(vaddr)` for every present 4 KiB page in [start, end), skipping whole unpopulated
   * 512 GiB / 1 GiB / 2 MiB regions so that a huge sparse range costs only its populated tables.
   */
  forEachPresent(start: number, end: number, visit: (vaddr: number) => void): void {
    const walk = (table: number, level: number, base: number) => {
      const span = LEVEL_SPAN[level];
      const first = Math.max(0, Math.floor((start - base) / span));
      const last = Math.min(511, Math.floor((end - 1 - base) / span));
      for (let i = first; i <= last; i++) {
        const entry = table + i * 8;
        if (!(this.view.getUint32(entry, true) & PTE_P)) continue;
        const vaddr = base + i * span;
        if (level === 3) visit(vaddr);
        else walk(this.entryAddress(entry), level + 1, vaddr);
      }
    };
    if (end > start) walk(this.root, 0, 0);
  }

  /** Physical address of the leaf entry for `vaddr`, creating missing tables when `create`. */
  private leafEntry(vaddr: number, create: boolean): number | undefined {
    let table = this.root;
    for (let level = 0; level < 3; level++) {
      const entry = table + indexAt(vaddr, level) * 8;
      if (!(this.view.getUint32(entry, true) & PTE_P)) {
        if (!create) return undefined;
        this.writeEntry(entry, this.frames.allocate(), PTE_P | PTE_RW | PTE_US, 0);
      }
      table = this.entryAddress(entry);
    }
    return table + indexAt(vaddr, 3) * 8;
  }

  private entryAddress(entry: number): number {
    const low = this.view.getUint32(entry, true) & ~0xfff;
    const high = this.view.getUint32(entry + 4, true) & ADDRESS_MASK_HI;
    return (low >>> 0) + high * TWO32;
  }

  private writeEntry(entry: number, paddr: number, lowFlags: number, highFlags: number): void {
    this.view.setUint32(entry, ((paddr % TWO32) | lowFlags) >>> 0, true);
    this.view.setUint32(entry + 4, (Math.floor(paddr / TWO32) | highFlags) >>> 0, true);
  }
}

function leafLow(perms: PagePermissions): number {
  return PTE_P | (perms.user ? PTE_US : 0) | (perms.write ? PTE_RW : 0);
}

function checkUserPage(vaddr: number): void {
  if (vaddr % PAGE_SIZE !== 0 || vaddr < 0 || vaddr >= USER_ADDRESS_LIMIT) {
    throw new RangeError(`0x${vaddr.toString(16)} is not a user page address`);
  }
}
