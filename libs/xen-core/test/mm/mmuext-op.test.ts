import { beforeEach, describe, expect, it } from 'vitest';
import { PGT_l4_page_table } from '../../src/mm/frame-table';
import * as E from '../../src/public/errno';
import * as X from '../../src/public/xen';
import { mmuHelpers, P, pte, RW } from '../helpers/mmu';
import { buildGuest, BuiltGuest, expectSound } from '../helpers/system';

let g: BuiltGuest;
let h: ReturnType<typeof mmuHelpers>;
beforeEach(() => {
  g = buildGuest({}, 32, 2048);
  h = mmuHelpers(g);
});

/** A copy of the builder's L4 in a fresh frame (so it maps the same things). */
function cloneL4(): number {
  const l4 = h.spare();
  for (let s = 0; s < 256; s++) h.poke(l4, s, h.peek(g.built.l4Mfn, s) & ~0x4n);
  return l4;
}

describe('base pointers', () => {
  it('NEW_BASEPTR validates, installs, fills the RO M2P slot and drops the old root', () => {
    const old = g.built.l4Mfn;
    const l4 = cloneL4();
    expect(h.op(X.MMUEXT_NEW_BASEPTR, l4)).toBe(0);
    expect(g.d.vcpus[0].guestTable).toBe(l4);
    expect([h.f.type[l4], h.f.typeCount[l4]]).toEqual([PGT_l4_page_table, 1]);
    expect(h.f.typeCount[old]).toBe(1); // still pinned
    expect(h.peek(l4, 256) & 1n).toBe(1n);
    expect(g.ctx.effects).toContainEqual({ kind: 'baseptr', vcpu: 0, mfn: l4, user: false });
    expect(h.op(X.MMUEXT_NEW_BASEPTR, l4)).toBe(0);
    expect(h.op(X.MMUEXT_NEW_BASEPTR, h.mfn(0))).toBe(-E.XEN_EINVAL); // a data page
    expect(h.op(X.MMUEXT_NEW_BASEPTR, 0)).toBe(-E.XEN_EINVAL);
    expect(g.d.vcpus[0].guestTable).toBe(l4);
    expect(h.op(X.MMUEXT_UNPIN_TABLE, old)).toBe(0);
    expect(h.f.typeCount[old]).toBe(0);
    expectSound(g.sys);
  });

  it('NEW_USER_BASEPTR sets and clears the user root; m2p_strict zaps slot 256', () => {
    const u = cloneL4();
    expect(h.op(X.MMUEXT_NEW_USER_BASEPTR, u)).toBe(0);
    expect(g.d.vcpus[0].guestTableUser).toBe(u);
    expect(h.peek(u, 256)).toBe(0n);
    expect(h.op(X.MMUEXT_NEW_USER_BASEPTR, 0)).toBe(0);
    expect([g.d.vcpus[0].guestTableUser, h.f.typeCount[u]]).toEqual([0, 0]);
    g.d.vmAssist.add(X.VMASST_TYPE_m2p_strict);
    const u2 = cloneL4();
    expect(h.op(X.MMUEXT_PIN_L4_TABLE, u2)).toBe(0);
    expect(h.peek(u2, 256) & 1n).toBe(1n);
    expect(h.op(X.MMUEXT_NEW_USER_BASEPTR, u2)).toBe(0);
    expect(h.peek(u2, 256)).toBe(0n);
    expectSound(g.sys);
  });
});

describe('TLB, LDT, page and cache operations', () => {
  it('reports flushes as effects', () => {
    const mask = g.scratchVa;
    expect(g.ctx.guest.writeU64(mask, 1n)).toBe(true);
    expect(h.op(X.MMUEXT_TLB_FLUSH_LOCAL)).toBe(0);
    expect(h.op(X.MMUEXT_INVLPG_LOCAL, 0x1000)).toBe(0);
    expect(h.op(X.MMUEXT_INVLPG_LOCAL, 0x0000900000000000n)).toBe(0); // non-canonical: ignored
    expect(h.op(X.MMUEXT_TLB_FLUSH_MULTI, 0, mask)).toBe(0);
    expect(h.op(X.MMUEXT_INVLPG_MULTI, 0x2000, mask)).toBe(0);
    expect(h.op(X.MMUEXT_TLB_FLUSH_MULTI, 0, 0xdead0000n)).toBe(-E.XEN_EINVAL);
    expect(h.op(X.MMUEXT_TLB_FLUSH_ALL)).toBe(0);
    expect(h.op(X.MMUEXT_INVLPG_ALL, 0x3000)).toBe(0);
    expect(g.ctx.effects).toEqual([
      { kind: 'tlb-flush', target: { kind: 'local' } },
      { kind: 'invlpg', va: 0x1000n, target: { kind: 'local' } },
      { kind: 'tlb-flush', target: { kind: 'vcpus', vcpus: [0] } },
      { kind: 'invlpg', va: 0x2000n, target: { kind: 'vcpus', vcpus: [0] } },
      { kind: 'tlb-flush', target: { kind: 'all' } },
      { kind: 'invlpg', va: 0x3000n, target: { kind: 'all' } },
    ]);
  });

  it('SET_LDT checks alignment, range and size', () => {
    expect(h.op(X.MMUEXT_SET_LDT, 0x10010, 16)).toBe(-E.XEN_EINVAL);
    expect(h.op(X.MMUEXT_SET_LDT, 0x10000, 8193)).toBe(-E.XEN_EINVAL);
    expect(h.op(X.MMUEXT_SET_LDT, X.HYPERVISOR_VIRT_START, 16)).toBe(-E.XEN_EINVAL);
    expect(h.op(X.MMUEXT_SET_LDT, 0x10010, 0)).toBe(0); // no entries: base ignored
    expect(h.op(X.MMUEXT_SET_LDT, 0x10000, 16)).toBe(0);
    expect([g.d.vcpus[0].ldtBase, g.d.vcpus[0].ldtEnts]).toEqual([0x10000n, 16]);
    expect(g.ctx.effects).toEqual([{ kind: 'ldt', vcpu: 0, base: 0x10000n, ents: 16 }]);
  });

  it('CLEAR_PAGE / COPY_PAGE need a writable-typable own frame', () => {
    const [a, b] = [h.spare(), h.spare()];
    h.mem.fill(a * 4096, 4096, 0xab);
    expect(h.op(X.MMUEXT_COPY_PAGE, b, a)).toBe(0);
    expect(h.mem.readU8(b * 4096 + 4095)).toBe(0xab);
    expect(h.op(X.MMUEXT_CLEAR_PAGE, a)).toBe(0);
    expect(h.mem.readU8(a * 4096 + 17)).toBe(0);
    expect(h.op(X.MMUEXT_CLEAR_PAGE, g.built.l4Mfn)).toBe(-E.XEN_EINVAL);
    expect(h.op(X.MMUEXT_COPY_PAGE, g.built.l4Mfn, a)).toBe(-E.XEN_EINVAL);
    expect(h.op(X.MMUEXT_COPY_PAGE, a, g.sys.host.m2p.l3Mfn)).toBe(-E.XEN_EINVAL);
    expect(h.op(X.MMUEXT_CLEAR_PAGE, g.sys.host.m2p.l3Mfn)).toBe(-E.XEN_EINVAL);
    expectSound(g.sys);
  });

  it.each([
    [X.MMUEXT_FLUSH_CACHE, -E.XEN_EACCES],
    [X.MMUEXT_FLUSH_CACHE_GLOBAL, -E.XEN_EINVAL],
    [X.MMUEXT_MARK_SUPER, -E.XEN_EOPNOTSUPP],
    [X.MMUEXT_UNMARK_SUPER, -E.XEN_EOPNOTSUPP],
    [14, -E.XEN_ENOSYS],
    [21, -E.XEN_ENOSYS],
    [0xffffffff, -E.XEN_ENOSYS],
  ])('cmd %d → %d', (cmd, rc) => {
    expect(h.op(cmd)).toBe(rc);
  });

  it('a failed pin of a table whose entries map writable data does not leak', () => {
    const [l1, d1] = [h.spare(), h.spare()];
    h.poke(l1, 0, pte(d1, P | RW));
    h.poke(l1, 1, pte(g.built.l4Mfn, P | RW));
    expect(h.op(X.MMUEXT_PIN_L1_TABLE, l1)).toBe(-E.XEN_EBUSY);
    expectSound(g.sys);
  });
});
