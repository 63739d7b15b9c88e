import { beforeEach, describe, expect, it } from 'vitest';
import * as G from '../../src/grants/abi';
import { mapGrantForHost } from '../../src/grants/host-access';
import { PGT_writable_page } from '../../src/mm/frame-table';
import { updateVaMapping } from '../../src/mm/update-va-mapping';
import { findL1Slot } from '../../src/mm/l1-lookup';
import { walkGuest } from '../../src/mm/guest-walk';
import { entryMaddr, readPte } from '../../src/mm/pte';
import { XENMEM_decrease_reservation } from '../../src/public/memory';
import { _PAGE_GNTTAB, _PAGE_NX, _PAGE_PRESENT, _PAGE_RW, _PAGE_USER } from '../../src/public/page';
import { __HYPERVISOR_memory_op, DOMID_SELF } from '../../src/public/xen';
import { expectSoundWithGrants, Guest, hcall, makeGuests, put, struct } from '../events/fixtures';
import { entryFlags, gntOp, grant, mapRef, unmapRef } from './gnt-ops';

/** Backend d0 (a PV guest with page tables) maps pages that frontend d1 grants it. */
let be: Guest;
let fe: Guest;
let page: number;
beforeEach(() => {
  [be, fe] = makeGuests([{ id: 0, privileged: true }, { id: 1 }]);
  page = fe.spareMfn(0);
  fe.sys.host.mem.writeBytes(page * 4096, Buffer.from('frontend data'));
});

const RW = G.GNTMAP_host_map;
const RO = G.GNTMAP_host_map | G.GNTMAP_readonly;
const f = () => be.sys.host.frames;
const pteAt = (g: Guest, va: bigint) => {
  const loc = findL1Slot(g.sys.host.mem, f().nrFrames, g.d.vcpus[0].guestTable, va)!;
  return readPte(g.sys.host.mem, entryMaddr(loc.l1Mfn, loc.slot));
};

describe('map_grant_ref with GNTMAP_host_map', () => {
  it('maps the frame at host_addr, sets reading|writing, hands out a handle and dev_bus_addr', () => {
    grant(fe, 8, 0, page);
    const va = be.spareVa(0);
    const count = f().count[page];
    const r = mapRef(be, { hostAddr: va, flags: RW, ref: 8, dom: 1 });
    expect(r).toMatchObject({ rc: 0, status: G.GNTST_okay, handle: 0, devBusAddr: BigInt(page) * 4096n });
    expect(entryFlags(fe, 8)).toBe(G.GTF_permit_access | G.GTF_reading | G.GTF_writing);
    const p = pteAt(be, va);
    expect(p.mfn).toBe(page);
    expect(p.flags & (_PAGE_PRESENT | _PAGE_RW | _PAGE_GNTTAB | _PAGE_NX | _PAGE_USER)).toBe(
      _PAGE_PRESENT | _PAGE_RW | _PAGE_GNTTAB | _PAGE_NX | _PAGE_USER,
    );
    expect(be.ctx.effects).toContainEqual({ kind: 'invlpg', va, target: { kind: 'all' } });
    // The backend reads and writes the frontend's page through its own page tables.
    expect(Buffer.from(be.ctx.guest.read(va, 13)!).toString()).toBe('frontend data');
    expect(be.ctx.guest.write(va + 100n, Uint8Array.of(1, 2, 3))).toBe(true);
    expect(fe.sys.host.mem.readBytes(page * 4096 + 100, 3)).toEqual(Uint8Array.of(1, 2, 3));
    expect(f().count[page]).toBe(count + 1);
    expect(f().type[page]).toBe(PGT_writable_page);
    expectSoundWithGrants(be.sys);

    expect(unmapRef(be, { hostAddr: va, handle: r.handle })).toBe(G.GNTST_okay);
    expect(entryFlags(fe, 8)).toBe(G.GTF_permit_access);
    expect(pteAt(be, va).flags & _PAGE_PRESENT).toBe(0);
    expect(f().count[page]).toBe(count);
    expect(unmapRef(be, { hostAddr: va, handle: r.handle })).toBe(G.GNTST_bad_handle);
    expectSoundWithGrants(be.sys);
  });

  it('read-only: only GTF_reading, a PTE without RW, writes through it fault', () => {
    grant(fe, 9, 0, page);
    const va = be.spareVa(1);
    const r = mapRef(be, { hostAddr: va, flags: RO, ref: 9, dom: 1 });
    expect(r.status).toBe(0);
    expect(entryFlags(fe, 9)).toBe(G.GTF_permit_access | G.GTF_reading);
    expect(pteAt(be, va).flags & _PAGE_RW).toBe(0);
    expect(be.ctx.guest.read(va, 4)).toBeDefined();
    expect(be.ctx.guest.write(va, Uint8Array.of(9))).toBe(false);
    expectSoundWithGrants(be.sys);
  });

  it('GTF_writing goes with the last writable mapping, GTF_reading with the last mapping', () => {
    grant(fe, 8, 0, page);
    const ro = mapRef(be, { hostAddr: be.spareVa(0), flags: RO, ref: 8, dom: 1 });
    const rw = mapRef(be, { hostAddr: be.spareVa(1), flags: RW, ref: 8, dom: 1 });
    expect([ro.handle, rw.handle]).toEqual([0, 1]);
    expect(entryFlags(fe, 8)).toBe(G.GTF_permit_access | G.GTF_reading | G.GTF_writing);
    expect(unmapRef(be, { hostAddr: be.spareVa(1), handle: rw.handle })).toBe(0);
    expect(entryFlags(fe, 8)).toBe(G.GTF_permit_access | G.GTF_reading);
    expect(unmapRef(be, { hostAddr: be.spareVa(0), handle: ro.handle })).toBe(0);
    expect(entryFlags(fe, 8)).toBe(G.GTF_permit_access);
    expectSoundWithGrants(be.sys);
  });

  it('GNTMAP_contains_pte: host_addr is the machine address of the PTE', () => {
    grant(fe, 8, 0, page);
    const va = be.spareVa(2);
    const loc = findL1Slot(be.sys.host.mem, f().nrFrames, be.d.vcpus[0].guestTable, va)!;
    const pteMaddr = BigInt(entryMaddr(loc.l1Mfn, loc.slot));
    const flags = G.GNTMAP_host_map | G.GNTMAP_contains_pte;
    expect(mapRef(be, { hostAddr: pteMaddr + 4n, flags, ref: 8, dom: 1 }).status).toBe(G.GNTST_general_error);
    const r = mapRef(be, { hostAddr: pteMaddr, flags, ref: 8, dom: 1 });
    expect(r.status).toBe(0);
    expect(
      walkGuest(be.sys.host.mem, f().nrFrames, be.d.vcpus[0].guestTable, va, { write: true, user: true }),
    ).toMatchObject({
      ok: true,
      maddr: page * 4096,
    });
    expect(unmapRef(be, { hostAddr: pteMaddr, handle: r.handle })).toBe(0);
    expectSoundWithGrants(be.sys);
  });

  it('unmap_and_replace moves the PTE from new_addr into host_addr', () => {
    grant(fe, 8, 0, page);
    const va = be.spareVa(0);
    const other = be.spareVa(5);
    const otherMfn = be.spareMfn(5);
    const r = mapRef(be, { hostAddr: va, flags: RW, ref: 8, dom: 1 });
    const out = gntOp(
      be,
      G.GNTTABOP_unmap_and_replace,
      struct(24, [
        [0, 8, va],
        [8, 8, other],
        [16, 4, r.handle],
      ]),
    );
    expect(out.out.getInt16(20, true)).toBe(0);
    expect(pteAt(be, va).mfn).toBe(otherMfn);
    expect(pteAt(be, other).flags & _PAGE_PRESENT).toBe(0);
    expect(entryFlags(fe, 8)).toBe(G.GTF_permit_access);
    expectSoundWithGrants(be.sys);
  });

  it('unmap refusals: unknown handle, PTE that no longer matches, wrong dev_bus_addr', () => {
    grant(fe, 8, 0, page);
    const va = be.spareVa(0);
    const r = mapRef(be, { hostAddr: va, flags: RW, ref: 8, dom: 1 });
    expect(unmapRef(be, { hostAddr: va, handle: 7 })).toBe(G.GNTST_bad_handle);
    expect(unmapRef(be, { hostAddr: va, handle: 1 << 30 })).toBe(G.GNTST_bad_handle);
    expect(unmapRef(be, { hostAddr: be.spareVa(1), handle: r.handle })).toBe(G.GNTST_general_error);
    expect(unmapRef(be, { hostAddr: va, devBusAddr: 4096n, handle: r.handle })).toBe(G.GNTST_general_error);
    // host_addr 0 leaves a host mapping alone (Xen's semantics): nothing done, still mapped.
    expect(unmapRef(be, { handle: r.handle })).toBe(G.GNTST_okay);
    expect(entryFlags(fe, 8) & G.GTF_writing).toBe(G.GTF_writing);
    expect(unmapRef(be, { hostAddr: va, handle: r.handle })).toBe(G.GNTST_okay);
  });
});

describe('map_grant_ref refusals (the granter’s entry is left as it was)', () => {
  it('grant for another domain, r/o grant mapped writable, bad ref, bad domain, no map kind', () => {
    grant(fe, 8, 5, page);
    expect(mapRef(be, { hostAddr: be.spareVa(0), flags: RW, ref: 8, dom: 1 }).status).toBe(
      G.GNTST_general_error,
    );
    expect(entryFlags(fe, 8)).toBe(G.GTF_permit_access);
    grant(fe, 9, 0, page, G.GTF_permit_access | G.GTF_readonly);
    expect(mapRef(be, { hostAddr: be.spareVa(0), flags: RW, ref: 9, dom: 1 }).status).toBe(
      G.GNTST_general_error,
    );
    expect(entryFlags(fe, 9)).toBe(G.GTF_permit_access | G.GTF_readonly);
    expect(mapRef(be, { hostAddr: be.spareVa(0), flags: RO, ref: 9, dom: 1 }).status).toBe(0);
    grant(fe, 10, 0, page, G.GTF_accept_transfer);
    expect(mapRef(be, { hostAddr: be.spareVa(1), flags: RO, ref: 10, dom: 1 }).status).toBe(
      G.GNTST_general_error,
    );
    grant(fe, 11, 0, page, G.GTF_permit_access | G.GTF_sub_page);
    expect(mapRef(be, { hostAddr: be.spareVa(1), flags: RO, ref: 11, dom: 1 }).status).toBe(
      G.GNTST_general_error,
    );
    expect(mapRef(be, { hostAddr: be.spareVa(1), flags: RO, ref: 512, dom: 1 }).status).toBe(
      G.GNTST_bad_gntref,
    );
    expect(mapRef(be, { hostAddr: be.spareVa(1), flags: RO, ref: 8, dom: 42 }).status).toBe(
      G.GNTST_bad_domain,
    );
    expect(mapRef(be, { hostAddr: be.spareVa(1), flags: RO, ref: 8, dom: DOMID_SELF }).status).toBe(
      G.GNTST_bad_domain,
    );
    expect(mapRef(be, { hostAddr: be.spareVa(1), flags: G.GNTMAP_readonly, ref: 9, dom: 1 }).status).toBe(
      G.GNTST_bad_gntref,
    );
    // A failed map leaves the handle and dev_bus_addr fields untouched.
    expect(mapRef(be, { hostAddr: be.spareVa(1), flags: RO, ref: 512, dom: 1 }).handle).toBe(0xdeadbeef);
    expectSoundWithGrants(be.sys);
  });

  it('a guest cannot grant what it does not own: bad_page, flags cleared', () => {
    grant(fe, 8, 0, be.spareMfn(7));
    expect(mapRef(be, { hostAddr: be.spareVa(0), flags: RW, ref: 8, dom: 1 }).status).toBe(G.GNTST_bad_page);
    expect(entryFlags(fe, 8)).toBe(G.GTF_permit_access);
    grant(fe, 9, 0, 0x7fffffff);
    expect(mapRef(be, { hostAddr: be.spareVa(0), flags: RO, ref: 9, dom: 1 }).status).toBe(G.GNTST_bad_page);
    expect(entryFlags(fe, 9)).toBe(G.GTF_permit_access);
  });

  it('a writable map of the granter’s page-table frame fails (type conflict); read-only is fine', () => {
    const l4 = fe.built.l4Mfn;
    grant(fe, 8, 0, l4);
    const count = f().count[l4];
    expect(mapRef(be, { hostAddr: be.spareVa(0), flags: RW, ref: 8, dom: 1 }).status).toBe(
      G.GNTST_general_error,
    );
    expect(entryFlags(fe, 8)).toBe(G.GTF_permit_access);
    expect(f().count[l4]).toBe(count);
    expect(mapRef(be, { hostAddr: be.spareVa(0), flags: RO, ref: 8, dom: 1 }).status).toBe(0);
    expectSoundWithGrants(be.sys);
  });

  it('host_addr without an L1 (or outside the mapper’s own tables) fails and undoes everything', () => {
    grant(fe, 8, 0, page);
    const count = f().count[page];
    const typeCount = f().typeCount[page];
    expect(mapRef(be, { hostAddr: 0x7000_0000_0000n, flags: RW, ref: 8, dom: 1 }).status).toBe(
      G.GNTST_general_error,
    );
    expect(mapRef(be, { hostAddr: 0xffff_8000_0000_0000n, flags: RW, ref: 8, dom: 1 }).status).toBe(
      G.GNTST_general_error,
    );
    expect(entryFlags(fe, 8)).toBe(G.GTF_permit_access);
    expect(f().count[page]).toBe(count);
    expect(f().typeCount[page]).toBe(typeCount);
    expectSoundWithGrants(be.sys);
  });

  it('pin counters refuse overflow; the maptrack is bounded (no_device_space past frames × 256)', () => {
    const [d0, u] = makeGuests([{ id: 0 }, { id: 1 }], { grants: { maxMaptrackFrames: 1 } });
    const map = (ref: number, flags: number) =>
      d0.sys.grants.map({ domid: 0 }, { hostAddr: 0n, flags, ref, dom: 1 });
    for (const ref of [8, 9, 10]) grant(u, ref, 0, u.spareMfn(ref));
    const handles = new Set<number>();
    for (let i = 0; i < 128; i++) handles.add(map(8, G.GNTMAP_device_map).handle);
    // A counter at 0x80 refuses further pins.
    expect(map(8, G.GNTMAP_device_map).status).toBe(G.GNTST_general_error);
    for (let i = 0; i < 128; i++) handles.add(map(9, G.GNTMAP_device_map | G.GNTMAP_readonly).handle);
    expect(handles.size).toBe(256);
    expect(map(10, G.GNTMAP_device_map).status).toBe(G.GNTST_no_device_space);
    expect(entryFlags(u, 10)).toBe(G.GTF_permit_access);
    expectSoundWithGrants(d0.sys);
  });
});

describe('reference counting', () => {
  it('a mapped frame survives the frontend ballooning it out; it is freed at the unmap', () => {
    grant(fe, 8, 0, page);
    const va = be.spareVa(0);
    const r = mapRef(be, { hostAddr: va, flags: RW, ref: 8, dom: 1 });
    const tot = fe.d.totPages;
    // The frontend unmaps the page from its own tables, then gives it back.
    expect(updateVaMapping(fe.ctx, fe.spareVa(0), 0n, 0n, 1)).toBe(0);
    put(fe, fe.scratch + 64n, struct(8, [[0, 8, page]]));
    put(
      fe,
      fe.scratch,
      struct(32, [
        [0, 8, fe.scratch + 64n],
        [8, 8, 1],
        [24, 2, DOMID_SELF],
      ]),
    );
    expect(hcall(fe, __HYPERVISOR_memory_op, XENMEM_decrease_reservation, fe.scratch)).toBe(1);
    expect(fe.sys.host.allocator.isFree(page)).toBe(false);
    expect(f().owner[page]).toBe(1);
    expect(fe.d.totPages).toBe(tot);
    expect(Buffer.from(be.ctx.guest.read(va, 13)!).toString()).toBe('frontend data');
    expectSoundWithGrants(be.sys);
    expect(unmapRef(be, { hostAddr: va, handle: r.handle })).toBe(0);
    expect(fe.sys.host.allocator.isFree(page)).toBe(true);
    expect(fe.d.totPages).toBe(tot - 1);
    expectSoundWithGrants(be.sys);
  });

  it('mapper destroyed: its mappings are released and the granter’s flags cleared', () => {
    grant(fe, 8, 0, page);
    mapRef(be, { hostAddr: be.spareVa(0), flags: RW, ref: 8, dom: 1 });
    const count = f().count[page];
    be.sys.destroyDomain(0);
    expect(f().count[page]).toBe(count - 1);
    expect(entryFlags(fe, 8)).toBe(G.GTF_permit_access);
    expectSoundWithGrants(fe.sys);
  });

  it('granter destroyed: the mapped frame lives on until the backend unmaps it', () => {
    grant(fe, 8, 0, page);
    const m = mapGrantForHost(be.sys.grants, 0, 1, 8);
    if (!m.ok) throw new Error('map failed');
    be.sys.destroyDomain(1);
    expect(be.sys.host.allocator.isFree(page)).toBe(false);
    expect(Buffer.from(m.frame.read(0, 13)).toString()).toBe('frontend data');
    expect(m.frame.unmap()).toBe(0);
    expect(be.sys.host.allocator.isFree(page)).toBe(true);
  });
});

describe('TypeScript backend access (device-style mapping)', () => {
  it('reads and writes through host memory; read-only refuses writes; unmap releases', () => {
    grant(fe, 8, 0, page);
    grant(fe, 9, 0, page, G.GTF_permit_access | G.GTF_readonly);
    const rw = mapGrantForHost(be.sys.grants, 0, 1, 8);
    const ro = mapGrantForHost(be.sys.grants, 0, 1, 9, { readonly: true });
    if (!rw.ok || !ro.ok) throw new Error('map failed');
    expect(Buffer.from(rw.frame.read(0, 8)).toString()).toBe('frontend');
    rw.frame.write(4090, Uint8Array.of(1, 2, 3, 4, 5, 6));
    expect(fe.sys.host.mem.readBytes(page * 4096 + 4090, 6)).toEqual(Uint8Array.of(1, 2, 3, 4, 5, 6));
    expect(() => rw.frame.write(4095, Uint8Array.of(1, 2))).toThrow(RangeError);
    expect(() => ro.frame.write(0, Uint8Array.of(1))).toThrow(/read-only/);
    expect(entryFlags(fe, 8)).toBe(G.GTF_permit_access | G.GTF_reading | G.GTF_writing);
    expect(entryFlags(fe, 9)).toBe(G.GTF_permit_access | G.GTF_readonly | G.GTF_reading);
    expect(mapGrantForHost(be.sys.grants, 0, 1, 9)).toEqual({ ok: false, status: G.GNTST_general_error });
    expectSoundWithGrants(be.sys);
    expect(rw.frame.unmap()).toBe(0);
    expect(ro.frame.unmap()).toBe(0);
    expect(() => rw.frame.read(0, 1)).toThrow(/unmapped/);
    expect(entryFlags(fe, 8)).toBe(G.GTF_permit_access);
    expectSoundWithGrants(be.sys);
  });
});
