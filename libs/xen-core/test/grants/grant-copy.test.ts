import { beforeEach, describe, expect, it } from 'vitest';
import * as G from '../../src/grants/abi';
import * as E from '../../src/public/errno';
import { DOMID_SELF } from '../../src/public/xen';
import { expectSoundWithGrants, Guest, makeGuests, put, struct } from '../events/fixtures';
import { copyOp, entryFlags, gntOp, grant, mapRef } from './gnt-ops';

/** d2 (a backend) copies to and from pages d1 grants it, and its own frames. */
let fe: Guest;
let be: Guest;
let fePage: number;
let beOwn: number;
const mem = () => fe.sys.host.mem;
beforeEach(() => {
  [fe, be] = makeGuests([{ id: 1 }, { id: 2 }]);
  fePage = fe.spareMfn(0);
  beOwn = be.spareMfn(0);
  mem().writeBytes(fePage * 4096, Buffer.from('granted by the frontend'));
  mem().writeBytes(beOwn * 4096, Buffer.from('backend-own-page'));
});

describe('GNTTABOP_copy', () => {
  it('gref → own gmfn: reads the granted page; flags set only for the copy', () => {
    grant(fe, 8, 2, fePage, G.GTF_permit_access | G.GTF_readonly);
    const st = copyOp(be, {
      src: { u: 8, domid: 1, offset: 11 },
      dst: { u: beOwn, domid: DOMID_SELF, offset: 100 },
      len: 12,
      flags: G.GNTCOPY_source_gref,
    });
    expect(st).toBe(G.GNTST_okay);
    expect(Buffer.from(mem().readBytes(beOwn * 4096 + 100, 12)).toString()).toBe('the frontend');
    expect(entryFlags(fe, 8)).toBe(G.GTF_permit_access | G.GTF_readonly);
    expectSoundWithGrants(be.sys);
  });

  it('own gmfn → gref: writes into a writable grant', () => {
    grant(fe, 9, 2, fePage);
    expect(
      copyOp(be, {
        src: { u: beOwn, domid: DOMID_SELF, offset: 0 },
        dst: { u: 9, domid: 1, offset: 4080 },
        len: 16,
        flags: G.GNTCOPY_dest_gref,
      }),
    ).toBe(0);
    expect(Buffer.from(mem().readBytes(fePage * 4096 + 4080, 16)).toString()).toBe('backend-own-page');
    expect(entryFlags(fe, 9)).toBe(G.GTF_permit_access);
  });

  it('gref → gref between two granting domains', () => {
    const [x, y, z] = makeGuests([{ id: 1 }, { id: 2 }, { id: 3 }]);
    const xs = x.spareMfn(0);
    const ys = y.spareMfn(0);
    x.sys.host.mem.writeBytes(xs * 4096, Buffer.from('from x'));
    grant(x, 8, 3, xs, G.GTF_permit_access | G.GTF_readonly);
    grant(y, 8, 3, ys);
    const st = copyOp(z, {
      src: { u: 8, domid: 1, offset: 0 },
      dst: { u: 8, domid: 2, offset: 0 },
      len: 6,
      flags: G.GNTCOPY_source_gref | G.GNTCOPY_dest_gref,
    });
    expect(st).toBe(0);
    expect(Buffer.from(x.sys.host.mem.readBytes(ys * 4096, 6)).toString()).toBe('from x');
  });

  it('a copy while mapped leaves the mapping’s flags in place', () => {
    grant(fe, 9, 2, fePage);
    expect(mapRef(be, { flags: G.GNTMAP_device_map, ref: 9, dom: 1 }).status).toBe(0);
    copyOp(be, {
      src: { u: 9, domid: 1, offset: 0 },
      dst: { u: beOwn, domid: DOMID_SELF, offset: 0 },
      len: 4,
      flags: 1,
    });
    expect(entryFlags(fe, 9)).toBe(G.GTF_permit_access | G.GTF_reading | G.GTF_writing);
    expectSoundWithGrants(be.sys);
  });

  it('refusals: readonly grant as destination, grant not for us, bad ref, bad domain, frames of others', () => {
    grant(fe, 8, 2, fePage, G.GTF_permit_access | G.GTF_readonly);
    grant(fe, 10, 7, fePage);
    const own = { u: beOwn, domid: DOMID_SELF, offset: 0 };
    const copy = (src: object, dst: object, flags: number, len = 8) =>
      copyOp(be, { src: { ...own, ...src }, dst: { ...own, ...dst }, len, flags });
    expect(copy({}, { u: 8, domid: 1 }, G.GNTCOPY_dest_gref)).toBe(G.GNTST_general_error);
    expect(entryFlags(fe, 8)).toBe(G.GTF_permit_access | G.GTF_readonly);
    expect(copy({ u: 10, domid: 1 }, {}, G.GNTCOPY_source_gref)).toBe(G.GNTST_general_error);
    expect(copy({ u: 600, domid: 1 }, {}, G.GNTCOPY_source_gref)).toBe(G.GNTST_bad_gntref);
    expect(copy({ u: 8, domid: 33 }, {}, G.GNTCOPY_source_gref)).toBe(G.GNTST_bad_domain);
    // Frames may only be named for DOMID_SELF, and must be the caller's own.
    expect(copy({ u: fePage, domid: 1 }, {}, 0)).toBe(G.GNTST_permission_denied);
    expect(copy({}, { u: fePage, domid: 1 }, 0)).toBe(G.GNTST_permission_denied);
    expect(copy({ u: fePage }, {}, 0)).toBe(G.GNTST_bad_page);
    expect(copy({}, { u: be.built.l4Mfn }, 0)).toBe(G.GNTST_general_error);
    expect(entryFlags(fe, 10)).toBe(G.GTF_permit_access);
    expectSoundWithGrants(be.sys);
  });

  it('bad_copy_arg when offset + len crosses the page; flags are released', () => {
    grant(fe, 9, 2, fePage);
    const st = copyOp(be, {
      src: { u: beOwn, domid: DOMID_SELF, offset: 0 },
      dst: { u: 9, domid: 1, offset: 4090 },
      len: 7,
      flags: G.GNTCOPY_dest_gref,
    });
    expect(st).toBe(G.GNTST_bad_copy_arg);
    expect(entryFlags(fe, 9)).toBe(G.GTF_permit_access);
    expect(mem().readU8(fePage * 4096 + 4090)).toBe(0);
    expectSoundWithGrants(be.sys);
  });

  it('a batch: every op gets its own status; a fault reading the batch is -EFAULT', () => {
    grant(fe, 8, 2, fePage);
    const op = (ref: number) =>
      struct(40, [
        [0, 8, ref],
        [8, 2, 1],
        [16, 8, beOwn],
        [24, 2, DOMID_SELF],
        [32, 2, 4],
        [34, 2, G.GNTCOPY_source_gref],
      ]);
    const batch = new Uint8Array(120);
    batch.set(op(8), 0);
    batch.set(op(999), 40);
    batch.set(op(8), 80);
    const r = gntOp(be, G.GNTTABOP_copy, batch, 3);
    expect(r.rc).toBe(0);
    expect([r.out.getInt16(36, true), r.out.getInt16(76, true), r.out.getInt16(116, true)]).toEqual([
      0,
      G.GNTST_bad_gntref,
      0,
    ]);
    put(be, be.scratch, op(8));
    expect(gntOp(be, G.GNTTABOP_copy, op(8), 1 << 20).rc).toBe(-E.XEN_EFAULT);
  });
});
