import { beforeEach, describe, expect, it } from 'vitest';
import { PGT_l1_page_table, PGT_writable_page } from '../../src/mm/frame-table';
import * as E from '../../src/public/errno';
import {
  _PAGE_GLOBAL,
  _PAGE_GNTTAB,
  _PAGE_GUEST_KERNEL,
  _PAGE_PAT,
  _PAGE_PCD,
  _PAGE_PSE,
  _PAGE_PWT,
} from '../../src/public/page';
import * as X from '../../src/public/xen';
import { mmuHelpers, P, pte, RW, U } from '../helpers/mmu';
import { buildGuest, BuiltGuest, expectSound } from '../helpers/system';

let g: BuiltGuest;
let h: ReturnType<typeof mmuHelpers>;
beforeEach(() => {
  g = buildGuest({}, 32, 2048);
  h = mmuHelpers(g);
});

const PIN = [X.MMUEXT_PIN_L1_TABLE, X.MMUEXT_PIN_L2_TABLE, X.MMUEXT_PIN_L3_TABLE, X.MMUEXT_PIN_L4_TABLE];

describe('pinning', () => {
  it.each([0, 1, 2, 3])('pins and unpins an empty L%d table', (i) => {
    const t = h.spare();
    expect(h.op(PIN[i], t)).toBe(0);
    expect([h.f.type[t], h.f.typeCount[t], h.f.pinned[t], h.f.validated[t]]).toEqual([i + 1, 1, 1, 1]);
    expect(h.op(PIN[i], t)).toBe(-E.XEN_EINVAL); // already pinned
    expect(h.op(X.MMUEXT_UNPIN_TABLE, t)).toBe(0);
    expect([h.f.typeCount[t], h.f.pinned[t], h.f.validated[t]]).toEqual([0, 0, 0]);
    expect(h.op(X.MMUEXT_UNPIN_TABLE, t)).toBe(-E.XEN_EINVAL); // not pinned
    expectSound(g.sys);
  });

  it('refuses to pin a frame the domain does not own, or a type conflict', () => {
    expect(h.op(X.MMUEXT_PIN_L1_TABLE, g.sys.host.m2p.l3Mfn)).toBe(-E.XEN_EINVAL);
    expect(h.op(X.MMUEXT_PIN_L1_TABLE, 1n << 45n)).toBe(-E.XEN_EINVAL);
    const l4 = g.built.l4Mfn;
    expect(h.op(X.MMUEXT_PIN_L1_TABLE, l4)).toBe(-E.XEN_EINVAL); // is an L4
    const l1 = h.spare();
    expect(h.op(X.MMUEXT_PIN_L1_TABLE, l1)).toBe(0);
    expect(h.op(X.MMUEXT_PIN_L2_TABLE, l1)).toBe(-E.XEN_EINVAL);
    expectSound(g.sys);
  });

  it('takes a general ref for RO mappings and a writable type ref for RW mappings', () => {
    const [l1, a, b] = [h.spare(), h.spare(), h.spare()];
    h.poke(l1, 0, pte(a, P | RW));
    h.poke(l1, 1, pte(b, P));
    h.poke(l1, 2, pte(b, P | U));
    expect(h.op(X.MMUEXT_PIN_L1_TABLE, l1)).toBe(0);
    expect([h.f.count[a], h.f.type[a], h.f.typeCount[a]]).toEqual([2, PGT_writable_page, 1]);
    expect([h.f.count[b], h.f.typeCount[b]]).toEqual([3, 0]);
    // Xen's adjustments: kernel pages get U + bit 52, user pages get G.
    expect(h.peek(l1, 1)).toBe(pte(b, P | U | _PAGE_GUEST_KERNEL));
    expect(h.peek(l1, 2)).toBe(pte(b, P | U | _PAGE_GLOBAL));
    expect(h.op(X.MMUEXT_UNPIN_TABLE, l1)).toBe(0);
    expect([h.f.count[a], h.f.typeCount[a], h.f.count[b]]).toEqual([1, 0, 1]);
    expectSound(g.sys);
  });

  it.each([
    ['RW self-map', (l1: number) => pte(l1, P | RW), -E.XEN_EBUSY],
    ['RW map of an in-use page table', () => pte(g.built.l4Mfn, P | RW), -E.XEN_EBUSY],
    ['map of a Xen frame', () => pte(g.sys.host.m2p.l3Mfn, P), -E.XEN_EBUSY],
    ['map of a free frame', () => pte(g.sys.host.frames.nrFrames - 1, P), -E.XEN_EBUSY],
    ['map of non-RAM (I/O) memory', () => pte(0x100000, P), -E.XEN_EPERM],
    ['map of INVALID_MFN', () => pte(2 ** 40 - 1, P), -E.XEN_EINVAL],
    ['PCD', () => pte(h.mfn(0), P | _PAGE_PCD), -E.XEN_EINVAL],
    ['PWT', () => pte(h.mfn(0), P | _PAGE_PWT), -E.XEN_EINVAL],
    ['PAT', () => pte(h.mfn(0), P | _PAGE_PAT), -E.XEN_EINVAL],
    ['bit 62 (_PAGE_GNTTAB)', () => pte(h.mfn(0), P | _PAGE_GNTTAB), -E.XEN_EINVAL],
  ])('refuses an L1 holding a %s, rolling back earlier references', (_n, entry, rc) => {
    const [l1, a] = [h.spare(), h.spare()];
    h.poke(l1, 0, pte(a, P | RW));
    h.poke(l1, 7, (entry as (l1: number) => bigint)(l1));
    expect(h.op(X.MMUEXT_PIN_L1_TABLE, l1)).toBe(rc);
    expect([h.f.typeCount[l1], h.f.count[a], h.f.typeCount[a]]).toEqual([0, 1, 0]);
    expectSound(g.sys);
  });

  it('accepts G, NX and the available bits in an L1; RO self-maps', () => {
    const l1 = h.spare();
    h.poke(l1, 0, pte(h.mfn(0), P | _PAGE_GLOBAL | 0xe00 | (0x3ff << 12) | (1 << 23)));
    h.poke(l1, 1, pte(l1, P));
    expect(h.op(X.MMUEXT_PIN_L1_TABLE, l1)).toBe(0);
    expectSound(g.sys);
  });

  it('validates an L2 recursively and refuses PSE / bad L1s / writable targets', () => {
    const [l2, l1, data] = [h.spare(), h.spare(), h.spare()];
    h.poke(l1, 3, pte(data, P | RW));
    h.poke(l2, 5, pte(l1, P | RW));
    expect(h.op(X.MMUEXT_PIN_L2_TABLE, l2)).toBe(0);
    expect([h.f.type[l1], h.f.typeCount[l1], h.f.pinned[l1]]).toEqual([PGT_l1_page_table, 1, 0]);
    expect(h.peek(l2, 5)).toBe(pte(l1, P | RW | U));
    expect(h.op(X.MMUEXT_UNPIN_TABLE, l2)).toBe(0);
    expect([h.f.typeCount[l1], h.f.validated[l1], h.f.typeCount[data]]).toEqual([0, 0, 0]);

    const psel2 = h.spare();
    h.poke(psel2, 0, pte(data, P | _PAGE_PSE));
    expect(h.op(X.MMUEXT_PIN_L2_TABLE, psel2)).toBe(-E.XEN_EINVAL);
    const badl1 = h.spare();
    h.poke(badl1, 0, pte(g.built.l4Mfn, P | RW));
    const l2b = h.spare();
    h.poke(l2b, 0, pte(badl1, P));
    expect(h.op(X.MMUEXT_PIN_L2_TABLE, l2b)).toBe(-E.XEN_EBUSY);
    // An L2 entry pointing at a writable-typed frame: type conflict.
    const rwl1 = h.spare();
    h.poke(rwl1, 0, pte(data, P | RW));
    expect(h.op(X.MMUEXT_PIN_L1_TABLE, rwl1)).toBe(0);
    const l2c = h.spare();
    h.poke(l2c, 0, pte(data, P));
    expect(h.op(X.MMUEXT_PIN_L2_TABLE, l2c)).toBe(-E.XEN_EINVAL);
    expectSound(g.sys);
  });

  it('allows read-only linear (same-level) entries only', () => {
    const [l2, other] = [h.spare(), h.spare()];
    h.poke(l2, 0, pte(l2, P)); // self
    expect(h.op(X.MMUEXT_PIN_L2_TABLE, l2)).toBe(0);
    expect(h.op(X.MMUEXT_PIN_L2_TABLE, other)).toBe(0);
    expect(h.update(l2, 1, pte(other, P))).toBe(0); // linear to another validated L2
    expect(h.f.typeCount[other]).toBe(2);
    expect(h.f.linearCount[l2]).toBe(1);
    expect(h.f.linearCount[other]).toBe(-1);
    // A table that is linearly used may not itself hold linear entries.
    expect(h.update(other, 0, pte(l2, P))).toBe(-E.XEN_EINVAL);
    expect(h.update(l2, 2, pte(other, P | RW))).toBe(-E.XEN_EINVAL);
    const self2 = h.spare();
    h.poke(self2, 0, pte(self2, P | RW));
    expect(h.op(X.MMUEXT_PIN_L2_TABLE, self2)).toBe(-E.XEN_EINVAL);
    expect(h.update(l2, 1, 0n)).toBe(0);
    expect([h.f.typeCount[other], h.f.linearCount[l2], h.f.linearCount[other]]).toEqual([1, 0, 0]);
    expectSound(g.sys);
  });

  it('overwrites Xen L4 slots on validation and fills slot 256 only with m2p_strict', () => {
    const l4 = h.spare();
    for (let s = 250; s < 280; s++) h.poke(l4, s, pte(h.mfn(0), P | RW));
    expect(h.op(X.MMUEXT_PIN_L4_TABLE, l4)).toBe(-E.XEN_EINVAL); // guest slots 250..255 → data frame as L3
    const l4b = h.spare();
    for (let s = 256; s < 272; s++) h.poke(l4b, s, pte(h.mfn(0), P | RW));
    expect(h.op(X.MMUEXT_PIN_L4_TABLE, l4b)).toBe(0);
    for (let s = 256; s < 272; s++) expect(h.peek(l4b, s)).toBe(0n);
    g.d.vmAssist.add(X.VMASST_TYPE_m2p_strict);
    const l4c = h.spare();
    expect(h.op(X.MMUEXT_PIN_L4_TABLE, l4c)).toBe(0);
    expect(h.peek(l4c, 256) & 0xfffn).toBe(0x25n); // P|U|A, read-only
    expectSound(g.sys);
  });

  it('never types a page table while it is mapped writable (and vice versa)', () => {
    const [l1, victim] = [h.spare(), h.spare()];
    h.poke(l1, 0, pte(victim, P | RW));
    expect(h.op(X.MMUEXT_PIN_L1_TABLE, l1)).toBe(0);
    expect(h.op(X.MMUEXT_PIN_L1_TABLE, victim)).toBe(-E.XEN_EINVAL);
    expect(h.update(l1, 0, pte(victim, P))).toBe(0); // downgrade to RO
    expect(h.op(X.MMUEXT_PIN_L1_TABLE, victim)).toBe(0);
    expect(h.f.type[victim]).toBe(PGT_l1_page_table);
    expect(h.update(l1, 1, pte(victim, P | RW))).toBe(-E.XEN_EBUSY);
    expectSound(g.sys);
  });
});
