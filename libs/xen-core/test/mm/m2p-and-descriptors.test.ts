import { describe, expect, it } from 'vitest';
import { checkDescriptor } from '../../src/mm/descriptor-check';
import { PGT_seg_desc_page } from '../../src/mm/frame-table';
import { walkGuest } from '../../src/mm/guest-walk';
import { M2P_CHUNK_FRAMES } from '../../src/mm/m2p';
import * as E from '../../src/public/errno';
import * as X from '../../src/public/xen';
import { mmuHelpers, P, pte, RW } from '../helpers/mmu';
import { buildGuest, expectSound } from '../helpers/system';

describe('read-only M2P at RO_MPT_VIRT_START', () => {
  it('lets the guest read m2p[mfn] through L4 slot 256, never write it', () => {
    const g = buildGuest({}, 16, 2048);
    const { sys, built } = g;
    const nr = sys.host.frames.nrFrames;
    for (const pfn of [0, 1, 100, 2047]) {
      const mfn = built.p2m[pfn];
      const va = X.RO_MPT_VIRT_START + BigInt(mfn) * 8n;
      const r = walkGuest(sys.host.mem, nr, built.l4Mfn, va, { write: false, user: true });
      expect(r.ok && sys.host.mem.readU64(r.maddr)).toBe(BigInt(pfn));
      expect(walkGuest(sys.host.mem, nr, built.l4Mfn, va, { write: true, user: true }).ok).toBe(false);
    }
    const past = X.RO_MPT_VIRT_START + BigInt(sys.host.m2p.chunkMfns.length * M2P_CHUNK_FRAMES * 4096);
    expect(walkGuest(sys.host.mem, nr, built.l4Mfn, past, { write: false, user: true }).ok).toBe(false);
    // The M2P frames belong to Xen: a guest cannot map them itself.
    const h = mmuHelpers(g);
    const l1 = h.spare();
    expect(h.op(X.MMUEXT_PIN_L1_TABLE, l1)).toBe(0);
    expect(h.update(l1, 0, pte(sys.host.m2p.chunkMfns[0], P))).toBe(-E.XEN_EBUSY);
  });
});

describe('segment descriptor pages', () => {
  const FLAT_CODE_DPL0 = [0x0000ffff, 0x00af9b00];
  it('check_descriptor: code/data raised to DPL 3, system descriptors refused, call gates fixed up', () => {
    expect(checkDescriptor(0, 0)).toEqual({ a: 0, b: 0 }); // not present
    expect(checkDescriptor(FLAT_CODE_DPL0[0], FLAT_CODE_DPL0[1])).toEqual({ a: 0x0000ffff, b: 0x00affb00 });
    expect(checkDescriptor(0x0000ffff, 0x00cff300)).toEqual({ a: 0x0000ffff, b: 0x00cff300 });
    expect(checkDescriptor(0x00000067, 0x00008900)).toBeUndefined(); // 64-bit TSS
    expect(checkDescriptor(0x00000000, 0x00008e00)).toBeUndefined(); // interrupt gate
    // Call gate to FLAT_KERNEL_CS, DPL 3: stored with DPL 0, original DPL in the selector RPL.
    expect(checkDescriptor(0xe0331000, 0x0000ec00)).toEqual({ a: 0xe0331000, b: 0x00008c00 });
    expect(checkDescriptor(0xe0081000, 0x0000ec00)).toBeUndefined(); // Xen's own CS
    expect(checkDescriptor(0xe0331000, 0x0000ec01)).toBeUndefined(); // reserved bits
  });

  it('a seg_desc page validates every descriptor, and cannot be mapped writable while in use', () => {
    const g = buildGuest({}, 16, 2048);
    const h = mmuHelpers(g);
    const types = g.sys.mmu.types;
    const gdt = h.spare();
    h.poke(gdt, 1, (BigInt(FLAT_CODE_DPL0[1]) << 32n) | BigInt(FLAT_CODE_DPL0[0]));
    expect(types.getPageAndType(gdt, g.d.id, PGT_seg_desc_page)).toBe(0);
    expect(h.peek(gdt, 1) >> 32n).toBe(0x00affb00n);
    const l1 = h.spare();
    expect(h.op(X.MMUEXT_PIN_L1_TABLE, l1)).toBe(0);
    expect(h.update(l1, 0, pte(gdt, P | RW))).toBe(-E.XEN_EBUSY);
    expect(h.update(l1, 0, pte(gdt, P))).toBe(0);
    types.putPageAndType(gdt);
    expect(h.update(l1, 0, pte(gdt, P | RW))).toBe(0);
    const bad = h.spare();
    h.poke(bad, 3, (0x00008900n << 32n) | 0x67n);
    expect(types.getPageAndType(bad, g.d.id, PGT_seg_desc_page)).toBe(-E.XEN_EINVAL);
    expectSound(g.sys);
  });
});
