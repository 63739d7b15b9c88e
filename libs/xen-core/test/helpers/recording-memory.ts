import { ArrayPhysicalMemory } from '../../src/mem/guest-physical-memory';

/** ArrayPhysicalMemory that counts every mutation (to prove a failed build touched nothing). */
export class RecordingMemory extends ArrayPhysicalMemory {
  writes = 0;
  override writeU8(a: number, v: number): void {
    this.writes++;
    super.writeU8(a, v);
  }
  override writeU16(a: number, v: number): void {
    this.writes++;
    super.writeU16(a, v);
  }
  override writeU32(a: number, v: number): void {
    this.writes++;
    super.writeU32(a, v);
  }
  override writeU64(a: number, v: bigint): void {
    this.writes++;
    super.writeU64(a, v);
  }
  override writeBytes(a: number, d: Uint8Array): void {
    this.writes++;
    super.writeBytes(a, d);
  }
  override fill(a: number, l: number, b: number): void {
    this.writes++;
    super.fill(a, l, b);
  }
  override copy(d: number, s: number, l: number): void {
    this.writes++;
    super.copy(d, s, l);
  }
}

/** mulberry32: a small seeded PRNG. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
