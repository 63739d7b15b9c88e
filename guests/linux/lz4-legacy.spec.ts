import { describe, expect, it } from 'vitest';
import { decodeLz4Block, decompressLz4Legacy, findLz4LegacyFrame, Lz4Error } from './lz4-legacy';
import { vmlinuxFromBzImage } from './build-image';

const u32 = (n: number): number[] => [n & 255, (n >>> 8) & 255, (n >>> 16) & 255, n >>> 24];
const MAGIC = u32(0x184c2102);

/** "abc" as literals, then a 10-byte match at distance 3 (overlapping), then "Z" as the last literals. */
const BLOCK = [0x36, 0x61, 0x62, 0x63, 0x03, 0x00, 0x10, 0x5a];
const BLOCK_OUT = 'abcabcabcabca' + 'Z';

describe('LZ4 legacy frames', () => {
  it('decodes literals and overlapping matches', () => {
    const out = new Uint8Array(64);
    const n = decodeLz4Block(Uint8Array.from(BLOCK), out);
    expect(new TextDecoder().decode(out.subarray(0, n))).toBe(BLOCK_OUT);
  });

  it('decodes extended literal and match lengths', () => {
    // 20 literals 'x' (15 + 5), then a match of 4 + 15 + 1 = 20 at distance 1, then 1 literal.
    const block = [0xff, 5, ...Array(20).fill(0x78), 1, 0, 1, 0x10, 0x79];
    const out = new Uint8Array(64);
    const n = decodeLz4Block(Uint8Array.from(block), out);
    expect(new TextDecoder().decode(out.subarray(0, n))).toBe('x'.repeat(40) + 'y');
  });

  it('refuses a match before the start of the output and a truncated block', () => {
    expect(() => decodeLz4Block(Uint8Array.from([0x10, 0x61, 0x05, 0x00]), new Uint8Array(16))).toThrow(
      Lz4Error,
    );
    expect(() => decodeLz4Block(Uint8Array.from([0x50, 0x61]), new Uint8Array(16))).toThrow(Lz4Error);
  });

  it('stops at the bzImage size trailer and ignores what follows', () => {
    const frame = [
      ...MAGIC,
      ...u32(BLOCK.length),
      ...BLOCK,
      ...u32(BLOCK.length),
      ...BLOCK,
      ...u32(28),
      9,
      9,
      9,
    ];
    const data = Uint8Array.from([0xee, 0xee, ...frame]);
    expect(findLz4LegacyFrame(data)).toBe(2);
    expect(new TextDecoder().decode(decompressLz4Legacy(data, 2))).toBe(BLOCK_OUT + BLOCK_OUT);
  });

  it('finds the ELF frame in a bzImage after a false magic', () => {
    // 'ELF' as a literal-only block, preceded by the magic bytes in a spot that is not a frame.
    const elfBlock = [0x40, 0x7f, 0x45, 0x4c, 0x46];
    const bz = Uint8Array.from([
      ...MAGIC,
      0,
      0,
      0,
      0,
      ...MAGIC,
      ...u32(elfBlock.length),
      ...elfBlock,
      ...u32(4),
    ]);
    expect(Array.from(vmlinuxFromBzImage(bz))).toEqual([0x7f, 0x45, 0x4c, 0x46]);
    expect(() => vmlinuxFromBzImage(Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 8]))).toThrow(/no LZ4/);
  });
});
