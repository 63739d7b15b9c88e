/**
 * Guest physical memory: one linear SharedArrayBuffer (shareable with worker_threads and usable as the
 * backing store of a shared WebAssembly.Memory), with page-granular helpers.
 *
 * Size limit: Node 20 (V8 11.3) allocates SharedArrayBuffers larger than 4 GiB, but a typed-array view
 * may hold at most 2^32 elements, so a flat Uint8Array can cover at most 4 GiB. The core indexes memory
 * through flat typed arrays on the hot path, so one PhysicalMemory is limited to 4 GiB (the wasm32
 * limit as well). Larger guests would need a chunked variant; see docs/x86-core.md.
 *
 * Code tracking: `codePages[pfn]` is non-zero while the CPU holds decoded blocks for page `pfn`. Every
 * write helper here checks it and notifies the registered listeners (the CPUs) so that self-modifying
 * code and code loading by the embedder invalidate stale decoded blocks.
 */

import { newControlBuffer } from './host-lock';

export const PAGE_SIZE = 4096;
export const PAGE_SHIFT = 12;
/** Largest supported size: 4 GiB (limit of a single typed-array view in Node 20). */
export const MAX_PHYSICAL_BYTES = 2 ** 32;

/** A CPU that caches decoded code from this memory. */
export interface CodeTracker {
  /** A write touched [addr, addr+length) on a page some tracker marked as code. */
  onCodeWrite(addr: number, length: number): void;
  /** Page `pfn` became a code page for another tracker: stop bypassing the write checks for it. */
  onCodePage(pfn: number): void;
}

/** What another worker_thread needs to attach to the same guest memory (postMessage-able). */
export interface SharedMemoryHandle {
  buffer: SharedArrayBuffer;
  control: SharedArrayBuffer;
}

export class PhysicalMemory {
  readonly buffer: SharedArrayBuffer;
  /** Size in bytes (a multiple of 4096). */
  readonly size: number;
  readonly pages: number;
  readonly u8: Uint8Array;
  readonly i32: Int32Array;
  readonly dv: DataView;
  /** Per-page bitmask: bit k set while the CPU with code slot k holds decoded code from this page. */
  readonly codePages: Uint8Array;
  /** Shared control words (the bus lock for split and 16-byte LOCK operations; see host-lock.ts). */
  readonly control: Int32Array;
  private readonly trackers: CodeTracker[] = [];

  /**
   * `control` must be passed when attaching to a buffer that other threads already use (see
   * `shareHandle` / `fromShared`); without it this memory gets a private bus lock.
   */
  constructor(bytes: number | SharedArrayBuffer, control?: SharedArrayBuffer) {
    if (typeof bytes === 'number') {
      if (!Number.isInteger(bytes) || bytes <= 0 || bytes % PAGE_SIZE !== 0 || bytes > MAX_PHYSICAL_BYTES) {
        throw new RangeError(
          `PhysicalMemory size must be a positive multiple of 4096 up to 4 GiB, got ${bytes}`,
        );
      }
      this.buffer = new SharedArrayBuffer(bytes);
    } else {
      if (
        bytes.byteLength % PAGE_SIZE !== 0 ||
        bytes.byteLength > MAX_PHYSICAL_BYTES ||
        bytes.byteLength === 0
      ) {
        throw new RangeError(`SharedArrayBuffer must be a non-empty multiple of 4096 up to 4 GiB`);
      }
      this.buffer = bytes;
    }
    this.size = this.buffer.byteLength;
    this.pages = this.size / PAGE_SIZE;
    this.u8 = new Uint8Array(this.buffer);
    this.i32 = new Int32Array(this.buffer);
    this.dv = new DataView(this.buffer);
    this.codePages = new Uint8Array(this.pages);
    this.control = new Int32Array(control ?? newControlBuffer());
  }

  /** Attach to memory created on another thread; LOCK operations stay atomic across both. */
  static fromShared(handle: SharedMemoryHandle): PhysicalMemory {
    return new PhysicalMemory(handle.buffer, handle.control);
  }

  /** The buffers to post to a worker_thread that runs CPUs on this memory. */
  shareHandle(): SharedMemoryHandle {
    return { buffer: this.buffer, control: this.control.buffer as SharedArrayBuffer };
  }

  /**
   * Register a CPU caching code from this memory; returns its code-slot bit for `codePages`. Up to 7
   * CPUs get private bits; further ones share bit 7 (their pages then stay marked until reset).
   */
  attachTracker(t: CodeTracker): number {
    this.trackers.push(t);
    return 1 << Math.min(this.trackers.length - 1, 7);
  }

  detachTracker(t: CodeTracker): void {
    const i = this.trackers.indexOf(t);
    if (i >= 0) this.trackers.splice(i, 1);
  }

  /** Mark page `pfn` as holding code for the tracker owning `bit`; tells the other trackers. */
  markCode(pfn: number, bit: number, owner: CodeTracker): void {
    const old = this.codePages[pfn];
    this.codePages[pfn] = old | bit;
    if ((old & bit) === 0) for (const t of this.trackers) if (t !== owner) t.onCodePage(pfn);
  }

  /** Must be called after any direct write into `u8`/`i32`/`dv` that may hit code pages. */
  notifyWrite(addr: number, length: number): void {
    if (length <= 0) return;
    const first = Math.floor(addr / PAGE_SIZE);
    const last = Math.floor((addr + length - 1) / PAGE_SIZE);
    for (let p = first; p <= last; p++) {
      if (this.codePages[p] !== 0) {
        for (const t of this.trackers) t.onCodeWrite(addr, length);
        return;
      }
    }
  }

  private check(addr: number, length: number): void {
    if (!(addr >= 0 && length >= 0 && addr + length <= this.size && Number.isInteger(addr))) {
      throw new RangeError(`physical access ${addr}+${length} outside memory of ${this.size} bytes`);
    }
  }

  readU8(addr: number): number {
    this.check(addr, 1);
    return this.u8[addr];
  }
  readU16(addr: number): number {
    this.check(addr, 2);
    return this.dv.getUint16(addr, true);
  }
  readU32(addr: number): number {
    this.check(addr, 4);
    return this.dv.getUint32(addr, true);
  }
  readU64(addr: number): bigint {
    this.check(addr, 8);
    return this.dv.getBigUint64(addr, true);
  }
  writeU8(addr: number, v: number): void {
    this.check(addr, 1);
    this.u8[addr] = v;
    this.notifyWrite(addr, 1);
  }
  writeU16(addr: number, v: number): void {
    this.check(addr, 2);
    this.dv.setUint16(addr, v, true);
    this.notifyWrite(addr, 2);
  }
  writeU32(addr: number, v: number): void {
    this.check(addr, 4);
    this.dv.setUint32(addr, v >>> 0, true);
    this.notifyWrite(addr, 4);
  }
  writeU64(addr: number, v: bigint): void {
    this.check(addr, 8);
    this.dv.setBigUint64(addr, BigInt.asUintN(64, v), true);
    this.notifyWrite(addr, 8);
  }

  /** Copy `length` bytes out (a fresh array). */
  read(addr: number, length: number): Uint8Array {
    this.check(addr, length);
    return this.u8.slice(addr, addr + length);
  }
  write(addr: number, data: Uint8Array): void {
    this.check(addr, data.length);
    this.u8.set(data, addr);
    this.notifyWrite(addr, data.length);
  }
  fill(addr: number, length: number, value: number): void {
    this.check(addr, length);
    this.u8.fill(value, addr, addr + length);
    this.notifyWrite(addr, length);
  }
  copy(dst: number, src: number, length: number): void {
    this.check(dst, length);
    this.check(src, length);
    this.u8.copyWithin(dst, src, src + length);
    this.notifyWrite(dst, length);
  }

  readPage(pfn: number, out?: Uint8Array): Uint8Array {
    const a = pfn * PAGE_SIZE;
    this.check(a, PAGE_SIZE);
    const dst = out ?? new Uint8Array(PAGE_SIZE);
    dst.set(this.u8.subarray(a, a + PAGE_SIZE));
    return dst;
  }
  writePage(pfn: number, data: Uint8Array): void {
    if (data.length !== PAGE_SIZE) throw new RangeError('writePage needs exactly 4096 bytes');
    this.write(pfn * PAGE_SIZE, data);
  }
  fillPage(pfn: number, value: number): void {
    this.fill(pfn * PAGE_SIZE, PAGE_SIZE, value);
  }
  zeroPage(pfn: number): void {
    this.fill(pfn * PAGE_SIZE, PAGE_SIZE, 0);
  }
  copyPage(dstPfn: number, srcPfn: number): void {
    this.copy(dstPfn * PAGE_SIZE, srcPfn * PAGE_SIZE, PAGE_SIZE);
  }
}
