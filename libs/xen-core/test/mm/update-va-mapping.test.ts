import { beforeEach, describe, expect, it } from 'vitest';
import { walkGuest } from '../../src/mm/guest-walk';
import { ptwrEmulate } from '../../src/mm/ptwr';
import { updateVaMapping } from '../../src/mm/update-va-mapping';
import * as E from '../../src/public/errno';
import { _PAGE_GUEST_KERNEL, _PAGE_NX } from '../../src/public/page';
import * as X from '../../src/public/xen';
import { mmuHelpers, P, pte, RW, U } from '../helpers/mmu';
import { buildGuest, BuiltGuest, expectSound } from '../helpers/system';

let g: BuiltGuest;
let h: ReturnType<typeof mmuHelpers>;
beforeEach(() => {
  g = buildGuest({}, 32, 2048);
  h = mmuHelpers(g);
});

const uvm = (va: bigint, val: bigint, flags = 0n): number => updateVaMapping(g.ctx, va, val, flags, g.d.id);
const l1OfPfn = (pfn: number): { mfn: number; slot: number } => {
  const l = g.built.layout;
  return { mfn: h.mfn(l.ptPfn + 3 + (pfn >> 9)), slot: pfn % 512 };
};

describe('update_va_mapping', () => {
  it('replaces the L1 entry mapping a VA and asks for the requested flush', () => {
    const a = h.spare();
    const va = 100n * 4096n;
    const old = h.mfn(100);
    expect(uvm(va, pte(a, P | RW), BigInt(X.UVMF_INVLPG | X.UVMF_ALL))).toBe(0);
    const w = walkGuest(h.mem, h.f.nrFrames, g.built.l4Mfn, va, { write: true, user: true });
    expect(w.ok && w.maddr).toBe(a * 4096);
    expect(h.f.count[old]).toBe(1);
    expect(g.ctx.effects).toEqual([{ kind: 'invlpg', va, target: { kind: 'all' } }]);
    expect(uvm(va, pte(a, P), BigInt(X.UVMF_TLB_FLUSH))).toBe(0);
    expect(g.ctx.effects[1]).toEqual({ kind: 'tlb-flush', target: { kind: 'local' } });
    expectSound(g.sys);
  });

  it('lets the guest map its shared_info page writable (as Linux does)', () => {
    const va = 50n * 4096n;
    expect(uvm(va, pte(g.d.sharedInfoMfn, P | RW), BigInt(X.UVMF_INVLPG))).toBe(0);
    expect(g.ctx.guest.writeU64(va + 0xc10n, 2047n)).toBe(true);
    expect(h.mem.readU64(g.d.sharedInfoMfn * 4096 + 0xc10)).toBe(2047n);
    expectSound(g.sys);
  });

  it('reads a vCPU mask for UVMF_MULTI and reports a bad mask pointer as -EFAULT', () => {
    expect(g.ctx.guest.writeU64(g.scratchVa, 1n)).toBe(true);
    expect(uvm(4096n, pte(h.spare(), P), BigInt(X.UVMF_TLB_FLUSH) | g.scratchVa)).toBe(0);
    expect(g.ctx.effects).toEqual([{ kind: 'tlb-flush', target: { kind: 'vcpus', vcpus: [0] } }]);
    expect(uvm(4096n, pte(h.spare(), P), BigInt(X.UVMF_INVLPG) | 0x7f0000000000n)).toBe(-E.XEN_EFAULT);
  });

  it('refuses unmapped VAs, the hypervisor hole, and unsafe PTEs', () => {
    const mapped = BigInt(g.built.layout.mappedPages) * 4096n;
    expect(uvm(0x40000000n, pte(h.spare(), P))).toBe(-E.XEN_EINVAL); // no L2 there
    expect(uvm(X.HYPERVISOR_VIRT_START + 0x1000n, 0n)).toBe(-E.XEN_EINVAL);
    expect(uvm(0x800000000000n, 0n)).toBe(-E.XEN_EINVAL); // non-canonical
    expect(uvm(4096n, pte(g.built.l4Mfn, P | RW))).toBe(-E.XEN_EBUSY);
    expect(uvm(mapped, pte(h.spare(), P))).toBe(-E.XEN_EINVAL); // the boot L1s end at the 4 MiB boundary
    expect(uvm(mapped - 4096n, pte(h.spare(), P))).toBe(0);
    expectSound(g.sys);
  });
});

describe('writable page-table assist (ptwr)', () => {
  const ptVa = (mfnPfn: number, slot: number): bigint => BigInt(mfnPfn) * 4096n + BigInt(slot * 8);

  it('is off until VMASST_TYPE_writable_pagetables is enabled, and only in kernel mode', () => {
    const l1pfn = g.built.layout.ptPfn + 3;
    const va = ptVa(l1pfn, 5);
    expect(ptwrEmulate(g.ctx, va, { addr: va, bytes: 8, value: 0n }).kind).toBe('not-handled');
    g.d.vmAssist.add(X.VMASST_TYPE_writable_pagetables);
    g.d.vcpus[0].inKernel = false;
    expect(ptwrEmulate(g.ctx, va, { addr: va, bytes: 8, value: 0n }).kind).toBe('not-handled');
  });

  it('validates and applies a PTE write through the read-only mapping of an in-use L1', () => {
    g.d.vmAssist.add(X.VMASST_TYPE_writable_pagetables);
    const a = h.spare();
    const l1pfn = g.built.layout.ptPfn + 3;
    const { mfn: l1, slot } = l1OfPfn(200);
    const va = ptVa(l1pfn, slot);
    expect(ptwrEmulate(g.ctx, va, { addr: va, bytes: 8, value: pte(a, P | RW) })).toEqual({
      kind: 'emulated',
    });
    expect(h.peek(l1, slot)).toBe(pte(a, P | RW | U | _PAGE_GUEST_KERNEL));
    expect(h.f.count[h.mfn(200)]).toBe(1);
    // Sub-word store: set NX with a 1-byte write to the top byte.
    expect(ptwrEmulate(g.ctx, va + 7n, { addr: va + 7n, bytes: 1, value: 0x80n }).kind).toBe('emulated');
    expect(h.peek(l1, slot)).toBe(pte(a, P | RW | U | _PAGE_GUEST_KERNEL | _PAGE_NX));
    // A write that would map a page table writable is not emulated.
    expect(ptwrEmulate(g.ctx, va, { addr: va, bytes: 8, value: pte(g.built.l4Mfn, P | RW) }).kind).toBe(
      'not-handled',
    );
    expectSound(g.sys);
  });

  it('supports cmpxchg and refuses misaligned or cross-page stores', () => {
    g.d.vmAssist.add(X.VMASST_TYPE_writable_pagetables);
    const l1pfn = g.built.layout.ptPfn + 3;
    const { mfn: l1, slot } = l1OfPfn(300);
    const va = ptVa(l1pfn, slot);
    const cur = h.peek(l1, slot);
    const a = h.spare();
    expect(ptwrEmulate(g.ctx, va, { addr: va, bytes: 8, value: pte(a, P), cmpxchgOld: cur + 1n })).toEqual({
      kind: 'cmpxchg-failed',
      current: cur,
    });
    expect(h.f.count[a]).toBe(1); // the speculative reference was dropped
    expect(ptwrEmulate(g.ctx, va, { addr: va, bytes: 8, value: pte(a, P), cmpxchgOld: cur }).kind).toBe(
      'emulated',
    );
    expect(ptwrEmulate(g.ctx, va, { addr: va + 2n, bytes: 4, value: 0n }).kind).toBe('not-handled');
    expect(ptwrEmulate(g.ctx, va, { addr: va + 4096n, bytes: 8, value: 0n }).kind).toBe('not-handled');
    expect(ptwrEmulate(g.ctx, va, { addr: va, bytes: 3, value: 0n }).kind).toBe('not-handled');
    expectSound(g.sys);
  });

  it('does not emulate writes to read-only pages that are not in-use L1s', () => {
    g.d.vmAssist.add(X.VMASST_TYPE_writable_pagetables);
    const l4va = BigInt(g.built.layout.ptPfn) * 4096n; // the L4: never emulated
    expect(ptwrEmulate(g.ctx, l4va, { addr: l4va, bytes: 8, value: 0n }).kind).toBe('not-handled');
    expect(uvm(4096n, pte(h.spare(), P))).toBe(0); // a read-only data page
    expect(ptwrEmulate(g.ctx, 4096n, { addr: 4096n, bytes: 8, value: 0n }).kind).toBe('not-handled');
    expect(ptwrEmulate(g.ctx, 0x40000000n, { addr: 0x40000000n, bytes: 8, value: 0n }).kind).toBe(
      'not-handled',
    );
  });
});
