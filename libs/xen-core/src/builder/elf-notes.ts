import { BuildError } from '../errors';
import { Elf64, inFile, PT_NOTE, sectionName, SHT_NOTE } from './elf';

/** One Xen note: its type and raw descriptor bytes. */
export interface XenNote {
  type: number;
  desc: Uint8Array;
}

export type NoteSource = 'phdr' | 'shdr' | 'legacy';

export interface FoundNotes {
  source: NoteSource;
  notes: XenNote[];
  /** The `__xen_guest` string (legacy images only). */
  legacy?: string;
}

const align4 = (n: number): number => (n + 3) & ~3;

/** Walk one note area; malformed (overrunning) notes are refused. */
function parseNoteArea(data: Uint8Array, offset: number, size: number, out: XenNote[]): void {
  const dv = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const end = offset + size;
  let at = offset;
  while (end - at >= 12) {
    const namesz = dv.getUint32(at, true);
    const descsz = dv.getUint32(at + 4, true);
    const type = dv.getUint32(at + 8, true);
    const nameOff = at + 12;
    const descOff = nameOff + align4(namesz);
    const next = descOff + align4(descsz);
    if (namesz > size || descsz > size || descOff + descsz > end) {
      throw new BuildError('ELF_BAD_NOTE', `note at offset ${at} overruns its area`);
    }
    const isXen =
      namesz === 4 && data[nameOff] === 0x58 && data[nameOff + 1] === 0x65 && data[nameOff + 2] === 0x6e;
    if (isXen && data[nameOff + 3] === 0) out.push({ type, desc: data.slice(descOff, descOff + descsz) });
    at = next;
  }
}

/**
 * Note discovery as libelf does it: PT_NOTE segments (p_offset ≠ 0) first;
 * if they hold no Xen note, SHT_NOTE sections; then the legacy `__xen_guest`.
 */
export function findXenNotes(elf: Elf64): FoundNotes | undefined {
  const fromPhdrs: XenNote[] = [];
  for (const p of elf.phdrs) {
    if (p.type !== PT_NOTE || p.offset === 0n) continue;
    if (!inFile(elf.data, p.offset, p.filesz))
      throw new BuildError('ELF_BAD_NOTE', 'PT_NOTE outside the image');
    parseNoteArea(elf.data, Number(p.offset), Number(p.filesz), fromPhdrs);
  }
  if (fromPhdrs.length > 0) return { source: 'phdr', notes: fromPhdrs };

  const fromShdrs: XenNote[] = [];
  for (const s of elf.shdrs) {
    if (s.type !== SHT_NOTE) continue;
    if (!inFile(elf.data, s.offset, s.size))
      throw new BuildError('ELF_BAD_NOTE', 'SHT_NOTE outside the image');
    parseNoteArea(elf.data, Number(s.offset), Number(s.size), fromShdrs);
  }
  if (fromShdrs.length > 0) return { source: 'shdr', notes: fromShdrs };

  for (const s of elf.shdrs) {
    if (sectionName(elf, s) !== '__xen_guest') continue;
    if (!inFile(elf.data, s.offset, s.size))
      throw new BuildError('ELF_BAD_NOTE', '__xen_guest outside the image');
    const bytes = elf.data.subarray(Number(s.offset), Number(s.offset + s.size));
    const nul = bytes.indexOf(0);
    const legacy = Buffer.from(nul >= 0 ? bytes.subarray(0, nul) : bytes).toString('latin1');
    return { source: 'legacy', notes: [], legacy };
  }
  return undefined;
}

/** A numeric note: 1, 2, 4 or 8 little-endian bytes; any other size reads as 0. */
export function noteNumber(desc: Uint8Array): bigint {
  const dv = new DataView(desc.buffer, desc.byteOffset, desc.byteLength);
  switch (desc.length) {
    case 1:
      return BigInt(desc[0]);
    case 2:
      return BigInt(dv.getUint16(0, true));
    case 4:
      return BigInt(dv.getUint32(0, true));
    case 8:
      return dv.getBigUint64(0, true);
    default:
      return 0n;
  }
}

/** A string note: up to the first NUL. */
export function noteString(desc: Uint8Array): string {
  const nul = desc.indexOf(0);
  return Buffer.from(nul >= 0 ? desc.subarray(0, nul) : desc).toString('latin1');
}

/** C strtoull(s, NULL, 0): optional sign, 0x hex / 0 octal / decimal prefix, stops at the first bad digit. */
export function strtoull(s: string): bigint {
  let i = 0;
  while (i < s.length && /\s/.test(s[i])) i++;
  let neg = false;
  if (s[i] === '+' || s[i] === '-') neg = s[i++] === '-';
  let base = 10;
  if (s[i] === '0' && (s[i + 1] === 'x' || s[i + 1] === 'X') && /[0-9a-fA-F]/.test(s[i + 2] ?? '')) {
    base = 16;
    i += 2;
  } else if (s[i] === '0') base = 8;
  let v = 0n;
  for (; i < s.length; i++) {
    const d = parseInt(s[i], 36);
    if (Number.isNaN(d) || d >= base) break;
    v = v * BigInt(base) + BigInt(d);
    if (v >= 1n << 64n) return (1n << 64n) - 1n;
  }
  return neg ? BigInt.asUintN(64, -v) : v;
}
