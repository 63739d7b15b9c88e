/**
 * A tiny ELF64 writer for tests: PT_LOAD segments, Xen notes in a PT_NOTE
 * segment and/or a SHT_NOTE section, or a legacy `__xen_guest` section.
 */
export interface TestSegment {
  paddr: bigint;
  vaddr?: bigint;
  data: Uint8Array;
  memsz?: number;
  flags?: number;
}

export interface TestNote {
  type: number;
  desc: Uint8Array;
  name?: string;
}

export interface ElfSpec {
  entry: bigint;
  segments: TestSegment[];
  notes?: TestNote[];
  /** Where notes go: a PT_NOTE segment (default), only a SHT_NOTE section, or both. */
  notePlacement?: 'phdr' | 'shdr' | 'both';
  legacyGuestString?: string;
  machine?: number;
}

export const noteStr = (type: number, s: string): TestNote => ({
  type,
  desc: Buffer.from(s + '\0', 'latin1'),
});

export function noteNum(type: number, v: bigint, size: 1 | 2 | 4 | 8 = 8): TestNote {
  const b = new Uint8Array(size);
  const dv = new DataView(b.buffer);
  if (size === 1) b[0] = Number(v);
  else if (size === 2) dv.setUint16(0, Number(v), true);
  else if (size === 4) dv.setUint32(0, Number(v), true);
  else dv.setBigUint64(0, v, true);
  return { type, desc: b };
}

const align = (n: number, a: number): number => Math.ceil(n / a) * a;

function encodeNotes(notes: TestNote[]): Uint8Array {
  const parts: number[] = [];
  for (const n of notes) {
    const name = Buffer.from((n.name ?? 'Xen') + '\0', 'latin1');
    const hdr = new Uint8Array(12);
    const dv = new DataView(hdr.buffer);
    dv.setUint32(0, name.length, true);
    dv.setUint32(4, n.desc.length, true);
    dv.setUint32(8, n.type, true);
    parts.push(...hdr, ...name, ...new Uint8Array(align(name.length, 4) - name.length));
    parts.push(...n.desc, ...new Uint8Array(align(n.desc.length, 4) - n.desc.length));
  }
  return Uint8Array.from(parts);
}

export function writeElf(spec: ElfSpec): Uint8Array {
  const notes = spec.notes ?? [];
  const placement = spec.notePlacement ?? 'phdr';
  const noteBytes = encodeNotes(notes);
  const wantPtNote = notes.length > 0 && placement !== 'shdr';
  const sections: Array<{ name: string; type: number; data: Uint8Array }> = [];
  if (notes.length > 0 && placement !== 'phdr')
    sections.push({ name: '.note.Xen', type: 7, data: noteBytes });
  if (spec.legacyGuestString !== undefined) {
    sections.push({
      name: '__xen_guest',
      type: 1,
      data: Buffer.from(spec.legacyGuestString + '\0', 'latin1'),
    });
  }
  const phnum = spec.segments.length + (wantPtNote ? 1 : 0);
  let off = 64 + phnum * 56;
  const noteOff = wantPtNote ? off : 0;
  if (wantPtNote) off += noteBytes.length;
  const segOffs = spec.segments.map((s) => {
    off = align(off, 4096);
    const o = off;
    off += s.data.length;
    return o;
  });
  const secOffs = sections.map((s) => {
    off = align(off, 8);
    const o = off;
    off += s.data.length;
    return o;
  });
  const names = ['', ...sections.map((s) => s.name), '.shstrtab'];
  const strtab = Buffer.from(names.join('\0') + '\0', 'latin1');
  const nameOff = names.map((_, i) => names.slice(0, i).reduce((a, n) => a + n.length + 1, 0));
  off = align(off, 8);
  const strtabOff = off;
  off += strtab.length;
  off = align(off, 8);
  const shoff = off;
  const shnum = sections.length + 2;
  const total = shoff + shnum * 64;

  const out = new Uint8Array(total);
  const dv = new DataView(out.buffer);
  out.set([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1], 0);
  dv.setUint16(16, 2, true);
  dv.setUint16(18, spec.machine ?? 62, true);
  dv.setUint32(20, 1, true);
  dv.setBigUint64(24, spec.entry, true);
  dv.setBigUint64(32, 64n, true);
  dv.setBigUint64(40, BigInt(shoff), true);
  dv.setUint16(52, 64, true);
  dv.setUint16(54, 56, true);
  dv.setUint16(56, phnum, true);
  dv.setUint16(58, 64, true);
  dv.setUint16(60, shnum, true);
  dv.setUint16(62, shnum - 1, true);
  spec.segments.forEach((s, i) => {
    const p = 64 + i * 56;
    dv.setUint32(p, 1, true);
    dv.setUint32(p + 4, s.flags ?? 7, true);
    dv.setBigUint64(p + 8, BigInt(segOffs[i]), true);
    dv.setBigUint64(p + 16, s.vaddr ?? s.paddr, true);
    dv.setBigUint64(p + 24, s.paddr, true);
    dv.setBigUint64(p + 32, BigInt(s.data.length), true);
    dv.setBigUint64(p + 40, BigInt(s.memsz ?? s.data.length), true);
    dv.setBigUint64(p + 48, 4096n, true);
    out.set(s.data, segOffs[i]);
  });
  if (wantPtNote) {
    const p = 64 + spec.segments.length * 56;
    dv.setUint32(p, 4, true);
    dv.setUint32(p + 4, 4, true);
    dv.setBigUint64(p + 8, BigInt(noteOff), true);
    dv.setBigUint64(p + 32, BigInt(noteBytes.length), true);
    dv.setBigUint64(p + 40, BigInt(noteBytes.length), true);
    dv.setBigUint64(p + 48, 4n, true);
    out.set(noteBytes, noteOff);
  }
  const writeShdr = (i: number, name: number, type: number, offset: number, size: number): void => {
    const p = shoff + i * 64;
    dv.setUint32(p, name, true);
    dv.setUint32(p + 4, type, true);
    dv.setBigUint64(p + 24, BigInt(offset), true);
    dv.setBigUint64(p + 32, BigInt(size), true);
    dv.setBigUint64(p + 48, 1n, true);
  };
  sections.forEach((s, i) => {
    out.set(s.data, secOffs[i]);
    writeShdr(i + 1, nameOff[i + 1], s.type, secOffs[i], s.data.length);
  });
  out.set(strtab, strtabOff);
  writeShdr(shnum - 1, nameOff[names.length - 1], 3, strtabOff, strtab.length);
  return out;
}
