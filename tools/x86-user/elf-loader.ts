/**
 * exec() for a static executable: maps every PT_LOAD segment with its own protection, copies the file
 * pages in (whole pages from the page-aligned file offset, as the kernel's mmap of the file would),
 * leaves .bss to demand-zero pages, and reports where the program break starts and where the program
 * headers are for the auxiliary vector. ET_DYN (static PIE) is loaded at ELF_ET_DYN_BASE; it relocates
 * itself (glibc's _dl_relocate_static_pie), and PT_TLS is set up by the C library through arch_prctl.
 */
import { AddressSpace, pageDown, pageUp } from './address-space';
import { ElfError, ElfImage, ET_DYN, PF_R, PF_W, PF_X, PT_GNU_STACK, PT_LOAD, PT_PHDR } from './elf';
import { ET_DYN_BASE, PAGE_SIZE, PROT, STACK_LIMIT, STACK_TOP } from './linux-abi';

export interface LoadedProgram {
  /** Added to every p_vaddr: 0 for ET_EXEC. */
  readonly loadBias: number;
  /** Run-time entry point (e_entry + bias), for AT_ENTRY and the initial RIP. */
  readonly entry: number;
  /** Run-time address of the program header table, for AT_PHDR. */
  readonly phdr: number;
  readonly phnum: number;
  readonly phent: number;
  /** First byte after the highest segment: where brk starts. */
  readonly end: number;
  /** Whether PT_GNU_STACK asks for an executable stack. */
  readonly execStack: boolean;
}

export function segmentProt(flags: number): number {
  return (flags & PF_R ? PROT.READ : 0) | (flags & PF_W ? PROT.WRITE : 0) | (flags & PF_X ? PROT.EXEC : 0);
}

export function loadElf(image: ElfImage, space: AddressSpace, populate = false): LoadedProgram {
  const loads = image.programHeaders.filter((ph) => ph.type === PT_LOAD);
  const loadBias = image.type === ET_DYN ? pageDown(ET_DYN_BASE - pageDown(loads[0].vaddr)) : 0;
  let end = 0;
  for (const ph of loads) {
    const start = loadBias + ph.vaddr;
    if (start + ph.memsz > STACK_TOP - STACK_LIMIT || start < PAGE_SIZE) {
      throw new ElfError(`PT_LOAD at 0x${start.toString(16)} is outside the user address space`);
    }
    space.map(pageDown(start), pageUp(start + ph.memsz), segmentProt(ph.flags), 'elf', populate);
    // map() gave the range fresh zeroed frames, so the rest of the last file page and the .bss read as
    // zeros (the kernel's padzero) without further work.
    const headroom = start % PAGE_SIZE; // file bytes before p_vaddr that share its first page
    space.initialize(pageDown(start), image.bytes.subarray(ph.offset - headroom, ph.offset + ph.filesz));
    end = Math.max(end, start + ph.memsz);
  }
  const phdrSegment = image.programHeaders.find((ph) => ph.type === PT_PHDR);
  const containing = loads.find((ph) => ph.offset <= image.phoff && image.phoff < ph.offset + ph.filesz);
  let phdr: number;
  if (phdrSegment) phdr = loadBias + phdrSegment.vaddr;
  else if (containing) phdr = loadBias + containing.vaddr + (image.phoff - containing.offset);
  else throw new ElfError('the program headers are not inside any PT_LOAD segment (AT_PHDR has no value)');
  const gnuStack = image.programHeaders.find((ph) => ph.type === PT_GNU_STACK);
  return {
    loadBias,
    entry: loadBias + image.entry,
    phdr,
    phnum: image.phnum,
    phent: image.phentsize,
    end,
    execStack: gnuStack !== undefined && (gnuStack.flags & PF_X) !== 0,
  };
}
