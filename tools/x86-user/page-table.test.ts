import { describe, expect, it } from 'vitest';
import { FrameAllocator, PhysicalMemoryExhausted } from './frame-allocator';
import { PageTable, PTE_HI_NX, PTE_P, PTE_RW, PTE_US } from './page-table';
import { fakeRam } from './testing';

function setup(bytes = 1024 * 1024) {
  const ram = fakeRam(bytes);
  const frames = new FrameAllocator(ram);
  const table = new PageTable(ram, frames);
  const view = new DataView(ram.u8.buffer);
  const entry = (tableAddr: number, index: number) => ({
    low: view.getUint32(tableAddr + index * 8, true),
    high: view.getUint32(tableAddr + index * 8 + 4, true),
  });
  const address = (e: { low: number; high: number }) => (e.low & ~0xfff) + (e.high & 0xfffff) * 2 ** 32;
  return { ram, frames, table, entry, address };
}

describe('PageTable', () => {
  it('writes a 4-level walk with permissive upper levels and the leaf permissions', () => {
    const { table, entry, address } = setup();
    // 0x7fff_ffff_e000: PML4 255, PDPT 511, PD 511, PT 510
    const vaddr = 0x7fff_ffff_e000;
    table.map(vaddr, 0x5000, { write: true, exec: false, user: true });
    const pml4e = entry(table.root, 255);
    expect(pml4e.low & 0xfff).toBe(PTE_P | PTE_RW | PTE_US);
    expect(pml4e.high).toBe(0);
    const pdpte = entry(address(pml4e), 511);
    expect(pdpte.low & 0xfff).toBe(PTE_P | PTE_RW | PTE_US);
    const pde = entry(address(pdpte), 511);
    expect(pde.low & 0xfff).toBe(PTE_P | PTE_RW | PTE_US);
    const pte = entry(address(pde), 510);
    expect(pte.low).toBe(0x5000 | PTE_P | PTE_RW | PTE_US);
    expect(pte.high).toBe(PTE_HI_NX);
    // nothing else in the PT
    expect(entry(address(pde), 509).low).toBe(0);
    expect(entry(address(pde), 511).low).toBe(0);
  });

  it('encodes read-only executable pages, PROT_NONE pages and physical addresses above 4 GiB', () => {
    const { table, entry, address } = setup();
    table.map(0x40_1000, 0x3000, { write: false, exec: true, user: true });
    table.map(0x40_2000, 0x1_2345_6000, { write: true, exec: true, user: false });
    const pd = address(entry(address(entry(table.root, 0)), 0));
    const pt = address(entry(pd, 2)); // 0x400000 >> 21 = 2
    expect(entry(pt, 1)).toEqual({ low: 0x3000 | PTE_P | PTE_US, high: 0 });
    expect(entry(pt, 2)).toEqual({ low: 0x2345_6000 | PTE_P | PTE_RW, high: 0x1 });
    expect(table.translate(0x40_2abc)).toEqual({
      paddr: 0x1_2345_6abc,
      write: true,
      exec: true,
      user: false,
    });
  });

  it('translates like the CPU: offset within the page, permissions, not-present', () => {
    const { table } = setup();
    table.map(0x1000, 0x9000, { write: false, exec: false, user: true });
    expect(table.translate(0x1234)).toEqual({ paddr: 0x9234, write: false, exec: false, user: true });
    expect(table.translate(0x2000)).toBeUndefined();
    expect(table.translate(2 ** 47)).toBeUndefined();
    expect(table.translate(-1)).toBeUndefined();
  });

  it('unmaps and reprotects only present pages', () => {
    const { table } = setup();
    table.map(0x1000, 0x9000, { write: true, exec: false, user: true });
    expect(table.protect(0x1000, { write: false, exec: true, user: true })).toBe(true);
    expect(table.translate(0x1000)).toMatchObject({ write: false, exec: true });
    expect(table.protect(0x2000, { write: true, exec: true, user: true })).toBe(false);
    expect(table.unmap(0x1000)).toBe(0x9000);
    expect(table.unmap(0x1000)).toBeUndefined();
    expect(table.translate(0x1000)).toBeUndefined();
    expect(table.unmap(0x7000_0000_0000)).toBeUndefined();
  });

  it('visits present pages of a sparse range without walking absent tables', () => {
    const { table } = setup();
    const pages = [0x1000, 0x20_0000, 0x4000_0000, 0x7fff_ffff_f000];
    for (const p of pages) table.map(p, 0x8000, { write: true, exec: false, user: true });
    const seen: number[] = [];
    table.forEachPresent(0, 2 ** 47, (v) => seen.push(v));
    expect(seen).toEqual(pages);
    const partial: number[] = [];
    table.forEachPresent(0x2000, 0x4000_1000, (v) => partial.push(v));
    expect(partial).toEqual([0x20_0000, 0x4000_0000]);
  });

  it('rejects unaligned and kernel-half addresses', () => {
    const { table } = setup();
    const perms = { write: true, exec: false, user: true };
    expect(() => table.map(0x1001, 0x2000, perms)).toThrow(RangeError);
    expect(() => table.map(2 ** 47, 0x2000, perms)).toThrow(RangeError);
  });
});

describe('FrameAllocator', () => {
  it('hands out zeroed frames, recycles freed ones zeroed, and reports exhaustion', () => {
    const ram = fakeRam(4 * 4096);
    const frames = new FrameAllocator(ram);
    const a = frames.allocate();
    const b = frames.allocate();
    expect([a, b]).toEqual([0x1000, 0x2000]);
    ram.u8.fill(0xaa, a, a + 4096);
    frames.release(a);
    expect(frames.framesInUse).toBe(1);
    const again = frames.allocate();
    expect(again).toBe(a);
    expect(ram.u8.subarray(a, a + 4096).every((x) => x === 0)).toBe(true);
    expect(ram.writes).toContainEqual([a, 4096]); // the CPU hears about the overwrite
    frames.allocate();
    expect(frames.framesFree).toBe(0);
    expect(() => frames.allocate()).toThrow(PhysicalMemoryExhausted);
  });
});
