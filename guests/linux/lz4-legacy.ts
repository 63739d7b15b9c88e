/**
 * Decoder for the LZ4 "legacy" frame format, the one Linux's `make bzImage` uses for its compressed
 * vmlinux (magic 0x184C2102, then blocks of `u32 compressed size` + LZ4 block, each decompressing to
 * at most 8 MiB). The bzImage appends the uncompressed size (u32) after the last block and then carries
 * on with unrelated bytes, so the stream ends at the first block header that cannot be a block.
 */

export const LZ4_LEGACY_MAGIC = 0x184c2102;
const LEGACY_BLOCK_MAX_OUTPUT = 8 << 20;
/** LZ4_compressBound(8 MiB): the largest a legacy block can be on disk. */
const LEGACY_BLOCK_MAX_INPUT = LEGACY_BLOCK_MAX_OUTPUT + Math.floor(LEGACY_BLOCK_MAX_OUTPUT / 255) + 16;

export class Lz4Error extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'Lz4Error';
  }
}

/** Offset of the first legacy-frame magic in `data`, or -1. */
export function findLz4LegacyFrame(data: Uint8Array, from = 0): number {
  for (let i = from; i + 4 <= data.length; i++) {
    if (data[i] === 0x02 && data[i + 1] === 0x21 && data[i + 2] === 0x4c && data[i + 3] === 0x18) return i;
  }
  return -1;
}

/** Decompresses the legacy frame starting at `offset` (which must hold the magic). */
export function decompressLz4Legacy(data: Uint8Array, offset = 0): Uint8Array {
  if (readU32(data, offset) !== LZ4_LEGACY_MAGIC)
    throw new Lz4Error(`no LZ4 legacy magic at offset ${offset}`);
  const blocks: Uint8Array[] = [];
  let total = 0;
  let pos = offset + 4;
  const scratch = new Uint8Array(LEGACY_BLOCK_MAX_OUTPUT);
  while (pos + 4 <= data.length) {
    const size = readU32(data, pos);
    // Concatenated streams repeat the magic; the bzImage's size trailer equals the output length so far.
    if (size === LZ4_LEGACY_MAGIC) {
      pos += 4;
      continue;
    }
    if (size === 0 || size === total || size > LEGACY_BLOCK_MAX_INPUT || pos + 4 + size > data.length) break;
    const produced = decodeLz4Block(data.subarray(pos + 4, pos + 4 + size), scratch);
    blocks.push(scratch.slice(0, produced));
    total += produced;
    pos += 4 + size;
  }
  if (blocks.length === 0) throw new Lz4Error('LZ4 legacy frame holds no block');
  const out = new Uint8Array(total);
  let at = 0;
  for (const block of blocks) {
    out.set(block, at);
    at += block.length;
  }
  return out;
}

/** Decodes one raw LZ4 block into `out`; returns the number of bytes produced. */
export function decodeLz4Block(src: Uint8Array, out: Uint8Array): number {
  let s = 0;
  let d = 0;
  while (s < src.length) {
    const token = src[s++];
    let literals = token >>> 4;
    if (literals === 15) {
      let extra: number;
      do {
        if (s >= src.length) throw new Lz4Error('truncated literal length');
        extra = src[s++];
        literals += extra;
      } while (extra === 255);
    }
    if (s + literals > src.length) throw new Lz4Error('literals run past the block');
    if (d + literals > out.length) throw new Lz4Error('block output larger than its limit');
    out.set(src.subarray(s, s + literals), d);
    s += literals;
    d += literals;
    if (s === src.length) break; // the last sequence has literals only
    if (s + 2 > src.length) throw new Lz4Error('truncated match offset');
    const distance = src[s] | (src[s + 1] << 8);
    s += 2;
    if (distance === 0 || distance > d) throw new Lz4Error(`match offset ${distance} outside the output`);
    let length = (token & 15) + 4;
    if ((token & 15) === 15) {
      let extra: number;
      do {
        if (s >= src.length) throw new Lz4Error('truncated match length');
        extra = src[s++];
        length += extra;
      } while (extra === 255);
    }
    if (d + length > out.length) throw new Lz4Error('block output larger than its limit');
    // Byte by byte: a match may overlap the bytes it is producing (distance < length).
    for (let from = d - distance, end = d + length; d < end;) out[d++] = out[from++];
  }
  return d;
}

function readU32(data: Uint8Array, at: number): number {
  return (data[at] | (data[at + 1] << 8) | (data[at + 2] << 16) | (data[at + 3] << 24)) >>> 0;
}
