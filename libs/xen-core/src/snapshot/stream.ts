/**
 * The domain snapshot container: a versioned, checksummed sequence of tagged sections.
 *
 * Layout (little-endian): magic "XENOSNAP", u32 format version, u32 section count, then per
 * section {4-byte ASCII tag, u32 length, payload}, then a CRC-32 (IEEE) of every byte before it.
 * The checksum is verified before any section is looked at, so a bit flip or truncation anywhere
 * is reported as such instead of surfacing as a confusing field error deep in a section decoder.
 * A tag appears at most once; readers ask for the sections they need by tag.
 */
import { FieldReader, FieldWriter, SnapshotError } from './codec';

export const SNAPSHOT_MAGIC = 'XENOSNAP';
export const SNAPSHOT_VERSION = 1;
const HEADER_BYTES = 8 + 4 + 4;
const SECTION_HEADER_BYTES = 8;
const CRC_BYTES = 4;
/** Far above any real domain's section count; bounds the work a hostile header can ask for. */
const MAX_SECTIONS = 4096;
const TAG_RE = /^[A-Z0-9]{4}$/;

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

export function crc32(b: Uint8Array): number {
  let c = 0xffffffff;
  for (let i = 0; i < b.length; i++) c = CRC_TABLE[(c ^ b[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

export interface SnapshotSection {
  tag: string;
  payload: Uint8Array;
}

export function encodeSnapshot(sections: SnapshotSection[]): Uint8Array {
  const seen = new Set<string>();
  const w = new FieldWriter();
  w.raw(new TextEncoder().encode(SNAPSHOT_MAGIC));
  w.u32(SNAPSHOT_VERSION);
  w.u32(sections.length);
  for (const s of sections) {
    if (!TAG_RE.test(s.tag))
      throw new SnapshotError(`section tag ${JSON.stringify(s.tag)} is not 4 of [A-Z0-9]`);
    if (seen.has(s.tag)) throw new SnapshotError(`section ${s.tag} given twice`);
    seen.add(s.tag);
    w.raw(new TextEncoder().encode(s.tag));
    w.bytes(s.payload);
  }
  const body = w.done();
  const out = new Uint8Array(body.length + CRC_BYTES);
  out.set(body);
  new DataView(out.buffer).setUint32(body.length, crc32(body), true);
  return out;
}

/** The sections of a snapshot, by tag. Throws SnapshotError for anything that is not a valid stream. */
export function decodeSnapshot(bytes: unknown): Map<string, Uint8Array> {
  if (!(bytes instanceof Uint8Array)) throw new SnapshotError('a snapshot must be a Uint8Array');
  if (bytes.length < HEADER_BYTES + CRC_BYTES)
    throw new SnapshotError(`snapshot too short (${bytes.length} bytes)`);
  const body = bytes.subarray(0, bytes.length - CRC_BYTES);
  const magic = new TextDecoder('latin1').decode(body.subarray(0, 8));
  if (magic !== SNAPSHOT_MAGIC) throw new SnapshotError('not a domain snapshot (bad magic)');
  const stored = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(body.length, true);
  if (crc32(body) !== stored) throw new SnapshotError('snapshot checksum mismatch (corrupted or truncated)');
  const r = new FieldReader(body.subarray(8), 'snapshot header');
  const version = r.u32();
  if (version !== SNAPSHOT_VERSION)
    throw new SnapshotError(
      `snapshot format version ${version} is not supported (this host reads ${SNAPSHOT_VERSION})`,
    );
  const count = r.u32In('section count', 0, MAX_SECTIONS);
  if (count * SECTION_HEADER_BYTES > r.remaining)
    throw new SnapshotError(`snapshot header claims ${count} sections`);
  const sections = new Map<string, Uint8Array>();
  for (let i = 0; i < count; i++) {
    const tag = new TextDecoder('latin1').decode(r.raw(4));
    if (!TAG_RE.test(tag)) throw new SnapshotError(`section ${i} has a bad tag`);
    if (sections.has(tag)) throw new SnapshotError(`section ${tag} appears twice`);
    sections.set(tag, r.bytes(r.remaining));
  }
  r.end();
  return sections;
}

/** A section's field reader; a missing section is a SnapshotError naming it. */
export function sectionReader(sections: Map<string, Uint8Array>, tag: string): FieldReader {
  const payload = sections.get(tag);
  if (!payload) throw new SnapshotError(`snapshot has no ${tag} section`);
  return new FieldReader(payload, `section ${tag}`);
}
