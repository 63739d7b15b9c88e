import * as N from '../../src/public/elfnote';
import { noteNum, noteStr, TestNote, writeElf } from './elf-writer';

/** Recognisable kernel text: page i starts with the bytes "KERNELxx" + i. */
export function kernelBytes(pages: number, seed = 0): Uint8Array {
  const b = new Uint8Array(pages * 4096);
  for (let i = 0; i < b.length; i++) b[i] = (i * 7 + seed + (i >> 12)) & 0xff;
  return b;
}

export const LINUX_VIRT_BASE = 0xffffffff80000000n;
export const LINUX_KSTART = 0xffffffff81000000n;
export const LINUX_INIT_P2M = 0x8000000000n;

/** Notes shaped like an XTF kernel: linked at 1 MiB, VIRT_BASE 0, hypercall page. */
export function xtfNotes(hypercallPage: bigint): TestNote[] {
  return [
    noteStr(N.XEN_ELFNOTE_GUEST_OS, 'XTF'),
    noteStr(N.XEN_ELFNOTE_LOADER, 'generic'),
    noteStr(N.XEN_ELFNOTE_XEN_VERSION, 'xen-3.0'),
    noteStr(N.XEN_ELFNOTE_FEATURES, '!writable_page_tables|pae_pgdir_above_4gb'),
    noteStr(N.XEN_ELFNOTE_PAE_MODE, 'yes'),
    noteNum(N.XEN_ELFNOTE_HYPERCALL_PAGE, hypercallPage),
  ];
}

/** An XTF-like image: text at 1 MiB (3 pages + 2 pages of bss), hypercall page at 1 MiB + 4 KiB. */
export function xtfImage(extraNotes: TestNote[] = []): Uint8Array {
  return writeElf({
    entry: 0x100000n,
    segments: [
      { paddr: 0x100000n, data: kernelBytes(3), memsz: 5 * 4096 },
      { paddr: 0x106000n, data: kernelBytes(1, 9), flags: 6 },
    ],
    notes: [...xtfNotes(0x101000n), ...extraNotes],
  });
}

/** A Linux-like image: VIRT_BASE 0xffffffff80000000, kernel at +16 MiB, INIT_P2M, MOD_START_PFN. */
export function linuxImage(opts: { initP2m?: boolean; modStartPfn?: boolean } = {}): Uint8Array {
  const notes: TestNote[] = [
    noteStr(N.XEN_ELFNOTE_GUEST_OS, 'linux'),
    noteStr(N.XEN_ELFNOTE_GUEST_VERSION, '2.6'),
    noteStr(N.XEN_ELFNOTE_XEN_VERSION, 'xen-3.0'),
    noteNum(N.XEN_ELFNOTE_VIRT_BASE, LINUX_VIRT_BASE),
    noteNum(N.XEN_ELFNOTE_PADDR_OFFSET, 0n),
    noteNum(N.XEN_ELFNOTE_ENTRY, LINUX_KSTART + 0x40n),
    noteStr(N.XEN_ELFNOTE_FEATURES, '!writable_page_tables|pae_pgdir_above_4gb'),
    noteNum(N.XEN_ELFNOTE_SUPPORTED_FEATURES, (1n << 0n) | (1n << 11n) | (1n << 15n), 4),
    noteStr(N.XEN_ELFNOTE_PAE_MODE, 'yes'),
    noteStr(N.XEN_ELFNOTE_LOADER, 'generic'),
    noteNum(N.XEN_ELFNOTE_SUSPEND_CANCEL, 1n, 4),
    noteNum(N.XEN_ELFNOTE_HV_START_LOW, 0xffff800000000000n),
  ];
  if (opts.initP2m !== false) notes.push(noteNum(N.XEN_ELFNOTE_INIT_P2M, LINUX_INIT_P2M));
  if (opts.modStartPfn !== false) notes.push(noteNum(N.XEN_ELFNOTE_MOD_START_PFN, 1n, 4));
  return writeElf({
    entry: 0x1000000n,
    segments: [
      { paddr: 0x1000000n, vaddr: LINUX_KSTART, data: kernelBytes(4), memsz: 6 * 4096 },
      { paddr: 0x1008000n, vaddr: LINUX_KSTART + 0x8000n, data: kernelBytes(2, 3), memsz: 3 * 4096 },
    ],
    notes,
  });
}
