/**
 * The host-physical ("machine") memory xen-core works on. The x86-core
 * PhysicalMemory is adapted to this interface in x86-core-adapter.ts; tests use
 * {@link ArrayPhysicalMemory}. Addresses are byte offsets; every method throws
 * RangeError outside [0, size) — callers check bounds first, so a throw is a bug.
 */
export interface GuestPhysicalMemory {
  readonly size: number;
  readU8(addr: number): number;
  readU16(addr: number): number;
  readU32(addr: number): number;
  readU64(addr: number): bigint;
  writeU8(addr: number, value: number): void;
  writeU16(addr: number, value: number): void;
  writeU32(addr: number, value: number): void;
  writeU64(addr: number, value: bigint): void;
  readBytes(addr: number, length: number): Uint8Array;
  writeBytes(addr: number, data: Uint8Array): void;
  fill(addr: number, length: number, byte: number): void;
  /** Copy `length` bytes from `src` to `dst` (non-overlapping pages). */
  copy(dst: number, src: number, length: number): void;
}

/** A little-endian memory over an (optionally shared) ArrayBuffer. */
export class ArrayPhysicalMemory implements GuestPhysicalMemory {
  readonly size: number;
  private readonly bytes: Uint8Array;
  private readonly view: DataView;

  constructor(sizeOrBuffer: number | ArrayBufferLike) {
    const buffer = typeof sizeOrBuffer === 'number' ? new SharedArrayBuffer(sizeOrBuffer) : sizeOrBuffer;
    this.bytes = new Uint8Array(buffer);
    this.view = new DataView(buffer);
    this.size = buffer.byteLength;
  }

  private check(addr: number, len: number): void {
    if (!Number.isInteger(addr) || addr < 0 || addr + len > this.size) {
      throw new RangeError(`physical access ${addr}+${len} outside [0, ${this.size})`);
    }
  }

  readU8(addr: number): number {
    this.check(addr, 1);
    return this.bytes[addr];
  }
  readU16(addr: number): number {
    this.check(addr, 2);
    return this.view.getUint16(addr, true);
  }
  readU32(addr: number): number {
    this.check(addr, 4);
    return this.view.getUint32(addr, true);
  }
  readU64(addr: number): bigint {
    this.check(addr, 8);
    return this.view.getBigUint64(addr, true);
  }
  writeU8(addr: number, value: number): void {
    this.check(addr, 1);
    this.bytes[addr] = value;
  }
  writeU16(addr: number, value: number): void {
    this.check(addr, 2);
    this.view.setUint16(addr, value, true);
  }
  writeU32(addr: number, value: number): void {
    this.check(addr, 4);
    this.view.setUint32(addr, value >>> 0, true);
  }
  writeU64(addr: number, value: bigint): void {
    this.check(addr, 8);
    this.view.setBigUint64(addr, BigInt.asUintN(64, value), true);
  }
  readBytes(addr: number, length: number): Uint8Array {
    this.check(addr, length);
    return this.bytes.slice(addr, addr + length);
  }
  writeBytes(addr: number, data: Uint8Array): void {
    this.check(addr, data.length);
    this.bytes.set(data, addr);
  }
  fill(addr: number, length: number, byte: number): void {
    this.check(addr, length);
    this.bytes.fill(byte, addr, addr + length);
  }
  copy(dst: number, src: number, length: number): void {
    this.check(dst, length);
    this.check(src, length);
    this.bytes.copyWithin(dst, src, src + length);
  }
}
