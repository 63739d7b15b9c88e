import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AddressSpace } from './address-space';
import { parseElf, PT_LOAD } from './elf';
import { loadElf } from './elf-loader';
import { FrameAllocator } from './frame-allocator';
import { ET_DYN_BASE, PROT } from './linux-abi';
import { fakeRam } from './testing';

const BIN = join(__dirname, '../../guests/test-programs/bin');

function load(name: string) {
  const image = parseElf(new Uint8Array(readFileSync(join(BIN, name))));
  const ram = fakeRam(32 * 1024 * 1024);
  const space = new AddressSpace(ram, new FrameAllocator(ram));
  return { image, space, program: loadElf(image, space) };
}

describe('loadElf', () => {
  it('maps every PT_LOAD of a static executable with its bytes and protection', () => {
    const { image, space, program } = load('hello');
    expect(program.loadBias).toBe(0);
    expect(program.entry).toBe(image.entry);
    for (const ph of image.programHeaders.filter((p) => p.type === PT_LOAD)) {
      const expected = image.bytes.subarray(ph.offset, ph.offset + ph.filesz);
      expect(Buffer.compare(space.read(ph.vaddr, ph.filesz)!, expected)).toBe(0); // toEqual is slow on MBs
      const page = space.pageTable.translate(ph.vaddr)!;
      expect(page.write).toBe((ph.flags & 2) !== 0);
      expect(page.exec).toBe((ph.flags & 1) !== 0);
      expect(space.vmaAt(ph.vaddr)!.prot).toBe(
        (ph.flags & 4 ? PROT.READ : 0) | (ph.flags & 2 ? PROT.WRITE : 0) | (ph.flags & 1 ? PROT.EXEC : 0),
      );
      // .bss: zero right after the file bytes and at the very end
      if (ph.memsz > ph.filesz) {
        expect(space.read(ph.vaddr + ph.filesz, ph.memsz - ph.filesz)!.every((b) => b === 0)).toBe(true);
      }
    }
    const last = image.programHeaders.filter((p) => p.type === PT_LOAD).at(-1)!;
    expect(program.end).toBe(last.vaddr + last.memsz);
    expect(program.execStack).toBe(false);
  });

  it('finds the program headers for AT_PHDR (the ELF header page is mapped)', () => {
    const { image, space, program } = load('hello');
    expect(program.phdr).toBe(0x400000 + image.phoff);
    expect(space.read(program.phdr, 56)).toEqual(image.bytes.subarray(image.phoff, image.phoff + 56));
    expect([program.phnum, program.phent]).toEqual([image.phnum, 56]);
  });

  it('loads static PIE at ELF_ET_DYN_BASE', () => {
    const { image, space, program } = load('hello-pie');
    expect(program.loadBias).toBe(ET_DYN_BASE);
    expect(program.entry).toBe(ET_DYN_BASE + image.entry);
    expect(space.read(ET_DYN_BASE, 4)).toEqual(Uint8Array.of(0x7f, 0x45, 0x4c, 0x46));
    expect(space.read(program.entry, 16)).toEqual(image.bytes.subarray(image.entry, image.entry + 16));
  });

  it('copies the file bytes that share the first page of an unaligned segment', () => {
    const { image, space } = load('hello');
    const data = image.programHeaders.find((p) => p.type === PT_LOAD && p.vaddr % 4096 !== 0)!;
    const head = data.vaddr % 4096;
    expect(space.read(data.vaddr - head, head)).toEqual(
      image.bytes.subarray(data.offset - head, data.offset),
    );
  });
});
