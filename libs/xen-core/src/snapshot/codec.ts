/**
 * Bounded little-endian field codec for domain snapshots. The reader never reads past its buffer
 * and never allocates more than the bytes it holds: every length is checked against what is left
 * before anything is sliced, so a hostile stream ends in a SnapshotError, not a RangeError or an
 * out-of-memory.
 */
import { SnapshotError } from '../xenstore/snapshot';

// One error class for every snapshot layer (the xenstore store snapshot nests inside a domain's).
export { SnapshotError };

export class FieldWriter {
  private buf = new Uint8Array(256);
  private dv = new DataView(this.buf.buffer);
  private at = 0;

  private room(n: number): number {
    if (this.at + n > this.buf.length) {
      const next = new Uint8Array(Math.max(this.buf.length * 2, this.at + n));
      next.set(this.buf.subarray(0, this.at));
      this.buf = next;
      this.dv = new DataView(next.buffer);
    }
    const a = this.at;
    this.at += n;
    return a;
  }

  u8(v: number): void {
    const at = this.room(1);
    this.dv.setUint8(at, v);
  }
  u16(v: number): void {
    const at = this.room(2);
    this.dv.setUint16(at, v, true);
  }
  u32(v: number): void {
    const at = this.room(4);
    this.dv.setUint32(at, v >>> 0, true);
  }
  u64(v: bigint): void {
    const at = this.room(8);
    this.dv.setBigUint64(at, BigInt.asUintN(64, v), true);
  }
  bool(v: boolean): void {
    this.u8(v ? 1 : 0);
  }
  /** u32 length + raw bytes. */
  bytes(b: Uint8Array): void {
    this.u32(b.length);
    this.raw(b);
  }
  raw(b: Uint8Array): void {
    const at = this.room(b.length); // first: room() may replace this.buf
    this.buf.set(b, at);
  }
  /** UTF-8, u32 length first. */
  str(s: string): void {
    this.bytes(new TextEncoder().encode(s));
  }
  get length(): number {
    return this.at;
  }
  done(): Uint8Array {
    return this.buf.slice(0, this.at);
  }
}

export class FieldReader {
  private at = 0;
  private readonly dv: DataView;

  constructor(
    private readonly b: Uint8Array,
    /** Names the part of the stream in error messages. */
    private readonly what = 'snapshot',
  ) {
    this.dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  }

  private need(n: number): number {
    if (this.at + n > this.b.length) throw new SnapshotError(`${this.what}: truncated at byte ${this.at}`);
    const a = this.at;
    this.at += n;
    return a;
  }

  get remaining(): number {
    return this.b.length - this.at;
  }
  u8(): number {
    return this.dv.getUint8(this.need(1));
  }
  u16(): number {
    return this.dv.getUint16(this.need(2), true);
  }
  u32(): number {
    return this.dv.getUint32(this.need(4), true);
  }
  u64(): bigint {
    return this.dv.getBigUint64(this.need(8), true);
  }
  bool(): boolean {
    const v = this.u8();
    if (v > 1) throw new SnapshotError(`${this.what}: bad boolean ${v} at byte ${this.at - 1}`);
    return v === 1;
  }
  /** A u32 in lo..hi (inclusive); `field` names it in the error. */
  u32In(field: string, lo: number, hi: number): number {
    const v = this.u32();
    if (v < lo || v > hi) throw new SnapshotError(`${this.what}: ${field} ${v} outside ${lo}..${hi}`);
    return v;
  }
  bytes(max = Number.MAX_SAFE_INTEGER): Uint8Array {
    const n = this.u32();
    if (n > max) throw new SnapshotError(`${this.what}: ${n} bytes where at most ${max} fit`);
    return this.raw(n);
  }
  raw(n: number): Uint8Array {
    const a = this.need(n);
    return this.b.slice(a, a + n);
  }
  str(max = 4096): string {
    try {
      return new TextDecoder('utf-8', { fatal: true }).decode(this.bytes(max));
    } catch (e) {
      if (e instanceof SnapshotError) throw e;
      throw new SnapshotError(`${this.what}: string is not UTF-8`);
    }
  }
  /** Every byte must have been consumed: trailing bytes mean the stream is not what it claims. */
  end(): void {
    if (this.at !== this.b.length)
      throw new SnapshotError(`${this.what}: ${this.b.length - this.at} unexpected trailing bytes`);
  }
}
