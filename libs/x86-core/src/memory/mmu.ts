/**
 * Linear → physical translation (4-level paging, NX, U/S, R/W, CR0.WP, A/D bits, global pages, CR4.SMEP) with a
 * direct-mapped software TLB, and the guest memory access paths used by every handler.
 *
 * TLB: N entries indexed by ((lin.lo >>> 12) ^ lin.hi) & (N-1). An entry holds the high word of the
 * linear address (tlbHi), the physical page base (tlbP) and one tag per access kind (tlbR, tlbW, tlbX).
 * A tag is the page-aligned low word of the linear address OR'ed with the privilege bit the
 * permissions were computed for (1 = user access); an invalid tag has bit 1 set and never matches.
 * So a hit for "user read of lin" is `tlbR[x] === ((lo & -4096) | 1) && tlbHi[x] === hi`.
 * The write tag is only installed when the PTE's dirty bit is already set and the physical page holds
 * no decoded code, so the fast write path needs no dirty-bit or self-modifying-code checks.
 *
 * Faults are values: translation returns a physical address or -1 (exception recorded in the state).
 */
import { CpuState, GP, PF, SSF } from '../state/cpu-state';
import {
  CR0,
  CR0_PG,
  CR0_WP,
  CR3_HI,
  CR3_LO,
  CR4,
  CR4_PGE,
  CR4_SMEP,
  EFER,
  EFER_LMA,
  EFER_NXE,
  CR2_LO,
} from '../state/layout';
import { PhysicalMemory, PAGE_SIZE } from './physical-memory';

export const TLB_BITS = 13;
export const TLB_SIZE = 1 << TLB_BITS;
export const TLB_MASK = TLB_SIZE - 1;
const TAG_INVALID = 2;

export const ACC_R = 0;
export const ACC_W = 1;
export const ACC_X = 2;

/** #PF error code bits. */
export const PF_P = 1;
export const PF_W = 2;
export const PF_U = 4;
export const PF_RSVD = 8;
export const PF_ID = 16;

export class CpuMmu extends CpuState {
  readonly memory: PhysicalMemory;
  readonly m8: Uint8Array;
  readonly m32: Int32Array;
  readonly m16: Uint16Array;
  readonly m64: BigInt64Array;
  readonly mdv: DataView;
  readonly memSize: number;

  readonly tlbHi = new Int32Array(TLB_SIZE);
  readonly tlbR = new Int32Array(TLB_SIZE).fill(TAG_INVALID);
  readonly tlbW = new Int32Array(TLB_SIZE).fill(TAG_INVALID);
  readonly tlbX = new Int32Array(TLB_SIZE).fill(TAG_INVALID);
  readonly tlbP = new Int32Array(TLB_SIZE);
  /** bit 0 global, bit 1 from a large page */
  readonly tlbFlags = new Uint8Array(TLB_SIZE);
  /** Indices of filled entries, so flushes cost O(filled) rather than O(N). */
  private readonly tlbList = new Int32Array(TLB_SIZE);
  private readonly tlbInList = new Uint8Array(TLB_SIZE);
  private tlbListN = 0;
  private tlbLarge = 0;
  /** Physical address width reported by CPUID 0x80000008; PTE bits above it are reserved. */
  physAddrBits = 40;
  /** True when a #PF/#GP was caused by a non-canonical address (turned into #SS for stack accesses). */
  nonCanonical = false;
  /** Optional handlers for physical addresses beyond RAM (default: reads all-ones, writes dropped). */
  mmioRead: ((addr: number, size: number) => number) | null = null;
  mmioWrite: ((addr: number, size: number, value: number) => void) | null = null;
  /** Statistics. */
  tlbMisses = 0;

  constructor(memory: PhysicalMemory, stateBuffer?: ArrayBufferLike, stateOffset = 0) {
    super(stateBuffer, stateOffset);
    this.memory = memory;
    this.m8 = memory.u8;
    this.m32 = memory.i32;
    this.m16 = new Uint16Array(memory.buffer);
    this.m64 = new BigInt64Array(memory.buffer);
    this.mdv = memory.dv;
    this.memSize = memory.size;
  }

  // ---- TLB management ---------------------------------------------------------------------------

  /** Flush the TLB; global entries survive unless `all`. */
  flushTlb(all: boolean): void {
    this.epoch++;
    const list = this.tlbList;
    let keep = 0;
    for (let k = 0; k < this.tlbListN; k++) {
      const x = list[k];
      if (!all && (this.tlbFlags[x] & 1) !== 0) {
        list[keep++] = x;
        continue;
      }
      this.tlbR[x] = TAG_INVALID;
      this.tlbW[x] = TAG_INVALID;
      this.tlbX[x] = TAG_INVALID;
      this.tlbInList[x] = 0;
      this.tlbFlags[x] = 0;
    }
    this.tlbListN = keep;
    this.tlbLarge = 0;
    if (keep !== 0) for (let k = 0; k < keep; k++) if ((this.tlbFlags[list[k]] & 2) !== 0) this.tlbLarge = 1;
  }

  /** INVLPG: drop the translation of one page (all large-page entries too, conservatively). */
  invalidatePage(lo: number, hi: number): void {
    this.epoch++;
    const x = ((lo >>> 12) ^ hi) & TLB_MASK;
    if (this.tlbHi[x] === hi && (this.tlbR[x] & -4096) === (lo & -4096)) this.killEntry(x);
    if (this.tlbLarge !== 0) {
      for (let k = 0; k < this.tlbListN; k++) {
        const y = this.tlbList[k];
        if ((this.tlbFlags[y] & 2) !== 0) this.killEntry(y);
      }
    }
  }

  private killEntry(x: number): void {
    this.tlbR[x] = TAG_INVALID;
    this.tlbW[x] = TAG_INVALID;
    this.tlbX[x] = TAG_INVALID;
  }

  /** Remove write permission from every TLB entry mapping physical page `pfn` (it now holds code). */
  revokeWrites(pfn: number): void {
    const base = pfn * PAGE_SIZE;
    for (let k = 0; k < this.tlbListN; k++) {
      const x = this.tlbList[k];
      if (this.tlbW[x] !== TAG_INVALID && this.tlbP[x] >>> 0 === base) this.tlbW[x] = TAG_INVALID;
    }
  }

  // ---- translation ------------------------------------------------------------------------------

  private pteRead(pa: number): number {
    return pa + 8 <= this.memSize ? this.m32[pa >>> 2] : 0;
  }

  private pageFault(lo: number, hi: number, err: number): number {
    this.excVector = PF;
    this.excErr = err;
    this.excAddrLo = lo;
    this.excAddrHi = hi;
    this.fault = 1;
    this.nonCanonical = false;
    return -1;
  }

  /**
   * Translate a linear address for an access of kind `acc` at privilege `user` (1 = user access).
   * Returns the physical address, or -1 with the exception recorded. Fills the TLB.
   */
  xlate(lo: number, hi: number, acc: number, user: number): number {
    this.tlbMisses++;
    const s = this.s;
    if (((hi >> 15) + 1) >>> 0 > 1) {
      this.excVector = GP;
      this.excErr = 0;
      this.fault = 1;
      this.nonCanonical = true;
      return -1;
    }
    const x = ((lo >>> 12) ^ hi) & TLB_MASK;
    const page = lo & -4096;
    if ((s[CR0] & CR0_PG) === 0 || (s[EFER] & EFER_LMA) === 0) {
      // Paging off (or legacy paging, not implemented): identity map of the low 4 GiB.
      const phys = page >>> 0;
      if (phys + PAGE_SIZE <= this.memSize && hi === 0) {
        this.fill(x, hi, page | user, page | user, page | user, phys, 0);
        if (this.memory.codePages[phys >>> 12] !== 0) this.tlbW[x] = TAG_INVALID;
      }
      return (phys | (lo & 4095)) >>> 0;
    }
    const nxe = (s[EFER] & EFER_NXE) !== 0;
    // reserved bits of the high word: [51:physAddrBits] and bit 63 without NXE
    const rsvdHi = ((0xfffff >>> 0) & ~((1 << (this.physAddrBits - 32)) - 1)) | (nxe ? 0 : 0x80000000);
    const i32 = this.m32;
    let tableLo = s[CR3_LO] & -4096;
    let tableHi = s[CR3_HI];
    let allowU = 1;
    let allowW = 1;
    let nx = 0;
    const idx4 = (hi >>> 7) & 511;
    const idx3 = ((hi & 0x7f) << 2) | (lo >>> 30);
    const idx2 = (lo >>> 21) & 511;
    const idx1 = (lo >>> 12) & 511;
    const smep = (s[CR4] & CR4_SMEP) !== 0;
    const errBase =
      (acc === ACC_W ? PF_W : 0) | (user !== 0 ? PF_U : 0) | (acc === ACC_X && (nxe || smep) ? PF_ID : 0);
    const ptes = this.walkAddrs;
    let level = 4;
    let physLo = 0;
    let physHi = 0;
    let large = 0;
    let pteLo = 0;
    let pteHi = 0;
    for (;;) {
      const idx = level === 4 ? idx4 : level === 3 ? idx3 : level === 2 ? idx2 : idx1;
      if (tableHi !== 0) return this.pageFault(lo, hi, errBase); // table beyond RAM reads as not present
      const pa = ((tableLo >>> 0) + idx * 8) >>> 0;
      pteLo = this.pteRead(pa);
      pteHi = pa + 8 <= this.memSize ? i32[(pa >>> 2) + 1] : 0;
      ptes[4 - level] = pa;
      if ((pteLo & 1) === 0) return this.pageFault(lo, hi, errBase);
      let rsvd = (pteHi & rsvdHi) !== 0;
      const ps = (pteLo & 0x80) !== 0;
      if (level === 4 && ps) rsvd = true;
      if (ps && level === 3 && (pteLo & 0x3fffe000) !== 0) rsvd = true;
      if (ps && level === 2 && (pteLo & 0x1fe000) !== 0) rsvd = true;
      if (rsvd) return this.pageFault(lo, hi, errBase | PF_P | PF_RSVD);
      allowU &= (pteLo >>> 2) & 1;
      allowW &= (pteLo >>> 1) & 1;
      if (nxe) nx |= pteHi >>> 31;
      const addrHi = pteHi & 0xfffff;
      if (level === 1) {
        physLo = pteLo & -4096;
        physHi = addrHi;
        break;
      }
      if (ps && level === 3) {
        physLo = (pteLo & 0xc0000000) | (lo & 0x3ffff000) | 0;
        physHi = addrHi;
        large = 1;
        break;
      }
      if (ps && level === 2) {
        physLo = (pteLo & 0xffe00000) | (lo & 0x1ff000) | 0;
        physHi = addrHi;
        large = 1;
        break;
      }
      tableLo = pteLo & -4096;
      tableHi = addrHi;
      level--;
    }
    const wp = (s[CR0] & CR0_WP) !== 0;
    let ok: boolean;
    if (user !== 0) ok = allowU !== 0 && (acc !== ACC_W || allowW !== 0);
    else ok = acc !== ACC_W || allowW !== 0 || !wp;
    if (acc === ACC_X && nx !== 0) ok = false;
    if (acc === ACC_X && user === 0 && allowU !== 0 && smep) ok = false;
    if (!ok) return this.pageFault(lo, hi, errBase | PF_P);
    // accessed / dirty
    const nlev = 5 - level;
    for (let k = 0; k < nlev; k++) {
      const w = ptes[k] >>> 2;
      if ((i32[w] & 0x20) === 0) Atomics.or(i32, w, 0x20);
    }
    const leafW = ptes[nlev - 1] >>> 2;
    let dirty = (i32[leafW] & 0x40) !== 0;
    if (acc === ACC_W && !dirty) {
      Atomics.or(i32, leafW, 0x40);
      dirty = true;
    }
    if (physHi !== 0) return 0x100000000; // beyond 4 GiB: outside RAM (MMIO path)
    const phys = physLo >>> 0;
    if (phys + PAGE_SIZE <= this.memSize) {
      const tag = page | user;
      const canR = user === 0 || allowU !== 0;
      const canW =
        canR && dirty && (allowW !== 0 || (user === 0 && !wp)) && this.memory.codePages[phys >>> 12] === 0;
      const canX = canR && nx === 0 && !(user === 0 && allowU !== 0 && smep);
      const global = (pteLo & 0x100) !== 0 && (s[CR4] & CR4_PGE) !== 0 ? 1 : 0;
      this.fill(
        x,
        hi,
        canR ? tag : TAG_INVALID,
        canW ? tag : TAG_INVALID,
        canX ? tag : TAG_INVALID,
        phys,
        global | (large << 1),
      );
    }
    return (phys | (lo & 4095)) >>> 0;
  }
  private readonly walkAddrs = new Float64Array(4);

  private fill(x: number, hi: number, r: number, w: number, xt: number, phys: number, flags: number): void {
    this.tlbHi[x] = hi;
    this.tlbR[x] = r;
    this.tlbW[x] = w;
    this.tlbX[x] = xt;
    this.tlbP[x] = phys | 0;
    this.tlbFlags[x] = flags;
    if ((flags & 2) !== 0) this.tlbLarge = 1;
    if (this.tlbInList[x] === 0) {
      this.tlbInList[x] = 1;
      this.tlbList[this.tlbListN++] = x;
    }
  }

  /** Translate for a fetch at the current privilege (used by the block builder). */
  xlateExec(lo: number, hi: number): number {
    const x = ((lo >>> 12) ^ hi) & TLB_MASK;
    if (this.tlbX[x] === ((lo & -4096) | this.ub) && this.tlbHi[x] === hi)
      return (this.tlbP[x] | (lo & 4095)) >>> 0;
    return this.xlate(lo, hi, ACC_X, this.ub);
  }

  /** Translate for a read at the current privilege (TLB fast path). Returns phys or -1. */
  xr(lo: number, hi: number): number {
    const x = ((lo >>> 12) ^ hi) & TLB_MASK;
    if (this.tlbR[x] === ((lo & -4096) | this.ub) && this.tlbHi[x] === hi)
      return (this.tlbP[x] | (lo & 4095)) >>> 0;
    return this.xlate(lo, hi, ACC_R, this.ub);
  }

  /**
   * Translate for a write at the current privilege. Returns phys or -1. The caller writing through the
   * result must call `wrote(phys, len)` afterwards (code-page check).
   */
  xw(lo: number, hi: number): number {
    const x = ((lo >>> 12) ^ hi) & TLB_MASK;
    if (this.tlbW[x] === ((lo & -4096) | this.ub) && this.tlbHi[x] === hi)
      return (this.tlbP[x] | (lo & 4095)) >>> 0;
    return this.xlate(lo, hi, ACC_W, this.ub);
  }

  /** After a bulk write to physical [p, p+len) obtained from xw(): invalidate code there. */
  wrote(p: number, len: number): void {
    const cp = this.memory.codePages;
    const first = p >>> 12;
    const last = (p + len - 1) >>> 12;
    for (let f = first; f <= last; f++) {
      if (cp[f] !== 0) {
        this.memory.notifyWrite(p, len);
        return;
      }
    }
  }

  // ---- physical access (handles addresses beyond RAM) -------------------------------------------

  physRead(p: number, size: number): number {
    if (p + size <= this.memSize) {
      if (size === 1) return this.m8[p];
      if (size === 2) return this.mdv.getUint16(p, true);
      return this.mdv.getInt32(p, true);
    }
    if (this.mmioRead !== null) return this.mmioRead(p, size);
    return size === 1 ? 0xff : size === 2 ? 0xffff : -1;
  }

  physWrite(p: number, size: number, v: number): void {
    if (p + size <= this.memSize) {
      if (size === 1) this.m8[p] = v;
      else if (size === 2) this.mdv.setUint16(p, v, true);
      else this.mdv.setInt32(p, v, true);
      if (this.memory.codePages[p >>> 12] !== 0) this.memory.notifyWrite(p, size);
    } else if (this.mmioWrite !== null) this.mmioWrite(p, size, v);
  }

  // ---- slow paths -------------------------------------------------------------------------------

  /** Read of `size` (1/2/4) bytes via full translation; handles page-crossing. Sets this.fault. */
  private rdSlow(lo: number, hi: number, size: number, acc: number, user: number): number {
    const off = lo & 4095;
    if (off + size <= 4096) {
      const p = this.xlate(lo, hi, acc, user);
      if (p < 0) return 0;
      return this.physRead(p, size);
    }
    const p1 = this.xlate(lo, hi, acc, user);
    if (p1 < 0) return 0;
    const n1 = 4096 - off;
    const lo2 = (lo + n1) | 0;
    const hi2 = lo2 >>> 0 < lo >>> 0 ? (hi + 1) | 0 : hi;
    const p2 = this.xlate(lo2, hi2, acc, user);
    if (p2 < 0) return 0;
    let v = 0;
    for (let k = size - 1; k >= 0; k--) {
      const p = k < n1 ? p1 + k : p2 + (k - n1);
      v = (v << 8) | this.physRead(p, 1);
    }
    return size === 2 ? v & 0xffff : v;
  }

  private wrSlow(lo: number, hi: number, size: number, v: number, user: number): number {
    const off = lo & 4095;
    if (off + size <= 4096) {
      const p = this.xlate(lo, hi, ACC_W, user);
      if (p < 0) return 2;
      this.physWrite(p, size, v);
      return 0;
    }
    const p1 = this.xlate(lo, hi, ACC_W, user);
    if (p1 < 0) return 2;
    const n1 = 4096 - off;
    const lo2 = (lo + n1) | 0;
    const hi2 = lo2 >>> 0 < lo >>> 0 ? (hi + 1) | 0 : hi;
    const p2 = this.xlate(lo2, hi2, ACC_W, user);
    if (p2 < 0) return 2;
    for (let k = 0; k < size; k++) {
      const p = k < n1 ? p1 + k : p2 + (k - n1);
      this.physWrite(p, 1, (v >>> (k * 8)) & 0xff);
    }
    return 0;
  }

  // ---- fast paths (current privilege) -----------------------------------------------------------

  rd8(lo: number, hi: number): number {
    const x = ((lo >>> 12) ^ hi) & TLB_MASK;
    if (this.tlbR[x] === ((lo & -4096) | this.ub) && this.tlbHi[x] === hi)
      return this.m8[(this.tlbP[x] | (lo & 4095)) >>> 0];
    return this.rdSlow(lo, hi, 1, ACC_R, this.ub);
  }
  rd16(lo: number, hi: number): number {
    const x = ((lo >>> 12) ^ hi) & TLB_MASK;
    if (this.tlbR[x] === ((lo & -4096) | this.ub) && this.tlbHi[x] === hi && (lo & 4095) <= 4094)
      return this.mdv.getUint16((this.tlbP[x] | (lo & 4095)) >>> 0, true);
    return this.rdSlow(lo, hi, 2, ACC_R, this.ub);
  }
  rd32(lo: number, hi: number): number {
    const x = ((lo >>> 12) ^ hi) & TLB_MASK;
    if (this.tlbR[x] === ((lo & -4096) | this.ub) && this.tlbHi[x] === hi && (lo & 4095) <= 4092) {
      const p = (this.tlbP[x] | (lo & 4095)) >>> 0;
      return (p & 3) === 0 ? this.m32[p >>> 2] : this.mdv.getInt32(p, true);
    }
    return this.rdSlow(lo, hi, 4, ACC_R, this.ub);
  }
  /** 64-bit read: returns the low word, high word in this.rhi. */
  rd64(lo: number, hi: number): number {
    const x = ((lo >>> 12) ^ hi) & TLB_MASK;
    if (this.tlbR[x] === ((lo & -4096) | this.ub) && this.tlbHi[x] === hi && (lo & 4095) <= 4088) {
      const p = (this.tlbP[x] | (lo & 4095)) >>> 0;
      if ((p & 7) === 0) {
        this.rhi = this.m32[(p >>> 2) + 1];
        return this.m32[p >>> 2];
      }
      this.rhi = this.mdv.getInt32(p + 4, true);
      return this.mdv.getInt32(p, true);
    }
    return this.rd64Slow(lo, hi, ACC_R, this.ub);
  }
  private rd64Slow(lo: number, hi: number, acc: number, user: number): number {
    const l = this.rdSlow(lo, hi, 4, acc, user);
    if (this.fault !== 0) return 0;
    const lo2 = (lo + 4) | 0;
    const hi2 = lo2 >>> 0 < lo >>> 0 ? (hi + 1) | 0 : hi;
    this.rhi = this.rdSlow(lo2, hi2, 4, acc, user);
    return l;
  }

  /** Reads with write intent (read-modify-write): the page must be writable; sets dirty. */
  rdw8(lo: number, hi: number): number {
    const x = ((lo >>> 12) ^ hi) & TLB_MASK;
    if (this.tlbW[x] === ((lo & -4096) | this.ub) && this.tlbHi[x] === hi)
      return this.m8[(this.tlbP[x] | (lo & 4095)) >>> 0];
    return this.rdSlowW(lo, hi, 1);
  }
  rdw16(lo: number, hi: number): number {
    const x = ((lo >>> 12) ^ hi) & TLB_MASK;
    if (this.tlbW[x] === ((lo & -4096) | this.ub) && this.tlbHi[x] === hi && (lo & 4095) <= 4094)
      return this.mdv.getUint16((this.tlbP[x] | (lo & 4095)) >>> 0, true);
    return this.rdSlowW(lo, hi, 2);
  }
  rdw32(lo: number, hi: number): number {
    const x = ((lo >>> 12) ^ hi) & TLB_MASK;
    if (this.tlbW[x] === ((lo & -4096) | this.ub) && this.tlbHi[x] === hi && (lo & 4095) <= 4092) {
      const p = (this.tlbP[x] | (lo & 4095)) >>> 0;
      return (p & 3) === 0 ? this.m32[p >>> 2] : this.mdv.getInt32(p, true);
    }
    return this.rdSlowW(lo, hi, 4);
  }
  rdw64(lo: number, hi: number): number {
    const x = ((lo >>> 12) ^ hi) & TLB_MASK;
    if (this.tlbW[x] === ((lo & -4096) | this.ub) && this.tlbHi[x] === hi && (lo & 4095) <= 4088) {
      const p = (this.tlbP[x] | (lo & 4095)) >>> 0;
      this.rhi = this.mdv.getInt32(p + 4, true);
      return this.mdv.getInt32(p, true);
    }
    // check writability of the whole range first, then read
    if (this.probeW(lo, hi, 8) < 0) return 0;
    return this.rd64Slow(lo, hi, ACC_R, this.ub);
  }
  private rdSlowW(lo: number, hi: number, size: number): number {
    if (this.probeW(lo, hi, size) < 0) return 0;
    return this.rdSlow(lo, hi, size, ACC_R, this.ub);
  }

  /** Check that [lin, lin+size) is writable at the current privilege (fills the TLB, sets D). */
  probeW(lo: number, hi: number, size: number): number {
    const p = this.xlate(lo, hi, ACC_W, this.ub);
    if (p < 0) return -1;
    if ((lo & 4095) + size > 4096) {
      const lo2 = ((lo | 4095) + 1) | 0;
      const hi2 = lo2 >>> 0 < lo >>> 0 ? (hi + 1) | 0 : hi;
      if (this.xlate(lo2, hi2, ACC_W, this.ub) < 0) return -1;
    }
    return p;
  }

  wr8(lo: number, hi: number, v: number): number {
    const x = ((lo >>> 12) ^ hi) & TLB_MASK;
    if (this.tlbW[x] === ((lo & -4096) | this.ub) && this.tlbHi[x] === hi) {
      this.m8[(this.tlbP[x] | (lo & 4095)) >>> 0] = v;
      return 0;
    }
    return this.wrSlow(lo, hi, 1, v, this.ub);
  }
  wr16(lo: number, hi: number, v: number): number {
    const x = ((lo >>> 12) ^ hi) & TLB_MASK;
    if (this.tlbW[x] === ((lo & -4096) | this.ub) && this.tlbHi[x] === hi && (lo & 4095) <= 4094) {
      this.mdv.setUint16((this.tlbP[x] | (lo & 4095)) >>> 0, v, true);
      return 0;
    }
    return this.wrSlow(lo, hi, 2, v, this.ub);
  }
  wr32(lo: number, hi: number, v: number): number {
    const x = ((lo >>> 12) ^ hi) & TLB_MASK;
    if (this.tlbW[x] === ((lo & -4096) | this.ub) && this.tlbHi[x] === hi && (lo & 4095) <= 4092) {
      const p = (this.tlbP[x] | (lo & 4095)) >>> 0;
      if ((p & 3) === 0) this.m32[p >>> 2] = v;
      else this.mdv.setInt32(p, v, true);
      return 0;
    }
    return this.wrSlow(lo, hi, 4, v, this.ub);
  }
  wr64(lo: number, hi: number, vlo: number, vhi: number): number {
    const x = ((lo >>> 12) ^ hi) & TLB_MASK;
    if (this.tlbW[x] === ((lo & -4096) | this.ub) && this.tlbHi[x] === hi && (lo & 4095) <= 4088) {
      const p = (this.tlbP[x] | (lo & 4095)) >>> 0;
      if ((p & 7) === 0) {
        this.m32[p >>> 2] = vlo;
        this.m32[(p >>> 2) + 1] = vhi;
      } else {
        this.mdv.setInt32(p, vlo, true);
        this.mdv.setInt32(p + 4, vhi, true);
      }
      return 0;
    }
    return this.wr64Slow(lo, hi, vlo, vhi, this.ub);
  }
  private wr64Slow(lo: number, hi: number, vlo: number, vhi: number, user: number): number {
    // both halves must be writable before either is written
    const p = this.xlate(lo, hi, ACC_W, user);
    if (p < 0) return 2;
    const lo2 = (lo + 7) | 0;
    const hi2 = lo2 >>> 0 < lo >>> 0 ? (hi + 1) | 0 : hi;
    if (this.xlate(lo2, hi2, ACC_W, user) < 0) return 2;
    if (this.wrSlow(lo, hi, 4, vlo, user) !== 0) return 2;
    const lo4 = (lo + 4) | 0;
    const hi4 = lo4 >>> 0 < lo >>> 0 ? (hi + 1) | 0 : hi;
    return this.wrSlow(lo4, hi4, 4, vhi, user);
  }

  // ---- explicit-privilege accesses (descriptor tables, IDT, TSS: supervisor; IRET frames etc.) ----

  rdPriv(lo: number, hi: number, size: number, user: number): number {
    if (size === 8) return this.rd64Slow(lo, hi, ACC_R, user);
    return this.rdSlow(lo, hi, size, ACC_R, user);
  }
  wrPriv(lo: number, hi: number, size: number, v: number, vhi: number, user: number): number {
    if (size === 8) return this.wr64Slow(lo, hi, v, vhi, user);
    return this.wrSlow(lo, hi, size, v, user);
  }

  /** Turn the pending fault into #SS when it came from a non-canonical stack access. */
  stackFault(): void {
    if (this.nonCanonical && this.excVector === GP) this.excVector = SSF;
  }

  /** Record CR2 (used when a #PF is delivered through the IDT). */
  commitCr2(): void {
    this.s[CR2_LO] = this.excAddrLo;
    this.s[CR2_LO + 1] = this.excAddrHi;
  }
}
