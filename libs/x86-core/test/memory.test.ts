/**
 * PhysicalMemory: construction limits, page helpers, code-write notifications.
 */
import { describe, expect, it } from 'vitest';
import { MAX_PHYSICAL_BYTES, PhysicalMemory, type CodeTracker } from '../src';

describe('PhysicalMemory', () => {
  it('accepts multiples of 4 KiB up to 4 GiB and rejects the rest', () => {
    expect(new PhysicalMemory(8192).size).toBe(8192);
    expect(() => new PhysicalMemory(1000)).toThrow(RangeError);
    expect(() => new PhysicalMemory(0)).toThrow(RangeError);
    expect(() => new PhysicalMemory(MAX_PHYSICAL_BYTES + 4096)).toThrow(RangeError);
  });

  it('wraps an existing SharedArrayBuffer (shareable with workers / wasm)', () => {
    const sab = new SharedArrayBuffer(16384);
    const a = new PhysicalMemory(sab);
    const b = new PhysicalMemory(sab);
    a.writeU32(100, 0xdeadbeef);
    expect(b.readU32(100)).toBe(0xdeadbeef);
  });

  it('reads and writes u8..u64 little-endian', () => {
    const m = new PhysicalMemory(4096);
    m.writeU64(8, 0x0102030405060708n);
    expect(m.readU8(8)).toBe(8);
    expect(m.readU16(8)).toBe(0x0708);
    expect(m.readU32(12)).toBe(0x01020304);
    expect(m.readU64(8)).toBe(0x0102030405060708n);
    expect(() => m.readU32(4094)).toThrow(RangeError);
  });

  it('page helpers fill, copy, zero and read pages', () => {
    const m = new PhysicalMemory(3 * 4096);
    m.fillPage(1, 0xab);
    m.copyPage(2, 1);
    expect(m.readPage(2).every((b) => b === 0xab)).toBe(true);
    m.zeroPage(1);
    expect(m.readU8(4096 + 17)).toBe(0);
    const page = new Uint8Array(4096).fill(7);
    m.writePage(0, page);
    expect(m.read(10, 2)).toEqual(Uint8Array.from([7, 7]));
  });

  it('notifies code trackers only for writes to pages marked as code', () => {
    const m = new PhysicalMemory(4 * 4096);
    const hits: [number, number][] = [];
    const t: CodeTracker = { onCodeWrite: (a, n) => hits.push([a, n]), onCodePage: () => undefined };
    const bit = m.attachTracker(t);
    m.writeU8(10, 1);
    expect(hits).toEqual([]);
    m.markCode(2, bit, t);
    m.writeU32(2 * 4096 + 4, 5);
    m.fill(4096 + 4000, 200, 0); // crosses into page 2
    expect(hits).toEqual([
      [2 * 4096 + 4, 4],
      [4096 + 4000, 200],
    ]);
  });
});
