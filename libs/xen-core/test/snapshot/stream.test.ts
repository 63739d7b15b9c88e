import { describe, expect, it } from 'vitest';
import { SnapshotError } from '../../src/xenstore/snapshot';
import { FieldReader, FieldWriter } from '../../src/snapshot/codec';
import { crc32, decodeSnapshot, encodeSnapshot, sectionReader } from '../../src/snapshot/stream';

function sample(): Uint8Array {
  const w = new FieldWriter();
  w.u8(7);
  w.u16(0xbeef);
  w.u32(0xdeadbeef);
  w.u64(0xfedcba9876543210n);
  w.bool(true);
  w.str('héllo');
  w.bytes(Uint8Array.of(1, 2, 3));
  return encodeSnapshot([
    { tag: 'VCPU', payload: w.done() },
    { tag: 'MEM0', payload: new Uint8Array(5000).map((_, i) => i * 7) },
  ]);
}

/** A tiny deterministic PRNG so the fuzz cases are the same on every run. */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0);
}

describe('snapshot stream', () => {
  it('round-trips sections and fields', () => {
    const sections = decodeSnapshot(sample());
    expect([...sections.keys()]).toEqual(['VCPU', 'MEM0']);
    const r = sectionReader(sections, 'VCPU');
    expect([r.u8(), r.u16(), r.u32(), r.u64(), r.bool(), r.str()]).toEqual([
      7,
      0xbeef,
      0xdeadbeef,
      0xfedcba9876543210n,
      true,
      'héllo',
    ]);
    expect([...r.bytes()]).toEqual([1, 2, 3]);
    r.end();
    expect(sections.get('MEM0')![4999]).toBe((4999 * 7) & 0xff);
  });

  it('uses the IEEE CRC-32', () => {
    expect(crc32(new TextEncoder().encode('123456789'))).toBe(0xcbf43926);
  });

  it('names what is wrong: magic, version, checksum, missing section', () => {
    const good = sample();
    const badMagic = good.slice();
    badMagic[0] ^= 1;
    expect(() => decodeSnapshot(badMagic)).toThrow(/bad magic/);
    expect(() => decodeSnapshot(good.subarray(0, 10))).toThrow(/too short/);
    expect(() => decodeSnapshot('nope')).toThrow(/Uint8Array/);
    const flipped = good.slice();
    flipped[40] ^= 0x10;
    expect(() => decodeSnapshot(flipped)).toThrow(/checksum/);
    // A future version with a valid checksum is refused for its version, not its checksum.
    const future = good.slice(0, good.length - 4);
    new DataView(future.buffer).setUint32(8, 2, true);
    const resealed = new Uint8Array(future.length + 4);
    resealed.set(future);
    new DataView(resealed.buffer).setUint32(future.length, crc32(future), true);
    expect(() => decodeSnapshot(resealed)).toThrow(/version 2 is not supported/);
    expect(() => sectionReader(decodeSnapshot(good), 'GNT0')).toThrow(/no GNT0 section/);
  });

  it('refuses duplicate or malformed tags when writing', () => {
    expect(() => encodeSnapshot([{ tag: 'abc', payload: new Uint8Array() }])).toThrow(SnapshotError);
    const p = { tag: 'AAAA', payload: new Uint8Array() };
    expect(() => encodeSnapshot([p, p])).toThrow(/twice/);
  });

  it('bounds every read: lengths beyond the buffer, bad booleans, bad UTF-8, trailing bytes', () => {
    const w = new FieldWriter();
    w.u32(0xffffffff);
    expect(() => new FieldReader(w.done()).bytes()).toThrow(/truncated/);
    expect(() => new FieldReader(Uint8Array.of(2)).bool()).toThrow(/bad boolean/);
    expect(() => new FieldReader(Uint8Array.of(1, 0, 0, 0, 0xff)).str()).toThrow(/UTF-8/);
    expect(() => new FieldReader(Uint8Array.of(5, 0, 0, 0)).u32In('port', 0, 4)).toThrow(/port 5 outside/);
    const r = new FieldReader(Uint8Array.of(1, 2));
    r.u8();
    expect(() => r.end()).toThrow(/trailing/);
  });

  it('fuzz: bit flips and truncations always end in SnapshotError', () => {
    const good = sample();
    const next = lcg(5);
    for (let i = 0; i < 500; i++) {
      const b = good.slice();
      const flips = 1 + (next() % 4);
      for (let k = 0; k < flips; k++) b[next() % b.length] ^= 1 << (next() % 8);
      expect(() => decodeSnapshot(b)).toThrow(SnapshotError);
    }
    for (let n = 0; n < good.length; n += 1 + (next() % 97))
      expect(() => decodeSnapshot(good.subarray(0, n))).toThrow(SnapshotError);
  });
});
