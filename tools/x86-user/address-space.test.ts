import { describe, expect, it } from 'vitest';
import { AddressSpace, MMAP_MIN_ADDR } from './address-space';
import { FrameAllocator } from './frame-allocator';
import { MMAP_TOP, PROT } from './linux-abi';
import { fakeRam } from './testing';

const RW = PROT.READ | PROT.WRITE;

function setup() {
  const ram = fakeRam(8 * 1024 * 1024);
  const frames = new FrameAllocator(ram);
  const space = new AddressSpace(ram, frames);
  const invalidated: Array<[number, number]> = [];
  space.invalidate = (start, end) => void invalidated.push([start, end]);
  return { ram, frames, space, invalidated };
}

describe('AddressSpace areas', () => {
  it('maps lazily and faults pages in only where the area allows the access', () => {
    const { space, frames } = setup();
    const before = frames.framesInUse;
    space.map(0x10000, 0x14000, PROT.READ, 'mmap');
    expect(frames.framesInUse).toBe(before); // nothing materialised yet
    expect(space.handleFault(0x10008, 'write')).toBe(false); // read-only area
    expect(space.handleFault(0x10008, 'exec')).toBe(false);
    expect(space.handleFault(0x10008, 'read')).toBe(true);
    expect(space.pageTable.translate(0x10008)).toMatchObject({ write: false, exec: false, user: true });
    expect(space.handleFault(0x10008, 'read')).toBe(false); // already present: a protection fault
    expect(space.handleFault(0x14000, 'read')).toBe(false); // outside every area
  });

  it('populates eagerly on request', () => {
    const { space, frames } = setup();
    const before = frames.framesInUse;
    space.map(0x10000, 0x13000, RW | PROT.EXEC, 'mmap', true);
    expect(space.pageTable.translate(0x12fff)).toMatchObject({ write: true, exec: true });
    expect(frames.framesInUse - before).toBeGreaterThanOrEqual(3);
  });

  it('splits areas on partial munmap and mprotect and frees the frames', () => {
    const { space, frames, invalidated } = setup();
    space.map(0x10000, 0x20000, RW, 'mmap', true);
    const used = frames.framesInUse;
    space.unmap(0x14000, 0x16000);
    expect(frames.framesInUse).toBe(used - 2);
    expect(invalidated).toContainEqual([0x14000, 0x16000]);
    expect(space.areas.map((v) => [v.start, v.end])).toEqual([
      [0x10000, 0x14000],
      [0x16000, 0x20000],
    ]);
    expect(space.protect(0x12000, 0x18000, PROT.READ)).toBe(false); // the hole is not mapped
    expect(space.protect(0x16000, 0x18000, PROT.READ)).toBe(true);
    expect(space.areas.map((v) => [v.start, v.end, v.prot])).toEqual([
      [0x10000, 0x14000, RW],
      [0x16000, 0x18000, PROT.READ],
      [0x18000, 0x20000, RW],
    ]);
    expect(space.pageTable.translate(0x17000)?.write).toBe(false);
    expect(space.pageTable.translate(0x18000)?.write).toBe(true);
    space.protect(0x16000, 0x18000, RW);
    expect(space.areas).toHaveLength(2); // merged back
  });

  it('keeps the contents of PROT_NONE pages but refuses every access to them', () => {
    const { space } = setup();
    space.map(0x10000, 0x11000, RW, 'mmap');
    expect(space.write(0x10010, Uint8Array.of(1, 2, 3))).toBe(true);
    space.protect(0x10000, 0x11000, PROT.NONE);
    expect(space.read(0x10010, 3)).toBeUndefined();
    expect(space.handleFault(0x10010, 'read')).toBe(false);
    space.protect(0x10000, 0x11000, PROT.READ);
    expect(space.read(0x10010, 3)).toEqual(Uint8Array.of(1, 2, 3));
  });

  it('MAP_FIXED semantics: a new area replaces what it covers', () => {
    const { space } = setup();
    space.map(0x10000, 0x14000, RW, 'mmap');
    space.write(0x12000, Uint8Array.of(9));
    space.map(0x11000, 0x13000, PROT.READ, 'mmap');
    expect(space.areas.map((v) => [v.start, v.end, v.prot])).toEqual([
      [0x10000, 0x11000, RW],
      [0x11000, 0x13000, PROT.READ],
      [0x13000, 0x14000, RW],
    ]);
    expect(space.read(0x12000, 1)).toEqual(Uint8Array.of(0)); // fresh page
  });

  it('finds free ranges top-down below MMAP_TOP and honours a free hint', () => {
    const { space } = setup();
    const a = space.findFree(0x3000)!;
    expect(a).toBe(MMAP_TOP - 0x3000);
    space.map(a, a + 0x3000, RW, 'mmap');
    const b = space.findFree(0x1000)!;
    expect(b).toBe(a - 0x1000);
    expect(space.findFree(0x2000, 0x20000)).toBe(0x20000);
    space.map(0x20000, 0x22000, RW, 'mmap');
    expect(space.findFree(0x2000, 0x21000)).toBe(a - 0x2000); // hint overlaps: top-down instead
    expect(space.findFree(0x1000, 0x1000)).toBe(b); // below mmap_min_addr: ignored
    expect(space.findFree(2 ** 47)).toBeUndefined();
    expect(MMAP_MIN_ADDR).toBe(0x10000);
  });

  it('move (mremap) carries areas and frames to the new address and drops the old translations', () => {
    const { space, frames, invalidated } = setup();
    space.map(0x10000, 0x13000, RW, 'mmap');
    space.write(0x11000, Uint8Array.of(42));
    const frame = space.pageTable.translate(0x11000)!.paddr;
    const used = frames.framesInUse;
    space.move(0x10000, 0x13000, 0x50000);
    expect(space.pageTable.translate(0x51000)!.paddr).toBe(frame); // same frame, no copy
    expect(space.read(0x51000, 1)).toEqual(Uint8Array.of(42));
    expect(space.pageTable.translate(0x11000)).toBeUndefined();
    expect(space.areas.map((v) => [v.start, v.end])).toEqual([[0x50000, 0x53000]]);
    expect(invalidated).toContainEqual([0x10000, 0x13000]);
    expect(frames.framesInUse).toBeGreaterThanOrEqual(used); // possibly new page tables, no frame lost
  });

  it('discard (MADV_DONTNEED) keeps the area and zeroes the pages', () => {
    const { space } = setup();
    space.map(0x10000, 0x12000, RW, 'mmap');
    space.write(0x10000, Uint8Array.of(7, 7));
    space.discard(0x10000, 0x12000);
    expect(space.read(0x10000, 2)).toEqual(Uint8Array.of(0, 0));
    expect(space.areas).toHaveLength(1);
  });
});

describe('AddressSpace program break', () => {
  it('grows, shrinks and refuses to grow into a mapping', () => {
    const { space } = setup();
    space.initBrk(0x40_1234);
    expect(space.brk).toBe(0x40_2000);
    expect(space.setBrk(0)).toBe(0x40_2000); // brk(0) queries
    expect(space.setBrk(0x40_2100)).toBe(0x40_2100);
    expect(space.write(0x40_2000, Uint8Array.of(5))).toBe(true);
    expect(space.setBrk(0x40_5000)).toBe(0x40_5000);
    expect(space.areas.filter((v) => v.kind === 'heap').map((v) => [v.start, v.end])).toEqual([
      [0x40_2000, 0x40_5000],
    ]);
    expect(space.setBrk(0x40_2800)).toBe(0x40_2800);
    expect(space.read(0x40_2000, 1)).toEqual(Uint8Array.of(5)); // kept below the new break
    expect(space.read(0x40_3000, 1)).toBeUndefined(); // released above it
    space.map(0x41_0000, 0x41_1000, RW, 'mmap');
    expect(space.setBrk(0x42_0000)).toBe(0x40_2800); // would collide
    expect(space.setBrk(0x40_1000)).toBe(0x40_2800); // below the start
  });
});

describe('AddressSpace kernel access', () => {
  it('copies across page boundaries and faults pages in on the way', () => {
    const { space } = setup();
    space.map(0x10000, 0x13000, RW, 'mmap');
    const data = Uint8Array.from({ length: 6000 }, (_, i) => i & 0xff);
    expect(space.write(0x10ff0, data)).toBe(true);
    expect(space.read(0x10ff0, 6000)).toEqual(data);
  });

  it('reports EFAULT for unmapped, read-only and PROT_NONE targets', () => {
    const { space } = setup();
    space.map(0x10000, 0x11000, PROT.READ, 'mmap');
    expect(space.write(0x10000, Uint8Array.of(1))).toBe(false);
    expect(space.read(0x10ffe, 4)).toBeUndefined(); // runs off the end
    expect(space.read(-1, 1)).toBeUndefined();
    space.initialize(0x10000, Uint8Array.of(0x41, 0x42, 0)); // exec() may write read-only memory
    expect(space.readCString(0x10000)).toBe('AB');
    expect(space.readCString(0x10000, 1)).toBeUndefined(); // longer than allowed
    expect(() => space.initialize(0x20000, Uint8Array.of(1))).toThrow(RangeError);
  });

  it('tells the CPU about every store to physical memory', () => {
    const { space, ram } = setup();
    space.map(0x10000, 0x11000, RW, 'mmap');
    ram.writes.length = 0;
    space.write(0x10100, Uint8Array.of(1, 2));
    const paddr = space.pageTable.translate(0x10100)!.paddr;
    expect(ram.writes).toEqual([[paddr, 2]]);
  });
});
