import { beforeEach, describe, expect, it } from 'vitest';
import { PGT_seg_desc_page, PGT_writable_page } from '../../src/mm/frame-table';
import { resolvePgOwner, resolvePtOwner } from '../../src/mm/mmu-update';
import * as E from '../../src/public/errno';
import { _PAGE_ACCESSED, _PAGE_DIRTY, _PAGE_GUEST_KERNEL, _PAGE_NX, _PAGE_PSE } from '../../src/public/page';
import * as X from '../../src/public/xen';
import { A, mmuHelpers, P, pte, RW, U } from '../helpers/mmu';
import { buildGuest, BuiltGuest, expectSound } from '../helpers/system';

let g: BuiltGuest;
let h: ReturnType<typeof mmuHelpers>;
beforeEach(() => {
  g = buildGuest({}, 32, 2048);
  h = mmuHelpers(g);
});

describe('MMU_NORMAL_PT_UPDATE', () => {
  it('validates updates to an in-use L1 and releases the old entry', () => {
    const [l1, a, b] = [h.spare(), h.spare(), h.spare()];
    expect(h.op(X.MMUEXT_PIN_L1_TABLE, l1)).toBe(0);
    expect(h.update(l1, 9, pte(a, P | RW))).toBe(0);
    expect(h.peek(l1, 9)).toBe(pte(a, P | RW | U | _PAGE_GUEST_KERNEL));
    expect([h.f.type[a], h.f.typeCount[a], h.f.count[a]]).toEqual([PGT_writable_page, 1, 2]);
    expect(h.update(l1, 9, pte(b, P))).toBe(0);
    expect([h.f.typeCount[a], h.f.count[a], h.f.count[b]]).toEqual([0, 1, 2]);
    expect(h.update(l1, 9, 0n)).toBe(0);
    expect(h.f.count[b]).toBe(1);
    expectSound(g.sys);
  });

  it.each([
    ['RW map of a page table', () => pte(g.built.l4Mfn, P | RW), -E.XEN_EBUSY],
    ['foreign/Xen frame', () => pte(g.sys.host.m2p.chunkMfns[0], P), -E.XEN_EBUSY],
    ['non-RAM', () => pte(0x200000, P), -E.XEN_EPERM],
    ['PCD', () => pte(h.mfn(0), P | 0x10), -E.XEN_EINVAL],
    ['bit 62', () => pte(h.mfn(0), P | (1 << 22)), -E.XEN_EINVAL],
  ])('refuses an L1 entry: %s, leaving the entry unchanged', (_n, val, rc) => {
    const l1 = h.spare();
    expect(h.op(X.MMUEXT_PIN_L1_TABLE, l1)).toBe(0);
    expect(h.update(l1, 4, val())).toBe(rc);
    expect(h.peek(l1, 4)).toBe(0n);
    expectSound(g.sys);
  });

  it('takes the fast path for A/D/NX/U/G/AVAIL changes (no new references)', () => {
    const [l1, a] = [h.spare(), h.spare()];
    expect(h.op(X.MMUEXT_PIN_L1_TABLE, l1)).toBe(0);
    expect(h.update(l1, 0, pte(a, P | RW))).toBe(0);
    const before = [h.f.count[a], h.f.typeCount[a]];
    expect(h.update(l1, 0, pte(a, P | RW | _PAGE_ACCESSED | _PAGE_DIRTY | _PAGE_NX | 0x200))).toBe(0);
    expect([h.f.count[a], h.f.typeCount[a]]).toEqual(before);
    expectSound(g.sys);
  });

  it('MMU_PT_UPDATE_PRESERVE_AD keeps the A/D bits already in the entry', () => {
    const [l1, a] = [h.spare(), h.spare()];
    expect(h.op(X.MMUEXT_PIN_L1_TABLE, l1)).toBe(0);
    expect(h.update(l1, 0, pte(a, P | RW | _PAGE_ACCESSED | _PAGE_DIRTY))).toBe(0);
    expect(h.update(l1, 0, pte(a, P | RW), X.MMU_PT_UPDATE_PRESERVE_AD)).toBe(0);
    expect(h.peek(l1, 0)).toBe(pte(a, P | RW | U | A | _PAGE_DIRTY | _PAGE_GUEST_KERNEL));
    expect(h.update(l1, 0, pte(a, P | RW), X.MMU_NORMAL_PT_UPDATE)).toBe(0);
    expect(h.peek(l1, 0)).toBe(pte(a, P | RW | U | _PAGE_GUEST_KERNEL));
  });

  it('is a plain write for unreferenced or writable frames, -EINVAL for descriptor pages', () => {
    const [t, w, l1] = [h.spare(), h.spare(), h.spare()];
    expect(h.update(t, 3, 0x1234n)).toBe(0);
    expect(h.peek(t, 3)).toBe(0x1234n);
    expect([h.f.type[t], h.f.typeCount[t]]).toEqual([PGT_writable_page, 0]);
    h.poke(l1, 0, pte(w, P | RW));
    expect(h.op(X.MMUEXT_PIN_L1_TABLE, l1)).toBe(0);
    expect(h.update(w, 0, 0xdeadn)).toBe(0);
    const sd = h.spare();
    expect(g.sys.mmu.types.getPageAndType(sd, g.d.id, PGT_seg_desc_page)).toBe(0);
    expect(h.update(sd, 0, 0n)).toBe(-E.XEN_EINVAL);
    expect(h.update(g.sys.host.m2p.l3Mfn, 0, 0n)).toBe(-E.XEN_EINVAL); // not the caller's frame
  });

  it('validates L2/L3/L4 updates: PSE, Xen L4 slots, level mismatches', () => {
    const [l4, l3, l2, l1] = [h.spare(), h.spare(), h.spare(), h.spare()];
    for (const [t, c] of [
      [l4, X.MMUEXT_PIN_L4_TABLE],
      [l3, X.MMUEXT_PIN_L3_TABLE],
      [l2, X.MMUEXT_PIN_L2_TABLE],
      [l1, X.MMUEXT_PIN_L1_TABLE],
    ]) {
      expect(h.op(c, t)).toBe(0);
    }
    expect(h.update(l2, 0, pte(l1, P | RW))).toBe(0);
    expect(h.update(l3, 0, pte(l2, P | RW))).toBe(0);
    expect(h.update(l4, 0, pte(l3, P | RW))).toBe(0);
    expect(h.peek(l4, 0)).toBe(pte(l3, P | RW | U | A));
    expect(h.update(l2, 1, pte(h.spare(), P | _PAGE_PSE))).toBe(-E.XEN_EINVAL);
    expect(h.update(l3, 1, pte(l1, P))).toBe(-E.XEN_EINVAL); // L1 where an L2 belongs
    expect(h.update(l4, 256, 0n)).toBe(-E.XEN_EINVAL);
    expect(h.update(l4, 271, pte(l3, P))).toBe(-E.XEN_EINVAL);
    expect(h.update(l4, 272, pte(l3, P))).toBe(0);
    expect(h.f.typeCount[l3]).toBe(3);
    // Dropping the last reference to an unpinned L1 de-validates it.
    const l1b = h.spare();
    expect(h.update(l2, 2, pte(l1b, P))).toBe(0);
    expect(h.f.validated[l1b]).toBe(1);
    expect(h.update(l2, 2, 0n)).toBe(0);
    expect([h.f.validated[l1b], h.f.typeCount[l1b]]).toEqual([0, 0]);
    expectSound(g.sys);
  });

  it('MMU_MACHPHYS_UPDATE sets the M2P for own frames only; unknown commands are -ENOSYS', () => {
    const a = h.spare();
    expect(h.update(a, 0, 0x777n, X.MMU_MACHPHYS_UPDATE)).toBe(0);
    expect(g.sys.host.m2p.get(a)).toBe(0x777n);
    expect(h.update(g.sys.host.m2p.l3Mfn, 0, 1n, X.MMU_MACHPHYS_UPDATE)).toBe(-E.XEN_EINVAL);
    for (const cmd of [4, 5, 6, 7]) expect(h.update(a, 0, 0n, cmd)).toBe(-E.XEN_ENOSYS);
  });
});

describe('foreigndom resolution (unprivileged caller)', () => {
  it('maps DOMID_SELF to the caller and refuses everything else', () => {
    const other = g.sys.createDomain({ id: 9, maxPages: 1, console: g.console });
    expect(resolvePgOwner(g.ctx, X.DOMID_SELF, true)).toBe(g.d.id);
    expect(resolvePgOwner(g.ctx, g.d.id, true)).toBe(-E.XEN_ESRCH);
    expect(resolvePgOwner(g.ctx, X.DOMID_IO, true)).toBe(X.DOMID_IO);
    expect(resolvePgOwner(g.ctx, X.DOMID_IO, false)).toBe(-E.XEN_EPERM);
    expect(resolvePgOwner(g.ctx, X.DOMID_XEN, true)).toBe(-E.XEN_EPERM);
    expect(resolvePgOwner(g.ctx, other.id, true)).toBe(-E.XEN_EPERM);
    expect(resolvePgOwner(g.ctx, 77, true)).toBe(-E.XEN_ESRCH);
    expect(resolvePtOwner(g.ctx, 0)).toBe(g.d);
    expect(resolvePtOwner(g.ctx, (g.d.id + 1) << 16)).toBe(g.d);
    expect(resolvePtOwner(g.ctx, (other.id + 1) << 16)).toBe(-E.XEN_EPERM);
    expect(resolvePtOwner(g.ctx, 78 << 16)).toBe(-E.XEN_ESRCH);
  });

  it('DOMID_IO mappings of RAM are refused', () => {
    const l1 = h.spare();
    expect(h.op(X.MMUEXT_PIN_L1_TABLE, l1)).toBe(0);
    expect(h.update(l1, 0, pte(h.spare(), P), X.MMU_NORMAL_PT_UPDATE, X.DOMID_IO)).toBe(-E.XEN_EBUSY);
    expect(h.update(l1, 0, pte(0x300000, P), X.MMU_NORMAL_PT_UPDATE, X.DOMID_IO)).toBe(-E.XEN_EPERM);
  });
});
