import { beforeEach, describe, expect, it } from 'vitest';
import * as G from '../../src/grants/abi';
import { pteToBigInt } from '../../src/mm/pte';
import { updateVaMapping } from '../../src/mm/update-va-mapping';
import * as E from '../../src/public/errno';
import { XENMEM_add_to_physmap } from '../../src/public/memory';
import { _PAGE_PRESENT, _PAGE_RW } from '../../src/public/page';
import { __HYPERVISOR_grant_table_op, __HYPERVISOR_memory_op, DOMID_SELF } from '../../src/public/xen';
import { expectSoundWithGrants, get, Guest, hcall, makeGuests, put, struct } from '../events/fixtures';
import { gntOp, grant, mapRef } from './gnt-ops';

let a: Guest;
let b: Guest;
beforeEach(() => {
  [a, b] = makeGuests([{ id: 1 }, { id: 2 }]);
});

function setupTable(
  g: Guest,
  dom: number,
  nr: number,
  list = g.scratch + 64n,
): { rc: number; status: number; frames: bigint[] } {
  const r = gntOp(
    g,
    G.GNTTABOP_setup_table,
    struct(24, [
      [0, 2, dom],
      [4, 4, nr],
      [8, 2, 0x7777],
      [16, 8, list],
    ]),
  );
  const frames: bigint[] = [];
  if (r.rc === 0 && r.out.getInt16(8, true) === 0) {
    for (let i = 0; i < nr; i++) frames.push(g.ctx.guest.readU64(list + BigInt(i * 8))!);
  }
  return { rc: r.rc, status: r.out.getInt16(8, true), frames };
}

function querySize(g: Guest, dom: number): { rc: number; nr: number; max: number; status: number } {
  const r = gntOp(g, G.GNTTABOP_query_size, struct(16, [[0, 2, dom]]));
  return {
    rc: r.rc,
    nr: r.out.getUint32(4, true),
    max: r.out.getUint32(8, true),
    status: r.out.getInt16(12, true),
  };
}

describe('GNTTABOP_setup_table / query_size', () => {
  it('returns the MFNs of the table frames (1 initially, grown on request up to 64)', () => {
    expect(querySize(a, DOMID_SELF)).toEqual({ rc: 0, nr: 1, max: 64, status: 0 });
    const one = setupTable(a, DOMID_SELF, 1);
    expect(one.rc).toBe(0);
    expect(one.status).toBe(G.GNTST_okay);
    const t = a.sys.grants.table(1)!;
    expect(one.frames).toEqual([BigInt(t.frames[0])]);
    const four = setupTable(a, DOMID_SELF, 4);
    expect(four.frames.slice(0, 1)).toEqual(one.frames);
    expect(new Set(four.frames).size).toBe(4);
    expect(querySize(a, 1)).toMatchObject({ nr: 4, max: 64 });
    for (const f of four.frames) {
      expect(a.sys.host.frames.owner[Number(f)]).toBe(1);
      expect(a.sys.host.frames.special[Number(f)]).toBe(1);
    }
    expect(setupTable(a, DOMID_SELF, 65).status).toBe(G.GNTST_general_error);
    expect(querySize(a, 1).nr).toBe(4);
    expectSoundWithGrants(a.sys);
  });

  it('the table frames are shared with the guest: it maps one RW and writes a grant entry', () => {
    const [frame] = setupTable(a, DOMID_SELF, 1).frames;
    const va = a.spareVa(3);
    const pte = pteToBigInt({ mfn: Number(frame), flags: _PAGE_PRESENT | _PAGE_RW });
    expect(updateVaMapping(a.ctx, va, pte, 0n, 1)).toBe(0);
    put(
      a,
      va + 8n * 9n,
      struct(8, [
        [0, 2, G.GTF_permit_access | G.GTF_readonly],
        [2, 2, 2],
        [4, 4, 1234],
      ]),
    );
    expect(a.sys.grants.table(1)!.readEntry(9)).toEqual({ flags: 5, domid: 2, frame: 1234 });
    expectSoundWithGrants(a.sys);
  });

  it('refusals: count ≠ 1 -EINVAL, bad list -EFAULT, other domain, unknown domain, unwritable list', () => {
    expect(
      gntOp(
        a,
        G.GNTTABOP_setup_table,
        struct(24, [
          [0, 2, DOMID_SELF],
          [4, 4, 1],
        ]),
        2,
      ).rc,
    ).toBe(-E.XEN_EINVAL);
    expect(setupTable(a, DOMID_SELF, 1, 0xffff800000000000n).rc).toBe(-E.XEN_EFAULT);
    expect(setupTable(a, 2, 1).status).toBe(G.GNTST_permission_denied);
    expect(setupTable(a, 55, 1).status).toBe(G.GNTST_bad_domain);
    expect(setupTable(a, DOMID_SELF, 1, 0x40000000n).status).toBe(G.GNTST_bad_virt_addr);
    expect(querySize(a, 2).status).toBe(G.GNTST_permission_denied);
    expect(querySize(a, 99).status).toBe(G.GNTST_bad_domain);
    expect(gntOp(a, G.GNTTABOP_query_size, struct(16, []), 0).rc).toBe(-E.XEN_EINVAL);
  });

  it('a privileged domain may set up and query another domain’s table', () => {
    const [d0, u] = makeGuests([{ id: 0, privileged: true }, { id: 6 }]);
    expect(setupTable(d0, 6, 2).frames).toHaveLength(2);
    expect(querySize(d0, 6)).toMatchObject({ nr: 2, status: 0 });
    expect(u.sys.grants.table(6)!.frames).toHaveLength(2);
  });
});

describe('versions', () => {
  it('set_version: 1 is the only version (2 → -ENOSYS, else -EINVAL); the field reads back 1', () => {
    expect(gntOp(a, G.GNTTABOP_set_version, struct(4, [[0, 4, 1]]))).toMatchObject({ rc: 0 });
    const two = gntOp(a, G.GNTTABOP_set_version, struct(4, [[0, 4, 2]]));
    expect(two.rc).toBe(-E.XEN_ENOSYS);
    expect(two.out.getUint32(0, true)).toBe(1);
    expect(gntOp(a, G.GNTTABOP_set_version, struct(4, [[0, 4, 3]])).rc).toBe(-E.XEN_EINVAL);
    expect(hcall(a, __HYPERVISOR_grant_table_op, G.GNTTABOP_set_version, 0x40000000n, 1)).toBe(-E.XEN_EFAULT);
  });

  it('get_version: 1; another domain -EPERM, unknown -ESRCH', () => {
    const r = gntOp(a, G.GNTTABOP_get_version, struct(8, [[0, 2, DOMID_SELF]]));
    expect(r.rc).toBe(0);
    expect(r.out.getUint32(4, true)).toBe(1);
    expect(gntOp(a, G.GNTTABOP_get_version, struct(8, [[0, 2, 2]])).rc).toBe(-E.XEN_EPERM);
    expect(gntOp(a, G.GNTTABOP_get_version, struct(8, [[0, 2, 9]])).rc).toBe(-E.XEN_ESRCH);
  });

  it('get_status_frames: v1 has none', () => {
    const ok = gntOp(
      a,
      G.GNTTABOP_get_status_frames,
      struct(16, [
        [0, 4, 0],
        [4, 2, DOMID_SELF],
      ]),
    );
    expect(ok.out.getInt16(6, true)).toBe(G.GNTST_okay);
    const bad = gntOp(
      a,
      G.GNTTABOP_get_status_frames,
      struct(16, [
        [0, 4, 1],
        [4, 2, DOMID_SELF],
      ]),
    );
    expect(bad.out.getInt16(6, true)).toBe(G.GNTST_general_error);
  });
});

describe('swap_grant_ref and dispatch', () => {
  it('swaps two idle entries; busy → eagain; out of range → bad_gntref', () => {
    grant(a, 10, 2, 111);
    grant(a, 11, 2, a.spareMfn(0), G.GTF_permit_access | G.GTF_readonly);
    const r = gntOp(
      a,
      G.GNTTABOP_swap_grant_ref,
      struct(12, [
        [0, 4, 10],
        [4, 4, 11],
      ]),
    );
    expect(r.out.getInt16(8, true)).toBe(G.GNTST_okay);
    const t = a.sys.grants.table(1)!;
    expect(t.readEntry(10)).toEqual({ flags: 5, domid: 2, frame: a.spareMfn(0) });
    expect(t.readEntry(11)).toEqual({ flags: 1, domid: 2, frame: 111 });
    expect(mapRef(b, { flags: G.GNTMAP_device_map | G.GNTMAP_readonly, ref: 10, dom: 1 }).status).toBe(0);
    expect(
      gntOp(
        a,
        G.GNTTABOP_swap_grant_ref,
        struct(12, [
          [0, 4, 10],
          [4, 4, 11],
        ]),
      ).out.getInt16(8, true),
    ).toBe(G.GNTST_eagain);
    expect(
      gntOp(
        a,
        G.GNTTABOP_swap_grant_ref,
        struct(12, [
          [0, 4, 1],
          [4, 4, 512],
        ]),
      ).out.getInt16(8, true),
    ).toBe(G.GNTST_bad_gntref);
  });

  it('dump_table, transfer, cache_flush and unknown ops → -ENOSYS; stray cmd bits or negative counts → -EINVAL', () => {
    for (const cmd of [G.GNTTABOP_dump_table, G.GNTTABOP_transfer, G.GNTTABOP_cache_flush, 13, 200]) {
      expect(hcall(a, __HYPERVISOR_grant_table_op, cmd, a.scratch, 1)).toBe(-E.XEN_ENOSYS);
    }
    expect(hcall(a, __HYPERVISOR_grant_table_op, G.GNTTABOP_query_size | (1 << 12), a.scratch, 1)).toBe(
      -E.XEN_EINVAL,
    );
    expect(hcall(a, __HYPERVISOR_grant_table_op, G.GNTTABOP_map_grant_ref, a.scratch, 0x80000000)).toBe(
      -E.XEN_EINVAL,
    );
    expect(hcall(a, __HYPERVISOR_grant_table_op, G.GNTTABOP_map_grant_ref, 0xffff800000000000n, 1)).toBe(
      -E.XEN_EFAULT,
    );
    expect(hcall(a, __HYPERVISOR_grant_table_op, G.GNTTABOP_map_grant_ref, a.scratch, 0)).toBe(0);
  });
});

describe('memory_op add_to_physmap(XENMAPSPACE_grant_table)', () => {
  const xatp = (g: Guest, domid: number, space: number, idx: bigint, gpfn: bigint): number => {
    put(
      g,
      g.scratch,
      struct(24, [
        [0, 2, domid],
        [4, 4, space],
        [8, 8, idx],
        [16, 8, gpfn],
      ]),
    );
    return hcall(g, __HYPERVISOR_memory_op, XENMEM_add_to_physmap, g.scratch);
  };

  it('places grant frame idx at gpfn, growing the table; M2P follows', () => {
    expect(xatp(a, DOMID_SELF, G.XENMAPSPACE_grant_table, 2n, 0x5000n)).toBe(0);
    const t = a.sys.grants.table(1)!;
    expect(t.frames).toHaveLength(3);
    expect(a.sys.host.m2p.get(t.frames[2])).toBe(0x5000n);
    expect(a.d.p2m.get(0x5000)).toBe(t.frames[2]);
    // Moving it forgets the old placement.
    expect(xatp(a, DOMID_SELF, G.XENMAPSPACE_grant_table, 2n, 0x5001n)).toBe(0);
    expect(a.d.p2m.has(0x5000)).toBe(false);
    expect(a.sys.host.m2p.get(t.frames[2])).toBe(0x5001n);
  });

  it('refusals: status frames and idx ≥ max -EINVAL, other spaces -EACCES, foreign -ENOSYS, other domain -EPERM', () => {
    expect(xatp(a, DOMID_SELF, G.XENMAPSPACE_grant_table, BigInt(G.XENMAPIDX_grant_table_status), 1n)).toBe(
      -E.XEN_EINVAL,
    );
    expect(xatp(a, DOMID_SELF, G.XENMAPSPACE_grant_table, 64n, 1n)).toBe(-E.XEN_EINVAL);
    for (const space of [
      G.XENMAPSPACE_shared_info,
      G.XENMAPSPACE_gmfn,
      G.XENMAPSPACE_gmfn_range,
      G.XENMAPSPACE_dev_mmio,
    ]) {
      expect(xatp(a, DOMID_SELF, space, 0n, 1n)).toBe(-E.XEN_EACCES);
    }
    expect(xatp(a, DOMID_SELF, G.XENMAPSPACE_gmfn_foreign, 0n, 1n)).toBe(-E.XEN_ENOSYS);
    expect(xatp(a, 2, G.XENMAPSPACE_grant_table, 0n, 1n)).toBe(-E.XEN_EPERM);
    expect(xatp(a, 77, G.XENMAPSPACE_grant_table, 0n, 1n)).toBe(-E.XEN_ESRCH);
    expect(hcall(a, __HYPERVISOR_memory_op, XENMEM_add_to_physmap, 0x40000000n)).toBe(-E.XEN_EFAULT);
    expect(get(a, a.scratch, 4).getUint16(0, true)).toBe(77);
  });
});
