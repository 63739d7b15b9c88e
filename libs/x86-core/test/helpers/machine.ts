/**
 * A small long-mode machine for system tests: physical page allocator, 4-level page-table builder,
 * a Linux-like GDT with a 64-bit TSS, an IDT whose handlers are `hlt` stubs (so a delivered exception
 * shows up as an HLT exit at the stub, with the frame on the stack), and code/data helpers.
 */
import { Cpu, PhysicalMemory, EXIT_NAMES, type Embedder, type RunExit } from '../../src';
import { CS, SS, DS, ES, FS, GS, TR } from '../../src/state/layout';
import { ATTR_CODE64, ATTR_DATA, attrWithDpl } from '../../src/state/cpu-state';

export const P = 1n;
export const W = 2n;
export const U = 4n;
export const PWT = 8n;
export const A = 0x20n;
export const D = 0x40n;
export const PS = 0x80n;
export const G = 0x100n;
export const NX = 1n << 63n;

/** Selectors of the test GDT (Linux layout). */
export const KERNEL_CS = 0x10;
export const KERNEL_DS = 0x18;
export const USER_CS32 = 0x23;
export const USER_DS = 0x2b;
export const USER_CS = 0x33;
export const TSS_SEL = 0x40;

/** Linear addresses used by the tests. */
export const KERNEL_BASE = 0xffffffff80000000n;
export const SYS_PAGE = KERNEL_BASE + 0x100000n; // GDT (0x000), TSS (0x800), IDT (next page)
export const STUBS = KERNEL_BASE + 0x200000n; // one hlt stub per vector, 16 bytes apart
export const KSTACK_TOP = KERNEL_BASE + 0x300000n; // RSP0 (stack page below it)
export const ISTACK_TOP = KERNEL_BASE + 0x310000n; // IST1 (stack page below it)
export const KCODE = KERNEL_BASE + 0x400000n;

export const hex = (v: bigint | number): string => '0x' + BigInt.asUintN(64, BigInt(v)).toString(16);

export class TestMachine {
  readonly mem: PhysicalMemory;
  readonly cpu: Cpu;
  /** physical address of the PML4 */
  readonly cr3: number;
  private next: number;

  constructor(opts: { memBytes?: number; embedder?: Embedder; memory?: PhysicalMemory } = {}) {
    this.mem = opts.memory ?? new PhysicalMemory(opts.memBytes ?? 8 << 20);
    this.next = 0x1000; // page 0 stays unused so that physical 0 is never a table
    this.cpu = new Cpu({ memory: this.mem, embedder: opts.embedder });
    this.cr3 = this.allocPage();
  }

  /** A zeroed physical page. */
  allocPage(): number {
    const p = this.next;
    this.next += 0x1000;
    if (this.next > this.mem.size) throw new Error('test machine out of memory');
    this.mem.zeroPage(p / 4096);
    return p;
  }

  private static idx(lin: bigint, level: number): number {
    return Number((BigInt.asUintN(64, lin) >> BigInt(12 + 9 * (level - 1))) & 511n);
  }

  /** Physical address of the paging entry for `lin` at `level` (4..1), creating tables on the way. */
  entryAddr(lin: bigint, level: number, tableFlags = P | W | U): number {
    let table = this.cr3;
    for (let l = 4; l > level; l--) {
      const ea = table + TestMachine.idx(lin, l) * 8;
      let e = this.mem.readU64(ea);
      if ((e & P) === 0n) {
        e = BigInt(this.allocPage()) | tableFlags;
        this.mem.writeU64(ea, e);
      }
      table = Number(e & 0x000ffffffffff000n);
    }
    return table + TestMachine.idx(lin, level) * 8;
  }

  /** Map one 4 KiB page (or a 2 MiB page with `large`). Returns the PTE's physical address. */
  map(lin: bigint, phys: number, flags: bigint, opts: { large?: boolean; tableFlags?: bigint } = {}): number {
    const level = opts.large ? 2 : 1;
    const ea = this.entryAddr(lin, level, opts.tableFlags ?? P | W | U);
    this.mem.writeU64(ea, BigInt(phys) | flags | (opts.large ? PS : 0n));
    return ea;
  }

  /** Map `pages` fresh pages at `lin`. Returns the physical address of the first. */
  mapNew(lin: bigint, flags: bigint, pages = 1): number {
    let first = -1;
    for (let k = 0; k < pages; k++) {
      const p = this.allocPage();
      if (first < 0) first = p;
      this.map(lin + BigInt(k * 4096), p, flags);
    }
    return first;
  }

  pteValue(lin: bigint, level = 1): bigint {
    return this.mem.readU64(this.entryAddr(lin, level));
  }

  /** Physical address behind a linear address (walks the tables directly, no TLB). */
  phys(lin: bigint): number {
    const e = this.pteValue(lin);
    return Number(e & 0x000ffffffffff000n) + Number(BigInt.asUintN(64, lin) & 0xfffn);
  }

  write(lin: bigint, bytes: Uint8Array | number[]): void {
    const b = bytes instanceof Uint8Array ? bytes : Uint8Array.from(bytes);
    for (let k = 0; k < b.length; k++) this.mem.writeU8(this.phys(lin + BigInt(k)), b[k]);
  }
  read(lin: bigint, n: number): Uint8Array {
    const out = new Uint8Array(n);
    for (let k = 0; k < n; k++) out[k] = this.mem.readU8(this.phys(lin + BigInt(k)));
    return out;
  }
  readU64(lin: bigint): bigint {
    const b = this.read(lin, 8);
    return new DataView(b.buffer).getBigUint64(0, true);
  }
  writeU64(lin: bigint, v: bigint): void {
    const b = new Uint8Array(8);
    new DataView(b.buffer).setBigUint64(0, BigInt.asUintN(64, v), true);
    this.write(lin, b);
  }

  /**
   * Long mode with the GDT/TSS/IDT above, kernel stacks, hlt stubs for every vector (IST1 for #DF
   * and vector 0x99, DPL 3 for 3, 4 and 0x80), CPL `cpl`, RIP = `rip`.
   */
  boot(opts: { cpl?: number; rip?: bigint; rsp?: bigint; gateDpl3?: number[] } = {}): this {
    const cpu = this.cpu;
    const sys = this.mapNew(SYS_PAGE, P | W | G);
    const idtPhys = this.mapNew(SYS_PAGE + 0x1000n, P | W | G);
    this.mapNew(STUBS, P | G);
    this.mapNew(KSTACK_TOP - 0x1000n, P | W | NX);
    this.mapNew(ISTACK_TOP - 0x1000n, P | W | NX);
    const gdt = (off: number, v: bigint): void => this.mem.writeU64(sys + off, v);
    gdt(0x08, 0x00cf9b000000ffffn);
    gdt(KERNEL_CS, 0x00af9b000000ffffn);
    gdt(KERNEL_DS, 0x00cf93000000ffffn);
    gdt(USER_CS32 & ~3, 0x00cffb000000ffffn);
    gdt(USER_DS & ~3, 0x00cff3000000ffffn);
    gdt(USER_CS & ~3, 0x00affb000000ffffn);
    const tssLin = SYS_PAGE + 0x800n;
    const t = BigInt.asUintN(64, tssLin);
    gdt(TSS_SEL, 0x0000890000000067n | ((t & 0xffffffn) << 16n) | (((t >> 24n) & 0xffn) << 56n));
    gdt(TSS_SEL + 8, t >> 32n);
    const tss = sys + 0x800;
    this.mem.writeU64(tss + 4, BigInt.asUintN(64, KSTACK_TOP)); // RSP0
    this.mem.writeU64(tss + 0x24, BigInt.asUintN(64, ISTACK_TOP)); // IST1
    this.mem.writeU16(tss + 0x66, 0x68); // no I/O permission bitmap
    const dpl3 = new Set(opts.gateDpl3 ?? [3, 4, 0x80]);
    for (let v = 0; v < 256; v++) {
      const target = BigInt.asUintN(64, STUBS + BigInt(v * 16));
      const ist = v === 8 || v === 0x99 ? 1 : 0;
      const w0 = Number(target & 0xffffn) | (KERNEL_CS << 16);
      const w1 = (Number(target & 0xffff0000n) | 0x8e00 | ((dpl3.has(v) ? 3 : 0) << 13) | ist) >>> 0;
      this.mem.writeU32(idtPhys + v * 16, w0);
      this.mem.writeU32(idtPhys + v * 16 + 4, w1);
      this.mem.writeU32(idtPhys + v * 16 + 8, Number(target >> 32n));
      this.mem.writeU8(this.phys(STUBS + BigInt(v * 16)), 0xf4); // hlt
    }
    cpu.enterLongMode({ cr3: BigInt(this.cr3), cpl: 0 });
    const s = cpu.s;
    const setBase = (lo: number, hi: number, v: bigint): void => {
      s[lo] = Number(BigInt.asUintN(64, v) & 0xffffffffn) | 0;
      s[hi] = Number(BigInt.asUintN(64, v) >> 32n) | 0;
    };
    setBase(138, 139, SYS_PAGE);
    s[140] = 0x7f;
    setBase(142, 143, SYS_PAGE + 0x1000n);
    s[144] = 0xfff;
    cpu.setSegment(TR, TSS_SEL, tssLin, 0x67, 0x8b);
    this.setCpl(opts.cpl ?? 0);
    cpu.rip = opts.rip ?? KCODE;
    cpu.setReg(4, opts.rsp ?? KSTACK_TOP - 0x100n);
    return this;
  }

  /** Load segment state for `cpl` (0: kernel CS/SS, 3: user CS/SS), without a GDT walk. */
  setCpl(cpl: number): void {
    const cpu = this.cpu;
    if (cpl === 3) {
      cpu.setSegment(CS, USER_CS, 0n, 0xffffffff, attrWithDpl(ATTR_CODE64, 3));
      cpu.setSegment(SS, USER_DS, 0n, 0xffffffff, attrWithDpl(ATTR_DATA, 3));
    } else {
      cpu.setSegment(CS, KERNEL_CS, 0n, 0xffffffff, ATTR_CODE64);
      cpu.setSegment(SS, KERNEL_DS, 0n, 0xffffffff, ATTR_DATA);
    }
    for (const sg of [DS, ES, FS, GS]) cpu.setSegment(sg, 0, 0n, 0xffffffff, attrWithDpl(ATTR_DATA, cpl));
    cpu.cpl = cpl;
  }

  /** Linear address of the hlt stub of `vector`. */
  static stub(vector: number): bigint {
    return STUBS + BigInt(vector * 16);
  }

  /**
   * Run until an exit other than the budget (throws if the budget runs out). A CPU halted by a
   * previous HLT is woken first, so tests can use HLT as a breakpoint and continue.
   */
  run(budget = 1_000_000): RunExit {
    this.cpu.halted = false;
    const ex = this.cpu.run(budget);
    if (ex.reason === 0) throw new Error(`budget exhausted at rip ${hex(this.cpu.rip)}`);
    return ex;
  }

  exitName(ex: RunExit): string {
    return EXIT_NAMES[ex.reason];
  }

  /**
   * The vector delivered to a hlt stub if the CPU stopped in one (RIP just after the hlt), else -1.
   */
  stoppedAtStub(): number {
    const rip = this.cpu.rip;
    const off = BigInt.asUintN(64, rip) - BigInt.asUintN(64, STUBS);
    if (off < 0n || off >= 256n * 16n || off % 16n !== 1n) return -1;
    return Number(off / 16n);
  }

  /** Read the qwords of the interrupt frame at RSP (error code first if present). */
  frame(n: number): bigint[] {
    const rsp = this.cpu.getReg(4);
    const out: bigint[] = [];
    for (let k = 0; k < n; k++) out.push(this.readU64(rsp + BigInt(8 * k)));
    return out;
  }
}
