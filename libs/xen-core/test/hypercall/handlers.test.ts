import { beforeEach, describe, expect, it } from 'vitest';
import { dispatchHypercall, toRax } from '../../src/hypercall/dispatch';
import { SimpleRegisterFile } from '../../src/hypercall/registers';
import * as E from '../../src/public/errno';
import * as M from '../../src/public/memory';
import * as V from '../../src/public/version';
import * as X from '../../src/public/xen';
import { mmuHelpers, P, pte, RW } from '../helpers/mmu';
import { buildGuest, BuiltGuest, expectSound } from '../helpers/system';

let g: BuiltGuest;
let buf: bigint;
beforeEach(() => {
  g = buildGuest({}, 16, 2048);
  buf = g.scratchVa;
});

const call = (nr: number, ...args: Array<bigint | number>): bigint => {
  const [rdi, rsi, rdx, r10, r8] = args.map(BigInt);
  const regs = new SimpleRegisterFile({ rax: BigInt(nr), rdi, rsi, rdx, r10, r8 });
  dispatchHypercall(g.sys.hypercalls, g.ctx, regs);
  return regs.get('rax');
};
const err = (e: number): bigint => toRax(-e);
const rd64 = (va: bigint): bigint => g.ctx.guest.readU64(va)!;
const rd32 = (va: bigint): number => g.ctx.guest.readU32(va)!;
const str = (va: bigint, n: number): string =>
  Buffer.from(g.ctx.guest.read(va, n)!).toString('latin1').replace(/\0+$/, '');
const wr64 = (va: bigint, v: bigint): void => void g.ctx.guest.writeU64(va, v);
const wr32 = (va: bigint, v: number): void => void g.ctx.guest.writeU32(va, v);
function reservation(list: bigint, n: bigint, order = 0, domid = X.DOMID_SELF): void {
  wr64(buf, list);
  wr64(buf + 8n, n);
  wr32(buf + 16n, order);
  wr32(buf + 20n, 0);
  g.ctx.guest.write(buf + 24n, Uint8Array.of(domid & 0xff, domid >> 8));
}

describe('xen_version', () => {
  it('reports version, strings, platform parameters, page size and features', () => {
    expect(call(X.__HYPERVISOR_xen_version, V.XENVER_version, 0)).toBe(0x40013n);
    expect(call(X.__HYPERVISOR_xen_version, V.XENVER_extraversion, buf)).toBe(0n);
    expect(str(buf, 16)).toBe('.0-xenoserver');
    expect(call(X.__HYPERVISOR_xen_version, V.XENVER_capabilities, buf)).toBe(0n);
    expect(str(buf, 1024)).toBe('xen-3.0-x86_64 ');
    expect(call(X.__HYPERVISOR_xen_version, V.XENVER_changeset, buf)).toBe(0n);
    expect(call(X.__HYPERVISOR_xen_version, V.XENVER_compile_info, buf)).toBe(0n);
    expect(str(buf, 64)).toBe('TypeScript');
    expect(call(X.__HYPERVISOR_xen_version, V.XENVER_platform_parameters, buf)).toBe(0n);
    expect(rd64(buf)).toBe(X.HYPERVISOR_VIRT_START);
    expect(call(X.__HYPERVISOR_xen_version, V.XENVER_pagesize, 0)).toBe(4096n);
    expect(call(X.__HYPERVISOR_xen_version, V.XENVER_pagesize, buf)).toBe(err(E.XEN_EINVAL));
    expect(call(X.__HYPERVISOR_xen_version, V.XENVER_guest_handle, buf)).toBe(0n);
    expect(call(X.__HYPERVISOR_xen_version, V.XENVER_commandline, buf)).toBe(0n);
    expect(call(X.__HYPERVISOR_xen_version, 15, buf)).toBe(err(E.XEN_ENOSYS));
  });

  it('get_features submap 0 has features 5 and 7 (and 6, 17), never auto-translation', () => {
    wr32(buf, 0);
    expect(call(X.__HYPERVISOR_xen_version, V.XENVER_get_features, buf)).toBe(0n);
    const bits = rd32(buf + 4n);
    expect(bits).toBe(0x200e0);
    expect(bits & (1 << 2)).toBe(0);
    call(X.__HYPERVISOR_vm_assist, X.VMASST_CMD_enable, X.VMASST_TYPE_pae_extended_cr3);
    call(X.__HYPERVISOR_xen_version, V.XENVER_get_features, buf);
    expect(rd32(buf + 4n)).toBe(0x200f0);
    wr32(buf, 1);
    expect(call(X.__HYPERVISOR_xen_version, V.XENVER_get_features, buf)).toBe(err(E.XEN_EINVAL));
    expect(call(X.__HYPERVISOR_xen_version, V.XENVER_get_features, 0x40000000n)).toBe(err(E.XEN_EFAULT));
  });

  it('varbuf sub-ops: NULL asks for the size, short buffers get -ENOBUFS', () => {
    expect(call(X.__HYPERVISOR_xen_version, V.XENVER_capabilities2, 0)).toBe(15n);
    wr32(buf, 4);
    expect(call(X.__HYPERVISOR_xen_version, V.XENVER_capabilities2, buf)).toBe(err(E.XEN_ENOBUFS));
    wr32(buf, 64);
    expect(call(X.__HYPERVISOR_xen_version, V.XENVER_capabilities2, buf)).toBe(15n);
    expect(str(buf + 4n, 15)).toBe('xen-3.0-x86_64 ');
    expect(call(X.__HYPERVISOR_xen_version, V.XENVER_build_id, 0)).toBe(20n);
  });
});

describe('vm_assist, physdev_op, console_io', () => {
  it('vm_assist checks the type, then the command', () => {
    expect(call(X.__HYPERVISOR_vm_assist, X.VMASST_CMD_enable, X.VMASST_TYPE_writable_pagetables)).toBe(0n);
    expect(g.d.writablePagetables()).toBe(true);
    expect(call(X.__HYPERVISOR_vm_assist, X.VMASST_CMD_disable, X.VMASST_TYPE_writable_pagetables)).toBe(0n);
    expect(g.d.writablePagetables()).toBe(false);
    expect(call(X.__HYPERVISOR_vm_assist, X.VMASST_CMD_enable, X.VMASST_TYPE_m2p_strict)).toBe(0n);
    expect(call(X.__HYPERVISOR_vm_assist, X.VMASST_CMD_enable, 6)).toBe(err(E.XEN_EINVAL));
    expect(call(X.__HYPERVISOR_vm_assist, 2, 6)).toBe(err(E.XEN_EINVAL));
    expect(call(X.__HYPERVISOR_vm_assist, 2, 2)).toBe(err(E.XEN_ENOSYS));
  });

  it('physdev_op set_iopl (and the compat form)', () => {
    wr32(buf, 1);
    expect(call(X.__HYPERVISOR_physdev_op, V.PHYSDEVOP_set_iopl, buf)).toBe(0n);
    expect(g.d.vcpus[0].iopl).toBe(1);
    wr32(buf, 4);
    expect(call(X.__HYPERVISOR_physdev_op, V.PHYSDEVOP_set_iopl, buf)).toBe(err(E.XEN_EINVAL));
    expect(call(X.__HYPERVISOR_physdev_op, V.PHYSDEVOP_set_iopl, 0x40000000n)).toBe(err(E.XEN_EFAULT));
    wr32(buf, V.PHYSDEVOP_set_iopl);
    wr32(buf + 8n, 3);
    expect(call(X.__HYPERVISOR_physdev_op_compat, buf)).toBe(0n);
    expect(g.d.vcpus[0].iopl).toBe(3);
    expect(call(X.__HYPERVISOR_physdev_op, V.PHYSDEVOP_irq_status_query, buf)).toBe(err(E.XEN_EINVAL));
    expect(call(X.__HYPERVISOR_physdev_op, 99, buf)).toBe(err(E.XEN_ENOSYS));
  });

  it('console_io write goes to the domain sink; bad buffers fault', () => {
    g.ctx.guest.write(buf, Buffer.from('Hello from dom1\n'));
    expect(call(X.__HYPERVISOR_console_io, V.CONSOLEIO_write, 16, buf)).toBe(0n);
    expect(g.console.text(g.d.id)).toBe('Hello from dom1\n');
    expect(call(X.__HYPERVISOR_console_io, V.CONSOLEIO_write, 16, 0x40000000n)).toBe(err(E.XEN_EFAULT));
    expect(call(X.__HYPERVISOR_console_io, V.CONSOLEIO_read, 16, buf)).toBe(0n);
    expect(call(X.__HYPERVISOR_console_io, V.CONSOLEIO_read, 0x80000000, buf)).toBe(err(E.XEN_E2BIG));
    expect(call(X.__HYPERVISOR_console_io, 7, 0, buf)).toBe(err(E.XEN_ENOSYS));
  });
});

describe('memory_op', () => {
  it('answers the reservation and machine queries', () => {
    expect(call(X.__HYPERVISOR_memory_op, M.XENMEM_maximum_ram_page, 0)).toBe(BigInt(g.sys.host.maxPage));
    g.ctx.guest.write(buf, Uint8Array.of(0xf0, 0x7f));
    expect(call(X.__HYPERVISOR_memory_op, M.XENMEM_current_reservation, buf)).toBe(2048n);
    expect(call(X.__HYPERVISOR_memory_op, M.XENMEM_maximum_reservation, buf)).toBe(BigInt(2048 + 64));
    g.ctx.guest.write(buf, Uint8Array.of(77, 0));
    expect(call(X.__HYPERVISOR_memory_op, M.XENMEM_current_reservation, buf)).toBe(err(E.XEN_ESRCH));
    expect(call(X.__HYPERVISOR_memory_op, M.XENMEM_machphys_mapping, buf)).toBe(0n);
    expect([rd64(buf), rd64(buf + 8n), rd64(buf + 16n)]).toEqual([
      0xffff800000000000n,
      0xffff804000000000n,
      2n ** 35n - 1n,
    ]);
    wr32(buf, 8);
    wr64(buf + 8n, buf + 64n);
    expect(call(X.__HYPERVISOR_memory_op, M.XENMEM_machphys_mfn_list, buf)).toBe(0n);
    expect(rd32(buf + 16n)).toBe(1);
    expect(rd64(buf + 64n)).toBe(BigInt(g.sys.host.m2p.chunkMfns[0]));
    expect(call(X.__HYPERVISOR_memory_op, M.XENMEM_memory_map, buf)).toBe(err(E.XEN_ENOSYS));
    // add_to_physmap {DOMID_SELF, space XENMAPSPACE_gmfn}: translated guests only.
    g.ctx.guest.write(buf, Uint8Array.of(0xf0, 0x7f, 0, 0, 2, 0, 0, 0));
    expect(call(X.__HYPERVISOR_memory_op, M.XENMEM_add_to_physmap, buf)).toBe(err(E.XEN_EACCES));
    expect(call(X.__HYPERVISOR_memory_op, 8, buf)).toBe(err(E.XEN_ENOSYS));
    expect(call(X.__HYPERVISOR_memory_op, M.XENMEM_maximum_ram_page | (1 << 6), 0)).toBe(err(E.XEN_EINVAL));
  });

  it('returns the toolstack e820 through memory_map', () => {
    g.d.e820 = [{ addr: 0n, size: 8n << 20n, type: M.E820_RAM }];
    wr32(buf, 4);
    wr64(buf + 8n, buf + 64n);
    expect(call(X.__HYPERVISOR_memory_op, M.XENMEM_memory_map, buf)).toBe(0n);
    expect(rd32(buf)).toBe(1);
    expect([rd64(buf + 64n), rd64(buf + 72n), rd32(buf + 80n)]).toEqual([0n, 8n << 20n, 1]);
  });

  it('populate_physmap / decrease_reservation / increase_reservation keep the accounting exact', () => {
    const list = buf + 256n;
    wr64(list, 5000n);
    wr64(list + 8n, 5001n);
    reservation(list, 2n);
    expect(call(X.__HYPERVISOR_memory_op, M.XENMEM_populate_physmap, buf)).toBe(2n);
    const m0 = Number(rd64(list));
    expect(g.sys.host.m2p.get(m0)).toBe(5000n);
    expect(g.d.p2m.get(5001)).toBe(Number(rd64(list + 8n)));
    expect(g.d.totPages).toBe(2050);
    reservation(list, 1n);
    expect(call(X.__HYPERVISOR_memory_op, M.XENMEM_decrease_reservation, buf)).toBe(1n);
    expect(g.d.totPages).toBe(2049);
    expect(g.sys.host.allocator.isFree(m0)).toBe(true);
    // Over the reservation: stops at max_pages.
    reservation(list, 100n);
    expect(call(X.__HYPERVISOR_memory_op, M.XENMEM_increase_reservation, buf)).toBe(63n);
    expect(g.d.totPages).toBe(2112);
    // A frame still mapped is released only once the mapping goes.
    const h = mmuHelpers(g);
    const l1 = h.spare();
    const victim = h.spare();
    h.poke(l1, 0, pte(victim, P | RW));
    expect(h.op(X.MMUEXT_PIN_L1_TABLE, l1)).toBe(0);
    wr64(list, BigInt(victim));
    reservation(list, 1n);
    expect(call(X.__HYPERVISOR_memory_op, M.XENMEM_decrease_reservation, buf)).toBe(1n);
    expect(g.sys.host.allocator.isFree(victim)).toBe(false);
    expect(h.update(l1, 0, 0n)).toBe(0);
    expect(g.sys.host.allocator.isFree(victim)).toBe(true);
    // Not our frame: nothing done.
    wr64(list, BigInt(g.sys.host.m2p.l3Mfn));
    expect(call(X.__HYPERVISOR_memory_op, M.XENMEM_decrease_reservation, buf)).toBe(0n);
    // Continuation start extent past the end, over-large order, foreign domain.
    expect(call(X.__HYPERVISOR_memory_op, BigInt(M.XENMEM_decrease_reservation) | (5n << 6n), buf)).toBe(5n);
    reservation(list, 1n, 10);
    expect(call(X.__HYPERVISOR_memory_op, M.XENMEM_increase_reservation, buf)).toBe(0n);
    reservation(list, 1n, 0, 77);
    expect(call(X.__HYPERVISOR_memory_op, M.XENMEM_increase_reservation, buf)).toBe(err(E.XEN_ESRCH));
    expectSound(g.sys);
  });
});

describe('MMU hypercalls through the table', () => {
  it('mmu_update writes *done and stops at the first error', () => {
    const h = mmuHelpers(g);
    const [l1, a] = [h.spare(), h.spare()];
    expect(h.op(X.MMUEXT_PIN_L1_TABLE, l1)).toBe(0);
    const reqs = buf;
    wr64(reqs, BigInt(l1 * 4096));
    wr64(reqs + 8n, pte(a, P | RW));
    wr64(reqs + 16n, BigInt(l1 * 4096 + 8));
    wr64(reqs + 24n, pte(g.built.l4Mfn, P | RW));
    wr64(reqs + 32n, BigInt(l1 * 4096 + 16));
    wr64(reqs + 40n, pte(a, P));
    expect(call(X.__HYPERVISOR_mmu_update, reqs, 3, buf + 512n, X.DOMID_SELF)).toBe(err(E.XEN_EBUSY));
    expect(rd32(buf + 512n)).toBe(1);
    expect(call(X.__HYPERVISOR_mmu_update, reqs, 1, 0, g.d.id)).toBe(err(E.XEN_ESRCH));
    expect(call(X.__HYPERVISOR_mmu_update, reqs, 1, buf + 512n, X.DOMID_XEN)).toBe(err(E.XEN_EPERM));
    expect(rd32(buf + 512n)).toBe(0);
    expect(call(X.__HYPERVISOR_mmu_update, X.HYPERVISOR_VIRT_START, 1, 0, X.DOMID_SELF)).toBe(
      err(E.XEN_EFAULT),
    );
    expect(call(X.__HYPERVISOR_mmu_update, 0x40000000n, 1, 0, X.DOMID_SELF)).toBe(err(E.XEN_EFAULT));
    expectSound(g.sys);
  });

  it('mmuext_op decodes the 24-byte ops and refuses foreign owners', () => {
    const h = mmuHelpers(g);
    const t = h.spare();
    wr32(buf, X.MMUEXT_PIN_L2_TABLE);
    wr64(buf + 8n, BigInt(t));
    wr32(buf + 24n, X.MMUEXT_TLB_FLUSH_ALL);
    expect(call(X.__HYPERVISOR_mmuext_op, buf, 2, buf + 512n, X.DOMID_SELF)).toBe(0n);
    expect(rd32(buf + 512n)).toBe(2);
    expect(h.f.pinned[t]).toBe(1);
    expect(call(X.__HYPERVISOR_mmuext_op, buf, 1, 0, X.DOMID_IO)).toBe(err(E.XEN_EPERM));
    expect(call(X.__HYPERVISOR_mmuext_op, buf, 1, 0, g.d.id)).toBe(err(E.XEN_ESRCH));
  });

  it('update_va_mapping(_otherdomain) via registers', () => {
    const h = mmuHelpers(g);
    const a = h.spare();
    expect(call(X.__HYPERVISOR_update_va_mapping, 4096n * 7n, pte(a, P | RW), X.UVMF_INVLPG)).toBe(0n);
    expect(call(X.__HYPERVISOR_update_va_mapping_otherdomain, 4096n * 8n, pte(a, P), 0, X.DOMID_SELF)).toBe(
      0n,
    );
    expect(call(X.__HYPERVISOR_update_va_mapping_otherdomain, 4096n * 8n, pte(a, P), 0, 77)).toBe(
      err(E.XEN_ESRCH),
    );
    expectSound(g.sys);
  });
});

describe('multicall', () => {
  const entry = (at: bigint, op: number, args: Array<bigint | number>): void => {
    wr64(at, BigInt(op));
    wr64(at + 8n, 0xaaaan);
    args.forEach((a, i) => wr64(at + 16n + BigInt(i * 8), BigInt(a)));
  };

  it('runs entries through the same table, storing each result; failures do not stop the batch', () => {
    const list = buf + 1024n;
    entry(list, X.__HYPERVISOR_xen_version, [V.XENVER_version, 0]);
    entry(list + 64n, X.__HYPERVISOR_vm_assist, [X.VMASST_CMD_enable, 99]);
    entry(list + 128n, 11, []);
    entry(list + 192n, X.__HYPERVISOR_multicall, [list, 1]);
    entry(list + 256n, X.__HYPERVISOR_vm_assist, [X.VMASST_CMD_enable, X.VMASST_TYPE_writable_pagetables]);
    expect(call(X.__HYPERVISOR_multicall, list, 5)).toBe(0n);
    expect(rd64(list + 8n)).toBe(0x40013n);
    expect(rd64(list + 72n)).toBe(err(E.XEN_EINVAL));
    expect(rd64(list + 136n)).toBe(err(E.XEN_ENOSYS));
    expect(rd64(list + 200n)).toBe(err(E.XEN_EINVAL)); // nested
    expect(rd64(list + 264n)).toBe(0n);
    expect(g.d.writablePagetables()).toBe(true);
  });

  it('an iret entry ends the batch with its result; a fault on the list is -EFAULT', () => {
    const list = buf + 1024n;
    // Without an execution layer iret is -ENOSYS: like Xen's mc_exit the multicall returns it.
    entry(list, X.__HYPERVISOR_iret, []);
    entry(list + 64n, X.__HYPERVISOR_vm_assist, [X.VMASST_CMD_enable, X.VMASST_TYPE_writable_pagetables]);
    expect(call(X.__HYPERVISOR_multicall, list, 2)).toBe(err(E.XEN_ENOSYS));
    expect(rd64(list + 8n)).toBe(err(E.XEN_ENOSYS));
    expect(rd64(list + 72n)).toBe(0xaaaan);
    expect(call(X.__HYPERVISOR_multicall, 0x40000000n, 1)).toBe(err(E.XEN_EFAULT));
    const ptVa = BigInt(g.built.layout.ptPfn) * 4096n; // readable but read-only: result write faults
    expect(call(X.__HYPERVISOR_multicall, ptVa, 1)).toBe(err(E.XEN_EFAULT));
  });
});
