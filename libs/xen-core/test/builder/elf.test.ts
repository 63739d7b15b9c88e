import { describe, expect, it } from 'vitest';
import { parseElf64 } from '../../src/builder/elf';
import { findXenNotes, noteNumber, strtoull } from '../../src/builder/elf-notes';
import { parseXenImage } from '../../src/builder/xen-image';
import { BuildError } from '../../src/errors';
import * as N from '../../src/public/elfnote';
import { noteNum, noteStr, writeElf } from '../helpers/elf-writer';
import { kernelBytes, LINUX_VIRT_BASE, linuxImage, xtfImage, xtfNotes } from '../helpers/images';

function codeOf(f: () => unknown): string {
  try {
    f();
    return 'ok';
  } catch (e) {
    if (!(e instanceof BuildError)) throw e;
    return e.code;
  }
}

const patch = (img: Uint8Array, at: number, bytes: number[] | Uint8Array): Uint8Array => {
  const c = img.slice();
  c.set(bytes, at);
  return c;
};
const u64 = (v: bigint): Uint8Array => {
  const b = new Uint8Array(8);
  new DataView(b.buffer).setBigUint64(0, v, true);
  return b;
};
const u16 = (v: number): number[] => [v & 0xff, v >> 8];
const PH0 = 64; // first program header

describe('ELF64 header checks', () => {
  const img = xtfImage();
  it('accepts a well-formed image', () => expect(codeOf(() => parseElf64(img))).toBe('ok'));
  it.each([
    ['ELF_TRUNCATED', img.slice(0, 40)],
    ['ELF_BAD_MAGIC', patch(img, 1, [0x46])],
    ['ELF_BAD_CLASS', patch(img, 4, [1])],
    ['ELF_BAD_DATA', patch(img, 5, [2])],
    ['ELF_BAD_VERSION', patch(img, 6, [0])],
    ['ELF_BAD_MACHINE', patch(img, 18, u16(3))],
    ['ELF_BAD_TYPE', patch(img, 16, u16(3))],
    ['ELF_BAD_PHDR', patch(img, 54, u16(32))],
    ['ELF_BAD_PHDR', patch(img, 32, u64(BigInt(img.length - 10)))],
    ['ELF_BAD_SHDR', patch(img, 58, u16(40))],
    ['ELF_BAD_SHDR', patch(img, 40, u64(0xffffffffffffff00n))],
    ['ELF_BAD_SHDR', patch(img, 62, u16(99))],
    ['ELF_SEGMENT_OUT_OF_FILE', patch(img, PH0 + 8, u64(BigInt(img.length)))],
    ['ELF_SEGMENT_OUT_OF_FILE', patch(patch(img, PH0 + 32, u64(0x200000n)), PH0 + 40, u64(0x200000n))],
    ['ELF_SEGMENT_FILESZ', patch(img, PH0 + 40, u64(16n))],
    ['ELF_SEGMENT_TOO_BIG', patch(img, PH0 + 40, u64(1n << 40n))],
    ['ELF_SEGMENT_TOO_BIG', patch(img, PH0 + 24, u64(0xfffffffffffff000n))],
    ['ELF_OVERLAPPING_SEGMENTS', patch(img, PH0 + 56 + 24, u64(0x101000n))],
    ['ELF_NO_LOADABLE_SEGMENTS', patch(patch(img, PH0, [0]), PH0 + 56, [0])],
    ['ELF_NO_LOADABLE_SEGMENTS', patch(patch(img, PH0 + 4, [0]), PH0 + 56 + 4, [0])],
  ])('%s', (code, bad) => {
    expect(codeOf(() => parseXenImage(bad))).toBe(code);
  });
});

describe('Xen note discovery', () => {
  const seg = [{ paddr: 0x100000n, data: kernelBytes(2) }];
  it('reads notes from a PT_NOTE segment', () => {
    const info = parseXenImage(xtfImage());
    expect(info.noteSource).toBe('phdr');
    expect(info.guestOs).toBe('XTF');
    expect(info.hypercallPage).toBe(0x101000n);
    expect(info.features.required).toBe(1);
    expect(info.features.supported).toBe(0b10001);
  });

  it('falls back to SHT_NOTE sections when no PT_NOTE holds Xen notes', () => {
    const img = writeElf({
      entry: 0x100000n,
      segments: seg,
      notes: xtfNotes(0x101000n),
      notePlacement: 'shdr',
    });
    const info = parseXenImage(img);
    expect(info.noteSource).toBe('shdr');
    expect(info.hypercallPage).toBe(0x101000n);
  });

  it('skips non-Xen notes and prefers PT_NOTE', () => {
    const img = writeElf({
      entry: 0x100000n,
      segments: seg,
      notes: [{ type: 3, desc: new Uint8Array(20), name: 'GNU' }, ...xtfNotes(0x100000n)],
      notePlacement: 'both',
    });
    expect(parseXenImage(img).noteSource).toBe('phdr');
  });

  it('parses the legacy __xen_guest string (HYPERCALL_PAGE is a page number, PADDR_OFFSET defaults to VIRT_BASE)', () => {
    const img = writeElf({
      entry: 0xc0100000n,
      segments: [{ paddr: 0xc0100000n, data: kernelBytes(2) }],
      legacyGuestString:
        'GUEST_OS=linux,GUEST_VER=2.6,XEN_VER=xen-3.0,VIRT_BASE=0xC0000000,HYPERCALL_PAGE=0x101,LOADER=generic,FEATURES=writable_page_tables,BSD_SYMTAB',
    });
    const info = parseXenImage(img);
    expect(info.noteSource).toBe('legacy');
    expect(info.virtBase).toBe(0xc0000000n);
    expect(info.paddrOffset).toBe(0xc0000000n);
    expect(info.virtKstart).toBe(0xc0100000n);
    expect(info.hypercallPage).toBe(0xc0101000n);
    expect(info.features.supported).toBe(1);
    expect(info.warnings.some((w) => w.includes('BSD_SYMTAB'))).toBe(true);
  });

  it('refuses images without notes or __xen_guest', () => {
    expect(codeOf(() => parseXenImage(writeElf({ entry: 0x100000n, segments: seg })))).toBe('NOT_XEN_IMAGE');
  });

  it('refuses a note that overruns its segment', () => {
    const img = xtfImage();
    const elf = parseElf64(img);
    const note = elf.phdrs.find((p) => p.type === 4)!;
    const bad = patch(img, Number(note.offset) + 4, [0xff, 0xff, 0, 0]);
    expect(codeOf(() => parseXenImage(bad))).toBe('ELF_BAD_NOTE');
  });

  it('reads numeric descriptors of 1, 2, 4 and 8 bytes and treats other sizes as 0', () => {
    expect(noteNumber(Uint8Array.of(0x12))).toBe(0x12n);
    expect(noteNumber(Uint8Array.of(0x34, 0x12))).toBe(0x1234n);
    expect(noteNumber(Uint8Array.of(4, 3, 2, 1))).toBe(0x01020304n);
    expect(noteNumber(u64(0xffffffff80000000n))).toBe(0xffffffff80000000n);
    expect(noteNumber(Uint8Array.of(1, 2, 3))).toBe(0n);
    const img = xtfImage([noteNum(N.XEN_ELFNOTE_ENTRY, 0x100010n, 4)]);
    expect(parseXenImage(img).entry).toBe(0x100010n);
    expect(findXenNotes(parseElf64(img))!.notes.length).toBe(7);
  });

  it('implements strtoull(…, 0)', () => {
    expect(strtoull('0x1F')).toBe(31n);
    expect(strtoull('017')).toBe(15n);
    expect(strtoull('42abc')).toBe(42n);
    expect(strtoull('  -1')).toBe(0xffffffffffffffffn);
    expect(strtoull('0x')).toBe(0n);
    expect(strtoull('99999999999999999999999')).toBe(0xffffffffffffffffn);
  });
});

describe('Xen note semantics', () => {
  const seg = [{ paddr: 0x100000n, data: kernelBytes(2) }];
  const img = (notes: ReturnType<typeof noteStr>[]) => writeElf({ entry: 0x100000n, segments: seg, notes });
  const base = [noteStr(N.XEN_ELFNOTE_LOADER, 'generic'), noteStr(N.XEN_ELFNOTE_XEN_VERSION, 'xen-3.0')];

  it.each([
    ['BAD_LOADER', [noteStr(N.XEN_ELFNOTE_XEN_VERSION, 'xen-3.0')]],
    ['BAD_XEN_VERSION', [noteStr(N.XEN_ELFNOTE_LOADER, 'generic')]],
    [
      'BAD_XEN_VERSION',
      [noteStr(N.XEN_ELFNOTE_LOADER, 'generic'), noteStr(N.XEN_ELFNOTE_XEN_VERSION, 'xen-2.0')],
    ],
    [
      'UNKNOWN_REQUIRED_FEATURE',
      [...base, noteStr(N.XEN_ELFNOTE_FEATURES, 'writable_page_tables|!flying_pigs')],
    ],
    ['UNSUPPORTED_FEATURE', [...base, noteStr(N.XEN_ELFNOTE_FEATURES, '!dom0')]],
    ['UNSUPPORTED_FEATURE', [...base, noteStr(N.XEN_ELFNOTE_FEATURES, '!auto_translated_physmap')]],
    ['UNSUPPORTED_FEATURE', [...base, noteStr(N.XEN_ELFNOTE_FEATURES, '!supervisor_mode_kernel')]],
    ['PADDR_OFFSET_WITHOUT_VIRT_BASE', [...base, noteNum(N.XEN_ELFNOTE_PADDR_OFFSET, 0n)]],
    ['ADDRESSES_OUT_OF_BOUNDS', [...base, noteNum(N.XEN_ELFNOTE_ENTRY, 0x200000n)]],
    ['ADDRESSES_OUT_OF_BOUNDS', [...base, noteNum(N.XEN_ELFNOTE_VIRT_BASE, 0x200000n)]],
    [
      'NOT_PAGE_ALIGNED',
      [...base, noteNum(N.XEN_ELFNOTE_VIRT_BASE, 0x80n), noteNum(N.XEN_ELFNOTE_ENTRY, 0x100080n)],
    ],
    ['P2M_BASE_IN_KERNEL', [...base, noteNum(N.XEN_ELFNOTE_INIT_P2M, 0x100000n)]],
    [
      'OUTSIDE_VIRTUAL_RANGE',
      [
        ...base,
        noteNum(N.XEN_ELFNOTE_VIRT_BASE, 0xffff800000000000n),
        noteNum(N.XEN_ELFNOTE_PADDR_OFFSET, 0n),
        noteNum(N.XEN_ELFNOTE_ENTRY, 0xffff800000100000n),
      ],
    ],
    [
      'OUTSIDE_VIRTUAL_RANGE',
      [
        ...base,
        noteNum(N.XEN_ELFNOTE_VIRT_BASE, 0x7ffffff00000n),
        noteNum(N.XEN_ELFNOTE_PADDR_OFFSET, 0n),
        noteNum(N.XEN_ELFNOTE_ENTRY, 0x800000000000n),
      ],
    ],
  ])('%s', (code, notes) => {
    expect(codeOf(() => parseXenImage(img(notes)))).toBe(code);
  });

  it('accepts GUEST_OS linux without a LOADER note', () => {
    const notes = [noteStr(N.XEN_ELFNOTE_GUEST_OS, 'linux'), noteStr(N.XEN_ELFNOTE_XEN_VERSION, 'xen-3.0')];
    expect(codeOf(() => parseXenImage(img(notes)))).toBe('ok');
  });

  it('honours VIRT_BASE/PADDR_OFFSET/ENTRY/INIT_P2M/MOD_START_PFN/SUPPORTED_FEATURES (Linux)', () => {
    const info = parseXenImage(linuxImage());
    expect(info.virtBase).toBe(LINUX_VIRT_BASE);
    expect(info.virtKstart).toBe(0xffffffff81000000n);
    expect(info.virtKend).toBe(0xffffffff8100b000n);
    expect(info.entry).toBe(0xffffffff81000040n);
    expect(info.p2mBase).toBe(0x8000000000n);
    expect(info.modStartPfn).toBe(true);
    expect(info.suspendCancel).toBe(true);
    expect(info.hvStartLow).toBe(0xffff800000000000n);
    expect(info.features.supported).toBe(0b1000100000010001);
    expect(info.features.required).toBe(1);
  });

  it('ignores INIT_P2M above VIRT_BASE or unaligned, with a warning', () => {
    const info = parseXenImage(img([...base, noteNum(N.XEN_ELFNOTE_INIT_P2M, 0x40000000n)]));
    expect(info.p2mBase).toBeUndefined();
    expect(info.warnings).toHaveLength(1);
  });
});
