/**
 * A user process's virtual memory, kept the way Linux keeps it: a sorted list of areas (VMAs) that say
 * what may be mapped where with which protection, and page tables that say what is mapped now. Pages of
 * an area are materialised on first touch (demand paging: a guest page fault inside an area maps a zeroed
 * frame and the instruction is retried) unless the area was created populated. The kernel side of the
 * runner reads and writes user memory through the same page tables, with the same permission checks, so
 * a bad pointer passed to a system call becomes -EFAULT.
 */
import { FrameAllocator, Ram } from './frame-allocator';
import { MMAP_TOP, PAGE_SIZE, PROT } from './linux-abi';
import { PageTable, PagePermissions, USER_ADDRESS_LIMIT } from './page-table';

export type VmaKind = 'elf' | 'heap' | 'stack' | 'mmap';

export interface Vma {
  start: number;
  end: number;
  prot: number;
  kind: VmaKind;
}

export type Access = 'read' | 'write' | 'exec';

/** Lowest address mmap will choose or accept (vm.mmap_min_addr). */
export const MMAP_MIN_ADDR = 0x10000;

export const pageDown = (a: number) => a - (a % PAGE_SIZE);
export const pageUp = (a: number) => pageDown(a + PAGE_SIZE - 1);

export function allows(prot: number, access: Access): boolean {
  if (access === 'write') return (prot & PROT.WRITE) !== 0;
  if (access === 'exec') return (prot & PROT.EXEC) !== 0;
  return prot !== PROT.NONE; // on x86 every mapped page is readable
}

function permissions(prot: number): PagePermissions {
  return { write: (prot & PROT.WRITE) !== 0, exec: (prot & PROT.EXEC) !== 0, user: prot !== PROT.NONE };
}

export class AddressSpace {
  readonly pageTable: PageTable;
  private readonly vmas: Vma[] = [];
  private brkStart = 0;
  private brkCurrent = 0;
  /**
   * Called after mappings in [start, end) were removed or lost permissions, so that the CPU can drop
   * cached translations. Newly mapped pages need no call: x86 never caches a not-present translation.
   */
  invalidate: (start: number, end: number) => void = () => {};

  constructor(
    private readonly ram: Ram,
    private readonly frames: FrameAllocator,
  ) {
    this.pageTable = new PageTable(ram, frames);
  }

  get areas(): readonly Readonly<Vma>[] {
    return this.vmas;
  }

  vmaAt(addr: number): Vma | undefined {
    let lo = 0;
    let hi = this.vmas.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const vma = this.vmas[mid];
      if (addr < vma.start) hi = mid - 1;
      else if (addr >= vma.end) lo = mid + 1;
      else return vma;
    }
    return undefined;
  }

  /** True when some area overlaps [start, end). */
  overlaps(start: number, end: number): boolean {
    return this.vmas.some((v) => v.start < end && start < v.end);
  }

  /**
   * Creates an area over [start, end) (page-aligned), replacing whatever was there (MAP_FIXED semantics)
   * and merging with equal neighbours as Linux does. With `populate` every page gets its frame now
   * instead of on first touch.
   */
  map(start: number, end: number, prot: number, kind: VmaKind, populate = false): void {
    if (start % PAGE_SIZE || end % PAGE_SIZE || start >= end || end > USER_ADDRESS_LIMIT || start < 0) {
      throw new RangeError(`bad mapping range 0x${start.toString(16)}-0x${end.toString(16)}`);
    }
    this.unmap(start, end);
    const at = this.vmas.findIndex((v) => v.start >= end);
    this.vmas.splice(at === -1 ? this.vmas.length : at, 0, { start, end, prot, kind });
    this.mergeNeighbours();
    if (populate) for (let page = start; page < end; page += PAGE_SIZE) this.populate(page, prot);
  }

  /** Removes every area and page in [start, end), splitting areas that straddle the edges. */
  unmap(start: number, end: number): void {
    this.splitAt(start);
    this.splitAt(end);
    for (let i = this.vmas.length - 1; i >= 0; i--) {
      const v = this.vmas[i];
      if (v.start >= start && v.end <= end) this.vmas.splice(i, 1);
    }
    let touched = false;
    this.pageTable.forEachPresent(start, end, (page) => {
      this.frames.release(this.pageTable.unmap(page)!);
      touched = true;
    });
    if (touched) this.invalidate(start, end);
  }

  /**
   * Moves the areas and pages of [start, end) to `to` (mremap): frames change address, not contents.
   * The target range must be free.
   */
  move(start: number, end: number, to: number): void {
    this.splitAt(start);
    this.splitAt(end);
    const delta = to - start;
    const pages: Array<[number, number, PagePermissions]> = [];
    this.pageTable.forEachPresent(start, end, (page) => {
      const t = this.pageTable.translate(page)!;
      pages.push([page + delta, t.paddr, { write: t.write, exec: t.exec, user: t.user }]);
    });
    for (const [page] of pages) this.pageTable.unmap(page - delta);
    const moved = this.vmas.filter((v) => v.start >= start && v.end <= end);
    for (const v of moved) this.vmas.splice(this.vmas.indexOf(v), 1);
    for (const v of moved) {
      const at = this.vmas.findIndex((w) => w.start >= v.end + delta);
      this.vmas.splice(at === -1 ? this.vmas.length : at, 0, {
        ...v,
        start: v.start + delta,
        end: v.end + delta,
      });
    }
    for (const [page, frame, perms] of pages) this.pageTable.map(page, frame, perms);
    this.mergeNeighbours();
    if (pages.length) this.invalidate(start, end);
  }

  /** Drops the pages of [start, end) but keeps the areas: the next touch sees zeros (MADV_DONTNEED). */
  discard(start: number, end: number): void {
    let touched = false;
    this.pageTable.forEachPresent(start, end, (page) => {
      this.frames.release(this.pageTable.unmap(page)!);
      touched = true;
    });
    if (touched) this.invalidate(start, end);
  }

  /** mprotect: false (ENOMEM) if any page of [start, end) is outside every area. */
  protect(start: number, end: number, prot: number): boolean {
    for (let a = start; a < end;) {
      const v = this.vmaAt(a);
      if (!v) return false;
      a = v.end;
    }
    this.splitAt(start);
    this.splitAt(end);
    for (const v of this.vmas) if (v.start >= start && v.end <= end) v.prot = prot;
    const perms = permissions(prot);
    this.pageTable.forEachPresent(start, end, (page) => this.pageTable.protect(page, perms));
    this.invalidate(start, end);
    this.mergeNeighbours();
    return true;
  }

  /**
   * A free, page-aligned range of `length` bytes for mmap: the hint if it is free, otherwise the highest
   * gap below MMAP_TOP (Linux's top-down allocator, without randomisation).
   */
  findFree(length: number, hint = 0): number | undefined {
    if (hint >= MMAP_MIN_ADDR && hint + length <= USER_ADDRESS_LIMIT && !this.overlaps(hint, hint + length)) {
      return hint;
    }
    let ceiling = MMAP_TOP;
    for (let i = this.vmas.length - 1; i >= -1; i--) {
      const v = this.vmas[i];
      const floor = v ? v.end : MMAP_MIN_ADDR;
      if (v && v.start >= ceiling) continue;
      if (ceiling - Math.max(floor, MMAP_MIN_ADDR) >= length) return ceiling - length;
      if (v) ceiling = Math.min(ceiling, v.start);
    }
    return undefined;
  }

  /**
   * The guest touched `addr` with `access` and the CPU found no usable translation. Maps a zeroed page
   * and returns true when the area allows the access; false means SIGSEGV.
   */
  handleFault(addr: number, access: Access): boolean {
    const vma = this.vmaAt(addr);
    if (!vma || !allows(vma.prot, access)) return false;
    const page = pageDown(addr);
    if (this.pageTable.translate(page)) return false; // present, so this was a protection fault
    this.pageTable.map(page, this.frames.allocate(), permissions(vma.prot));
    return true;
  }

  // ---- program break ------------------------------------------------------------------------------

  /** Places the heap right after the executable's last segment (what brk(0) returns first). */
  initBrk(addr: number): void {
    this.brkStart = this.brkCurrent = pageUp(addr);
  }

  get brk(): number {
    return this.brkCurrent;
  }

  /** The brk system call: moves the break if it can and returns the (possibly unchanged) break. */
  setBrk(requested: number): number {
    if (requested < this.brkStart || requested >= USER_ADDRESS_LIMIT) return this.brkCurrent;
    const oldTop = pageUp(this.brkCurrent);
    const newTop = pageUp(requested);
    if (newTop > oldTop) {
      if (this.overlaps(oldTop, newTop)) return this.brkCurrent;
      this.map(oldTop, newTop, PROT.READ | PROT.WRITE, 'heap'); // merges with the heap below
    } else if (newTop < oldTop) {
      this.unmap(newTop, oldTop);
    }
    this.brkCurrent = requested;
    return requested;
  }

  // ---- kernel access to user memory ---------------------------------------------------------------

  /** Copies `length` bytes out of user memory; undefined (EFAULT) if any byte is not readable. */
  read(vaddr: number, length: number): Uint8Array | undefined {
    const out = new Uint8Array(length);
    let done = 0;
    while (done < length) {
      const paddr = this.physical(vaddr + done, 'read');
      if (paddr === undefined) return undefined;
      const chunk = Math.min(length - done, PAGE_SIZE - ((vaddr + done) % PAGE_SIZE));
      out.set(this.ram.u8.subarray(paddr, paddr + chunk), done);
      done += chunk;
    }
    return out;
  }

  /** Copies bytes into user memory; false (EFAULT) if any byte is not writable by the user. */
  write(vaddr: number, bytes: Uint8Array): boolean {
    return this.store(vaddr, bytes, 'write');
  }

  /**
   * Writes regardless of the area's protection, as exec() does when it fills read-only segments and the
   * initial stack. The area must exist.
   */
  initialize(vaddr: number, bytes: Uint8Array): void {
    if (!this.store(vaddr, bytes, 'kernel')) {
      throw new RangeError(`initialising unmapped memory at 0x${vaddr.toString(16)}`);
    }
  }

  /** A NUL-terminated string of at most `max` bytes (without the NUL); undefined on EFAULT or overlong. */
  readCString(vaddr: number, max = 4096): string | undefined {
    const bytes: number[] = [];
    for (let a = vaddr; bytes.length < max; a++) {
      const paddr = this.physical(a, 'read');
      if (paddr === undefined) return undefined;
      const byte = this.ram.u8[paddr];
      if (byte === 0) return Buffer.from(bytes).toString('utf8');
      bytes.push(byte);
    }
    return undefined;
  }

  private store(vaddr: number, bytes: Uint8Array, access: 'write' | 'kernel'): boolean {
    let done = 0;
    while (done < bytes.length) {
      const paddr = this.physical(vaddr + done, access);
      if (paddr === undefined) return false;
      const chunk = Math.min(bytes.length - done, PAGE_SIZE - ((vaddr + done) % PAGE_SIZE));
      this.ram.u8.set(bytes.subarray(done, done + chunk), paddr);
      this.ram.notifyWrite(paddr, chunk);
      done += chunk;
    }
    return true;
  }

  /** Physical address backing `vaddr` for a kernel access on the user's behalf, faulting the page in. */
  private physical(vaddr: number, access: Access | 'kernel'): number | undefined {
    if (vaddr < 0 || vaddr >= USER_ADDRESS_LIMIT) return undefined;
    let t = this.pageTable.translate(vaddr);
    if (!t) {
      const vma = this.vmaAt(vaddr);
      if (!vma || (access !== 'kernel' && !allows(vma.prot, access))) return undefined;
      this.pageTable.map(pageDown(vaddr), this.frames.allocate(), permissions(vma.prot));
      t = this.pageTable.translate(vaddr)!;
    }
    if (access === 'kernel') return t.paddr;
    if (!t.user || (access === 'write' && !t.write)) return undefined;
    return t.paddr;
  }

  private populate(page: number, prot: number): void {
    if (!this.pageTable.translate(page)) this.pageTable.map(page, this.frames.allocate(), permissions(prot));
  }

  /** Splits the area containing `addr` (if any) so that an area boundary falls on `addr`. */
  private splitAt(addr: number): void {
    const v = this.vmaAt(addr);
    if (!v || v.start === addr) return;
    const at = this.vmas.indexOf(v);
    this.vmas.splice(at + 1, 0, { ...v, start: addr });
    v.end = addr;
  }

  private mergeNeighbours(): void {
    for (let i = this.vmas.length - 1; i > 0; i--) {
      const a = this.vmas[i - 1];
      const b = this.vmas[i];
      if (a.end === b.start && a.prot === b.prot && a.kind === b.kind) {
        a.end = b.end;
        this.vmas.splice(i, 1);
      }
    }
  }
}
