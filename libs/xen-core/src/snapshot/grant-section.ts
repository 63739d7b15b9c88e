/**
 * The grant section: the domain's grant-table frames (v1 entries are in those shared frames) and
 * where each frame was placed with XENMEM_add_to_physmap. Only the table travels:
 *
 * - active uses of the domain's grants (maps and copies by other domains, xenstored's map of the
 *   store ring) are not carried: there is nobody to hold them on the target. GTF_reading and
 *   GTF_writing are cleared, and backends map again (xenstored does at XS_INTRODUCE).
 * - grants of other domains this domain had mapped are not carried either; their PTEs are dropped
 *   from its page tables (memory-section.ts counts them).
 *
 * A permit_access entry names a frame by mfn (PV); it is written as the frame's name and turned
 * back into the target mfn on restore; a frame that is not the domain's becomes 0xffffffff, which
 * any map refuses (the granter must own the frame).
 *
 * Layout: u32 frames × {bool placed, u64 gpfn if placed, bool zero, 4096 bytes unless zero}.
 */
import {
  GRANT_ENTRY_FLAGS,
  GRANT_ENTRY_FRAME,
  GRANTS_PER_FRAME_V1,
  GRANT_ENTRY_V1_SIZE,
  GTF_permit_access,
  GTF_reading,
  GTF_type_mask,
  GTF_writing,
} from '../grants/abi';
import type { GrantTable } from '../grants/grant-table';
import type { HostMemory } from '../mm/host-memory';
import { PAGE_SIZE } from '../public/page';
import { FieldReader, FieldWriter, SnapshotError } from './codec';
import type { FrameNamer, FrameResolver } from './frame-names';
import { MAX_PFN } from './frame-names';

const NO_FRAME = 0xffffffff;

export interface SavedGrantFrame {
  gpfn: bigint | undefined;
  data: Uint8Array;
}

function rewriteEntries(page: Uint8Array, frame: (f: number) => number): void {
  const dv = new DataView(page.buffer, page.byteOffset, page.byteLength);
  for (let i = 0; i < GRANTS_PER_FRAME_V1; i++) {
    const at = i * GRANT_ENTRY_V1_SIZE;
    const flags = dv.getUint16(at + GRANT_ENTRY_FLAGS, true);
    dv.setUint16(at + GRANT_ENTRY_FLAGS, flags & ~(GTF_reading | GTF_writing), true);
    if ((flags & GTF_type_mask) === GTF_permit_access)
      dv.setUint32(at + GRANT_ENTRY_FRAME, frame(dv.getUint32(at + GRANT_ENTRY_FRAME, true)), true);
  }
}

export function captureGrants(host: HostMemory, t: GrantTable, namer: FrameNamer): SavedGrantFrame[] {
  return t.frames.map((mfn, i) => {
    const data = host.mem.readBytes(mfn * PAGE_SIZE, PAGE_SIZE).slice();
    rewriteEntries(data, (f) => {
      const name = namer.name(f);
      return name !== undefined && name <= MAX_PFN ? name : NO_FRAME;
    });
    return { gpfn: t.frameGpfn[i], data };
  });
}

export function writeGrants(w: FieldWriter, frames: readonly SavedGrantFrame[]): void {
  w.u32(frames.length);
  for (const f of frames) {
    w.bool(f.gpfn !== undefined);
    if (f.gpfn !== undefined) w.u64(f.gpfn);
    const zero = f.data.every((b) => b === 0);
    w.bool(zero);
    if (!zero) w.raw(f.data);
  }
}

export function readGrants(r: FieldReader, maxFrames: number): SavedGrantFrame[] {
  const n = r.u32In('grant frames', 1, maxFrames);
  const frames: SavedGrantFrame[] = [];
  for (let i = 0; i < n; i++) {
    const gpfn = r.bool() ? r.u64() : undefined;
    if (gpfn !== undefined && gpfn > BigInt(MAX_PFN))
      throw new SnapshotError(`grant frame ${i} placed at gpfn ${gpfn}`);
    const data = r.bool() ? new Uint8Array(PAGE_SIZE) : r.raw(PAGE_SIZE);
    frames.push({ gpfn, data });
  }
  r.end();
  return frames;
}

/** Write the saved entries into the restored table's frames (already grown to the saved count). */
export function loadGrants(
  host: HostMemory,
  t: GrantTable,
  frames: readonly SavedGrantFrame[],
  resolver: FrameResolver,
): void {
  frames.forEach((f, i) => {
    const data = f.data.slice();
    rewriteEntries(data, (name) => (name === NO_FRAME ? NO_FRAME : (resolver.resolve(name) ?? NO_FRAME)));
    host.mem.writeBytes(t.frames[i] * PAGE_SIZE, data);
  });
}
