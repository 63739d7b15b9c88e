import { beforeEach, describe, expect, it } from 'vitest';
import { defineHypercall, HypercallTable, marshalArg } from '../../src/hypercall/table';
import { dispatchHypercall, toRax } from '../../src/hypercall/dispatch';
import { SimpleRegisterFile } from '../../src/hypercall/registers';
import { GuestAccess, guestRangeOk } from '../../src/mm/guest-access';
import * as E from '../../src/public/errno';
import * as X from '../../src/public/xen';
import { mmuHelpers } from '../helpers/mmu';
import { buildGuest, BuiltGuest } from '../helpers/system';

let g: BuiltGuest;
beforeEach(() => {
  g = buildGuest({}, 16, 2048);
});

const call = (nr: number, ...args: bigint[]): bigint => {
  const regs = new SimpleRegisterFile({
    rax: BigInt(nr),
    rdi: args[0],
    rsi: args[1],
    rdx: args[2],
    r10: args[3],
    r8: args[4],
  });
  dispatchHypercall(g.sys.hypercalls, g.ctx, regs);
  return regs.get('rax');
};

describe('hypercall dispatch', () => {
  it('marshals RDI, RSI, RDX, R10, R8 by prototype and returns the result in RAX', () => {
    const seen: unknown[] = [];
    const table = new HypercallTable().register(
      defineHypercall({
        nr: 40,
        name: 'probe',
        args: ['ulong', 'uint', 'int', 'domid', 'ptr'],
        handler: (_ctx, a, b, c, d, e) => {
          seen.push(a, b, c, d, e);
          return -7;
        },
      }),
    );
    const regs = new SimpleRegisterFile({
      rax: 40n,
      rdi: 0xffffffff80000000n,
      rsi: 0x1234567800000005n,
      rdx: 0xfffffffen,
      r10: 0x17ff0n,
      r8: 0xdeadbeefn,
    });
    dispatchHypercall(table, g.ctx, regs);
    expect(seen).toEqual([0xffffffff80000000n, 5, -2, 0x7ff0, 0xdeadbeefn]);
    expect(regs.get('rax')).toBe(0xfffffffffffffff9n);
    expect(toRax(-E.XEN_ENOSYS)).toBe(2n ** 64n - 38n);
  });

  it('answers -ENOSYS for unimplemented and out-of-range numbers', () => {
    for (const nr of [11, X.__HYPERVISOR_set_trap_table, X.__HYPERVISOR_iret, 55, 127, 4096]) {
      expect(call(nr)).toBe(toRax(-E.XEN_ENOSYS));
    }
    const regs = new SimpleRegisterFile({ rax: (1n << 32n) + 17n });
    dispatchHypercall(g.sys.hypercalls, g.ctx, regs);
    expect(regs.get('rax')).toBe(toRax(-E.XEN_ENOSYS));
  });

  it('lists the CPU-independent hypercalls', () => {
    expect(g.sys.hypercalls.numbers).toEqual([1, 12, 13, 14, 16, 17, 18, 19, 20, 21, 22, 26, 32, 33]);
  });

  it('narrows int/uint/domid arguments', () => {
    expect(marshalArg('uint', 0x1_0000_0001n)).toBe(1);
    expect(marshalArg('int', 0xffffffffn)).toBe(-1);
    expect(marshalArg('domid', 0x12345n)).toBe(0x2345);
    expect(marshalArg('ulong', -1n)).toBe(2n ** 64n - 1n);
  });
});

describe('guest memory access through the guest page tables', () => {
  it('reads and writes through the kernel tables, across pages', () => {
    const data = Uint8Array.from({ length: 6000 }, (_, i) => i & 0xff);
    expect(g.ctx.guest.write(g.scratchVa + 100n, data)).toBe(true);
    expect(g.ctx.guest.read(g.scratchVa + 100n, 6000)).toEqual(data);
  });

  it('faults on unmapped, read-only (for writes), hypervisor-hole and non-canonical addresses', () => {
    const h = mmuHelpers(g);
    const ptVa = BigInt(g.built.layout.ptPfn) * 4096n;
    expect(g.ctx.guest.read(ptVa, 8)).toBeDefined();
    expect(g.ctx.guest.write(ptVa, new Uint8Array(8))).toBe(false); // page tables are RO
    expect(g.ctx.guest.read(0x40000000n, 1)).toBeUndefined();
    expect(g.ctx.guest.read(X.RO_MPT_VIRT_START, 8)).toBeUndefined();
    expect(g.ctx.guest.read(0x0000800000000000n, 1)).toBeUndefined();
    expect(g.ctx.guest.read(2n ** 64n - 4n, 8)).toBeUndefined();
    expect(guestRangeOk(X.HYPERVISOR_VIRT_END - 8n, 16)).toBe(false);
    // Nothing is written when the range runs into a read-only page.
    const before = h.mem.readU8(h.mfn(g.built.layout.ptPfn - 1) * 4096 + 4095);
    expect(g.ctx.guest.write(ptVa - 1n, Uint8Array.of(1, 2))).toBe(false);
    expect(h.mem.readU8(h.mfn(g.built.layout.ptPfn - 1) * 4096 + 4095)).toBe(before);
  });

  it('honours U/S when asked to (supervisor-only mappings)', () => {
    const h = mmuHelpers(g);
    // Make a private supervisor-only view: a root whose L4 entry lacks U.
    const l4 = h.spare();
    h.poke(l4, 0, h.peek(g.built.l4Mfn, 0) & ~4n);
    const user = new GuestAccess(h.mem, h.f.nrFrames, () => l4, true);
    const sup = new GuestAccess(h.mem, h.f.nrFrames, () => l4, false);
    expect(user.read(4096n, 4)).toBeUndefined();
    expect(sup.read(4096n, 4)).toBeDefined();
  });
});
