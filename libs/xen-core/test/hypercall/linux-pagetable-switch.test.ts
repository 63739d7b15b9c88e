import { describe, expect, it } from 'vitest';
import { dispatchHypercall, toRax } from '../../src/hypercall/dispatch';
import { SimpleRegisterFile } from '../../src/hypercall/registers';
import { ptwrEmulate } from '../../src/mm/ptwr';
import * as E from '../../src/public/errno';
import * as X from '../../src/public/xen';
import { P, pte, RW } from '../helpers/mmu';
import { LINUX_VIRT_BASE, linuxImage } from '../helpers/images';
import { buildGuest, expectSound } from '../helpers/system';

/**
 * Replays what Linux's xen_setup_kernel_pagetable() does with the builder's
 * tables (§12.1 step 11), entirely through hypercalls and guest stores.
 */
describe('Linux-style switch away from the bootstrap page tables', () => {
  it('copies, pins, switches, unpins and reclaims the builder tables', () => {
    const g = buildGuest({ image: linuxImage({ modStartPfn: false }) }, 64, 8192);
    const { ctx, built, sys } = g;
    const l = built.layout;
    const call = (nr: number, ...args: Array<bigint | number>): bigint => {
      const [rdi, rsi, rdx, r10, r8] = args.map(BigInt);
      const regs = new SimpleRegisterFile({ rax: BigInt(nr), rdi, rsi, rdx, r10, r8 });
      dispatchHypercall(sys.hypercalls, ctx, regs);
      return regs.get('rax');
    };
    const va = (pfn: number): bigint => LINUX_VIRT_BASE + BigInt(pfn) * 4096n;
    expect(call(X.__HYPERVISOR_vm_assist, X.VMASST_CMD_enable, X.VMASST_TYPE_writable_pagetables)).toBe(0n);

    // New L4/L3/L2 in free mapped memory after the boot stack; a scratch page for hypercall buffers.
    const [p4, p3, p2, scratch] = [l.stackPfn + 10, l.stackPfn + 11, l.stackPfn + 12, l.stackPfn + 13];
    const copyTable = (fromPfn: number, toPfn: number): void => {
      const bytes = ctx.guest.read(va(fromPfn), 4096)!; // the builder's tables are readable...
      expect(ctx.guest.write(va(fromPfn), bytes)).toBe(false); // ...but not writable
      expect(ctx.guest.write(va(toPfn), bytes)).toBe(true);
    };
    copyTable(l.ptPfn, p4);
    copyTable(l.ptPfn + 1, p3);
    copyTable(l.ptPfn + 2, p2);
    const mfn = (pfn: number): number => built.p2m[pfn];
    ctx.guest.writeU64(va(p4) + 511n * 8n, pte(mfn(p3), P | RW | 4));
    ctx.guest.writeU64(va(p3) + 510n * 8n, pte(mfn(p2), P | RW | 4));

    // Make the new tables read-only in the kernel mapping, then pin + switch in one multicall.
    for (const p of [p4, p3, p2])
      expect(call(X.__HYPERVISOR_update_va_mapping, va(p), pte(mfn(p), P), 0)).toBe(0n);
    const ops = va(scratch);
    const mc = va(scratch) + 512n;
    ctx.guest.writeU32(ops, X.MMUEXT_PIN_L4_TABLE);
    ctx.guest.writeU64(ops + 8n, BigInt(mfn(p4)));
    ctx.guest.writeU32(ops + 24n, X.MMUEXT_NEW_BASEPTR);
    ctx.guest.writeU64(ops + 32n, BigInt(mfn(p4)));
    ctx.guest.writeU64(mc, BigInt(X.__HYPERVISOR_mmuext_op));
    ctx.guest.writeU64(mc + 16n, ops);
    ctx.guest.writeU64(mc + 24n, 2n);
    ctx.guest.writeU64(mc + 32n, 0n);
    ctx.guest.writeU64(mc + 40n, BigInt(X.DOMID_SELF));
    expect(call(X.__HYPERVISOR_multicall, mc, 1)).toBe(0n);
    expect(ctx.guest.readU64(mc + 8n)).toBe(0n);
    expect(g.d.vcpus[0].guestTable).toBe(mfn(p4));
    expect(ctx.effects).toContainEqual({ kind: 'baseptr', vcpu: 0, mfn: mfn(p4), user: false });

    // Drop the builder's L4: its L3 and L2 become plain pages again; the L1s stay in use.
    ctx.guest.writeU32(ops, X.MMUEXT_UNPIN_TABLE);
    ctx.guest.writeU64(ops + 8n, BigInt(built.l4Mfn));
    expect(call(X.__HYPERVISOR_mmuext_op, ops, 1, 0, X.DOMID_SELF)).toBe(0n);
    for (const p of [l.ptPfn, l.ptPfn + 1, l.ptPfn + 2]) {
      expect(call(X.__HYPERVISOR_update_va_mapping, va(p), pte(mfn(p), P | RW), X.UVMF_INVLPG)).toBe(0n);
    }
    expect(call(X.__HYPERVISOR_update_va_mapping, va(l.ptPfn + 3), pte(mfn(l.ptPfn + 3), P | RW), 0)).toBe(
      toRax(-E.XEN_EBUSY),
    );
    expect(ctx.guest.write(va(l.ptPfn), new Uint8Array(8))).toBe(true); // reclaimed

    // Direct PTE store into a still-pinned-through-L2 L1 via its RO mapping (ptwr).
    const l1Va = va(l.ptPfn + 3) + 8n * 5n;
    const r = ptwrEmulate(ctx, l1Va, { addr: l1Va, bytes: 8, value: pte(mfn(scratch), P) });
    expect(r).toEqual({ kind: 'emulated' });
    expectSound(sys);
  });
});
