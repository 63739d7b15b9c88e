import { BuildError } from '../errors';

export const ELFCLASS64 = 2;
export const ELFDATA2LSB = 1;
export const EV_CURRENT = 1;
export const ET_EXEC = 2;
export const EM_X86_64 = 62;
export const PT_LOAD = 1;
export const PT_NOTE = 4;
export const SHT_NOTE = 7;
export const PF_X = 1;
export const PF_W = 2;
export const PF_R = 4;
export const ELF64_EHDR_SIZE = 64;
export const ELF64_PHDR_SIZE = 56;
export const ELF64_SHDR_SIZE = 64;
/** Largest single segment we accept (the biggest PV kernels are < 100 MiB). */
export const MAX_SEGMENT_BYTES = 1 << 30;

export interface ElfPhdr {
  type: number;
  flags: number;
  offset: bigint;
  vaddr: bigint;
  paddr: bigint;
  filesz: bigint;
  memsz: bigint;
}

export interface ElfShdr {
  name: number;
  type: number;
  offset: bigint;
  size: bigint;
}

export interface Elf64 {
  readonly data: Uint8Array;
  readonly entry: bigint;
  readonly phdrs: readonly ElfPhdr[];
  readonly shdrs: readonly ElfShdr[];
  readonly shstrndx: number;
}

/** elf_phdr_is_loadable(): PT_LOAD with at least one of R/W/X. */
export const isLoadable = (p: ElfPhdr): boolean =>
  p.type === PT_LOAD && (p.flags & (PF_R | PF_W | PF_X)) !== 0;

/** Is [offset, offset+size) inside the file? (bigint: hostile values may be 2^64-1). */
export const inFile = (data: Uint8Array, offset: bigint, size: bigint): boolean =>
  offset >= 0n && size >= 0n && offset + size <= BigInt(data.length);

/**
 * Parse and bounds-check an ELF64 x86-64 executable. Every offset read later
 * has been checked here; hostile headers become a BuildError.
 */
export function parseElf64(data: Uint8Array): Elf64 {
  if (data.length < ELF64_EHDR_SIZE)
    throw new BuildError('ELF_TRUNCATED', 'image shorter than an ELF64 header');
  if (data[0] !== 0x7f || data[1] !== 0x45 || data[2] !== 0x4c || data[3] !== 0x46) {
    throw new BuildError('ELF_BAD_MAGIC', 'not an ELF image');
  }
  if (data[4] !== ELFCLASS64) throw new BuildError('ELF_BAD_CLASS', `ELF class ${data[4]} is not ELFCLASS64`);
  if (data[5] !== ELFDATA2LSB) throw new BuildError('ELF_BAD_DATA', 'ELF image is not little-endian');
  if (data[6] !== EV_CURRENT) throw new BuildError('ELF_BAD_VERSION', `ELF ident version ${data[6]}`);
  const dv = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const type = dv.getUint16(16, true);
  const machine = dv.getUint16(18, true);
  if (machine !== EM_X86_64) throw new BuildError('ELF_BAD_MACHINE', `e_machine ${machine} is not EM_X86_64`);
  if (type !== ET_EXEC) throw new BuildError('ELF_BAD_TYPE', `e_type ${type} is not ET_EXEC`);
  const entry = dv.getBigUint64(24, true);
  const phoff = dv.getBigUint64(32, true);
  const shoff = dv.getBigUint64(40, true);
  const phentsize = dv.getUint16(54, true);
  const phnum = dv.getUint16(56, true);
  const shentsize = dv.getUint16(58, true);
  const shnum = dv.getUint16(60, true);
  const shstrndx = dv.getUint16(62, true);

  const phdrs: ElfPhdr[] = [];
  if (phnum > 0) {
    if (phentsize !== ELF64_PHDR_SIZE) throw new BuildError('ELF_BAD_PHDR', `e_phentsize ${phentsize}`);
    if (!inFile(data, phoff, BigInt(phnum * ELF64_PHDR_SIZE))) {
      throw new BuildError('ELF_BAD_PHDR', 'program header table outside the image');
    }
    for (let i = 0; i < phnum; i++) {
      const o = Number(phoff) + i * ELF64_PHDR_SIZE;
      phdrs.push({
        type: dv.getUint32(o, true),
        flags: dv.getUint32(o + 4, true),
        offset: dv.getBigUint64(o + 8, true),
        vaddr: dv.getBigUint64(o + 16, true),
        paddr: dv.getBigUint64(o + 24, true),
        filesz: dv.getBigUint64(o + 32, true),
        memsz: dv.getBigUint64(o + 40, true),
      });
    }
  }

  const shdrs: ElfShdr[] = [];
  if (shnum > 0) {
    if (shentsize !== ELF64_SHDR_SIZE) throw new BuildError('ELF_BAD_SHDR', `e_shentsize ${shentsize}`);
    if (!inFile(data, shoff, BigInt(shnum * ELF64_SHDR_SIZE))) {
      throw new BuildError('ELF_BAD_SHDR', 'section header table outside the image');
    }
    for (let i = 0; i < shnum; i++) {
      const o = Number(shoff) + i * ELF64_SHDR_SIZE;
      shdrs.push({
        name: dv.getUint32(o, true),
        type: dv.getUint32(o + 4, true),
        offset: dv.getBigUint64(o + 24, true),
        size: dv.getBigUint64(o + 32, true),
      });
    }
    if (shstrndx >= shnum) throw new BuildError('ELF_BAD_SHDR', `e_shstrndx ${shstrndx} >= e_shnum ${shnum}`);
  }

  checkLoadSegments(data, phdrs);
  return { data, entry, phdrs, shdrs, shstrndx };
}

function checkLoadSegments(data: Uint8Array, phdrs: readonly ElfPhdr[]): void {
  const loads = phdrs.filter(isLoadable);
  if (loads.length === 0) throw new BuildError('ELF_NO_LOADABLE_SEGMENTS', 'no loadable PT_LOAD segment');
  for (const p of loads) {
    if (p.filesz > p.memsz) throw new BuildError('ELF_SEGMENT_FILESZ', 'segment p_filesz exceeds p_memsz');
    if (p.memsz > BigInt(MAX_SEGMENT_BYTES)) {
      throw new BuildError('ELF_SEGMENT_TOO_BIG', `segment of ${p.memsz} bytes`);
    }
    if (!inFile(data, p.offset, p.filesz)) {
      throw new BuildError('ELF_SEGMENT_OUT_OF_FILE', 'segment contents outside the image');
    }
    if (p.paddr + p.memsz > 1n << 64n)
      throw new BuildError('ELF_SEGMENT_TOO_BIG', 'segment wraps the address space');
  }
  const sorted = loads
    .filter((p) => p.memsz > 0n)
    .sort((a, b) => (a.paddr < b.paddr ? -1 : a.paddr > b.paddr ? 1 : 0));
  for (let i = 1; i < sorted.length; i++) {
    if (sorted[i - 1].paddr + sorted[i - 1].memsz > sorted[i].paddr) {
      throw new BuildError('ELF_OVERLAPPING_SEGMENTS', 'PT_LOAD segments overlap');
    }
  }
}

/** A NUL-terminated string inside the section-name table, or undefined if out of bounds. */
export function sectionName(elf: Elf64, sh: ElfShdr): string | undefined {
  const strtab = elf.shdrs[elf.shstrndx];
  if (!strtab || !inFile(elf.data, strtab.offset, strtab.size)) return undefined;
  const start = Number(strtab.offset) + sh.name;
  const end = Number(strtab.offset + strtab.size);
  if (sh.name >= Number(strtab.size)) return undefined;
  let i = start;
  while (i < end && elf.data[i] !== 0) i++;
  return Buffer.from(elf.data.subarray(start, i)).toString('latin1');
}
