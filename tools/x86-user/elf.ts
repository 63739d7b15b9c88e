/**
 * ELF64 parsing for the user-mode runner: the file header, program headers and (for readable fault
 * reports) the symbol table. Only what a static x86-64 Linux executable needs; everything the loader
 * relies on is validated here so that a truncated or foreign file fails with a clear ElfError rather
 * than a wild read later.
 */

export class ElfError extends Error {
  override readonly name = 'ElfError';
}

export const ET_EXEC = 2;
export const ET_DYN = 3;
export const EM_X86_64 = 62;

export const PT_LOAD = 1;
export const PT_DYNAMIC = 2;
export const PT_INTERP = 3;
export const PT_PHDR = 6;
export const PT_TLS = 7;
export const PT_GNU_STACK = 0x6474e551;

export const PF_X = 1;
export const PF_W = 2;
export const PF_R = 4;

const ELF_HEADER_SIZE = 64;
const PHDR_SIZE = 56;
const SHDR_SIZE = 64;
const SHT_SYMTAB = 2;
const STT_FUNC = 2;
const STT_OBJECT = 1;
const SYM_SIZE = 24;

export interface ProgramHeader {
  readonly type: number;
  readonly flags: number;
  readonly offset: number;
  readonly vaddr: number;
  readonly filesz: number;
  readonly memsz: number;
  readonly align: number;
}

export interface ElfSymbol {
  readonly name: string;
  readonly value: number;
  readonly size: number;
}

export interface ElfImage {
  readonly bytes: Uint8Array;
  readonly type: typeof ET_EXEC | typeof ET_DYN;
  readonly entry: number;
  readonly phoff: number;
  readonly phentsize: number;
  readonly phnum: number;
  readonly programHeaders: readonly ProgramHeader[];
}

/** Reads a u64 that must fit a JS number exactly (all user-space addresses and file offsets do). */
function u64(view: DataView, at: number, what: string): number {
  const value = view.getBigUint64(at, true);
  if (value > BigInt(Number.MAX_SAFE_INTEGER)) {
    throw new ElfError(`${what} 0x${value.toString(16)} is out of range`);
  }
  return Number(value);
}

export function parseElf(bytes: Uint8Array): ElfImage {
  if (bytes.length < 4 || bytes[0] !== 0x7f || bytes[1] !== 0x45 || bytes[2] !== 0x4c || bytes[3] !== 0x46) {
    throw new ElfError('not an ELF file (bad magic)');
  }
  if (bytes.length < ELF_HEADER_SIZE) throw new ElfError(`file is ${bytes.length} bytes, too short for ELF`);
  if (bytes[4] !== 2) throw new ElfError('not a 64-bit ELF file (EI_CLASS != ELFCLASS64)');
  if (bytes[5] !== 1) throw new ElfError('not a little-endian ELF file (EI_DATA != ELFDATA2LSB)');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const type = view.getUint16(16, true);
  const machine = view.getUint16(18, true);
  if (machine !== EM_X86_64) throw new ElfError(`e_machine is ${machine}, not EM_X86_64 (62)`);
  if (type !== ET_EXEC && type !== ET_DYN) {
    throw new ElfError(`e_type is ${type}: only executables (ET_EXEC) and static PIE (ET_DYN) can run`);
  }
  const entry = u64(view, 24, 'e_entry');
  const phoff = u64(view, 32, 'e_phoff');
  const phentsize = view.getUint16(54, true);
  const phnum = view.getUint16(56, true);
  if (phentsize !== PHDR_SIZE) throw new ElfError(`e_phentsize is ${phentsize}, expected ${PHDR_SIZE}`);
  if (phnum === 0 || phoff + phnum * PHDR_SIZE > bytes.length) {
    throw new ElfError(`program header table (${phnum} entries at ${phoff}) lies outside the file`);
  }
  const programHeaders: ProgramHeader[] = [];
  for (let i = 0; i < phnum; i++) {
    const at = phoff + i * PHDR_SIZE;
    const ph: ProgramHeader = {
      type: view.getUint32(at, true),
      flags: view.getUint32(at + 4, true),
      offset: u64(view, at + 8, 'p_offset'),
      vaddr: u64(view, at + 16, 'p_vaddr'),
      filesz: u64(view, at + 32, 'p_filesz'),
      memsz: u64(view, at + 40, 'p_memsz'),
      align: u64(view, at + 48, 'p_align'),
    };
    programHeaders.push(ph);
    if (ph.type === PT_INTERP) {
      throw new ElfError('dynamically linked executable (has PT_INTERP): only static executables can run');
    }
    if (ph.type !== PT_LOAD) continue;
    if (ph.offset + ph.filesz > bytes.length) {
      throw new ElfError(`PT_LOAD #${i} file range ${ph.offset}+${ph.filesz} lies outside the file`);
    }
    if (ph.filesz > ph.memsz) throw new ElfError(`PT_LOAD #${i} has p_filesz > p_memsz`);
    if (ph.vaddr % 4096 !== ph.offset % 4096) {
      throw new ElfError(`PT_LOAD #${i} vaddr and offset are not congruent modulo the page size`);
    }
  }
  if (!programHeaders.some((ph) => ph.type === PT_LOAD)) throw new ElfError('no PT_LOAD segment');
  return { bytes, type, entry, phoff, phentsize, phnum, programHeaders };
}

/**
 * Function and object symbols from .symtab, sorted by address (empty for a stripped file). Only used to
 * make fault reports readable ("rip=0x401a2c <__memcpy_sse2_unaligned+0x1c>"), so a malformed table is
 * ignored rather than fatal.
 */
export function readSymbols(bytes: Uint8Array): ElfSymbol[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const shoff = Number(view.getBigUint64(40, true));
  const shentsize = view.getUint16(58, true);
  const shnum = view.getUint16(60, true);
  if (shoff === 0 || shentsize !== SHDR_SIZE || shoff + shnum * SHDR_SIZE > bytes.length) return [];
  const section = (i: number) => {
    const at = shoff + i * SHDR_SIZE;
    return {
      type: view.getUint32(at + 4, true),
      offset: Number(view.getBigUint64(at + 24, true)),
      size: Number(view.getBigUint64(at + 32, true)),
      link: view.getUint32(at + 40, true),
    };
  };
  const decoder = new TextDecoder();
  const symbols: ElfSymbol[] = [];
  for (let i = 0; i < shnum; i++) {
    const symtab = section(i);
    if (symtab.type !== SHT_SYMTAB || symtab.link >= shnum) continue;
    const strtab = section(symtab.link);
    if (symtab.offset + symtab.size > bytes.length || strtab.offset + strtab.size > bytes.length) return [];
    for (let at = symtab.offset; at + SYM_SIZE <= symtab.offset + symtab.size; at += SYM_SIZE) {
      const kind = bytes[at + 4] & 0xf;
      const value = Number(view.getBigUint64(at + 8, true));
      if ((kind !== STT_FUNC && kind !== STT_OBJECT) || value === 0) continue;
      const nameStart = strtab.offset + view.getUint32(at, true);
      let nameEnd = nameStart;
      while (nameEnd < strtab.offset + strtab.size && bytes[nameEnd] !== 0) nameEnd++;
      const name = decoder.decode(bytes.subarray(nameStart, nameEnd));
      symbols.push({ name, value, size: Number(view.getBigUint64(at + 16, true)) });
    }
  }
  return symbols.sort((a, b) => a.value - b.value);
}

/** "name+0xoff" for the symbol covering `address` (relative to the load bias), or undefined. */
export function symbolize(symbols: readonly ElfSymbol[], address: number): string | undefined {
  let lo = 0;
  let hi = symbols.length - 1;
  let best: ElfSymbol | undefined;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (symbols[mid].value <= address) {
      best = symbols[mid];
      lo = mid + 1;
    } else {
      hi = mid - 1;
    }
  }
  if (!best || address >= best.value + Math.max(best.size, 1)) return undefined;
  const offset = address - best.value;
  return offset === 0 ? best.name : `${best.name}+0x${offset.toString(16)}`;
}
