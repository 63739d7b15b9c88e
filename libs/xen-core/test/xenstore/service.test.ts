import { beforeEach, describe, expect, it } from 'vitest';
import * as G from '../../src/grants/abi';
import { PGT_l1_page_table } from '../../src/mm/frame-table';
import { XenstoreError } from '../../src/xenstore/client';
import { requestShutdown, writeDeviceEntries, writeDomainEntries } from '../../src/xenstore/domain-layout';
import { machineRingPage, XS_RING_SERVER_FEATURES } from '../../src/xenstore/ring';
import { XenstoreService } from '../../src/xenstore/service';
import * as W from '../../src/xenstore/wire';
import { send } from '../events/evtchn-ops';
import { expectSoundWithGrants, Guest, GuestEvents, makeGuests } from '../events/fixtures';
import { GuestRing } from './guest-ring';

let g: Guest;
let xs: XenstoreService;
let port: number;
let ring: GuestRing;
let ev: GuestEvents;
const text = (m: W.XsMessage): string => W.payloadText(m.payload);

/** The toolstack's steps for a new domain, then the guest's end of the store ring. */
beforeEach(() => {
  [g] = makeGuests([{ id: 1 }]);
  xs = new XenstoreService(g.sys);
  port = xs.allocStorePort(g.d);
  g.sys.grants.seedReserved(g.d, { consoleMfn: g.built.consoleMfn, storeMfn: g.built.storeMfn });
  writeDomainEntries(xs.client, {
    domid: 1,
    name: 'vm-one',
    memoryKiB: 4096,
    console: { ringRef: g.built.consoleMfn, port: 2 },
    store: { ringRef: g.built.storeMfn, port },
  });
  xs.client.introduce(1, g.built.storeMfn, port);
  ev = new GuestEvents(g);
  ring = new GuestRing(machineRingPage(g.sys.host.mem, g.built.storeMfn), () => {
    expect(send(g, port)).toBe(0);
  });
});

describe('xenstored on a XenSystem', () => {
  it('the guest talks over its store page and store event channel', () => {
    expect(port).toBe(1);
    expect(g.sys.host.mem.readU32(g.built.storeMfn * 4096 + XS_RING_SERVER_FEATURES)).toBe(3);
    ev.handleUpcall();
    const r = ring.call(W.XS_READ, 'name\0', 1);
    expect(text(r)).toBe('vm-one');
    // The reply was signalled on the guest's store port.
    expect(ev.pending(port)).toBe(true);
    expect(text(ring.call(W.XS_READ, 'domid\0', 2))).toBe('1');
    expect(text(ring.call(W.XS_READ, 'memory/target\0', 3))).toBe('4096');
    expect(text(ring.call(W.XS_READ, 'store/port\0', 4))).toBe(String(port));
    expect(text(ring.call(W.XS_READ, 'console/type\0', 5))).toBe('xenconsoled');
    // xenstored reaches the ring through grant ref 1, which it keeps mapped.
    const flags = g.sys.grants.table(1)!.readEntry(G.GNTTAB_RESERVED_XENSTORE).flags;
    expect(flags).toBe(G.GTF_permit_access | G.GTF_reading | G.GTF_writing);
    expectSoundWithGrants(g.sys);
  });

  it('clean poweroff: the guest watches control/shutdown, the node agent writes it, the guest acknowledges', () => {
    expect(text(ring.call(W.XS_WATCH, 'control/shutdown\0shutdown-token\0', 1))).toBe('OK\0');
    expect(ring.events()).toEqual([['control/shutdown', 'shutdown-token']]);
    ev.handleUpcall();
    requestShutdown(xs.client, 1, 'poweroff');
    expect(ev.pending(port)).toBe(true);
    ring.drainAll();
    expect(ring.events()).toEqual([['control/shutdown', 'shutdown-token']]);
    expect(text(ring.call(W.XS_READ, 'control/shutdown\0', 2))).toBe('poweroff');
    expect(text(ring.call(W.XS_WRITE, 'control/shutdown\0', 3))).toBe('OK\0');
    expect(xs.client.read('/local/domain/1/control/shutdown')).toBe('');
  });

  it('what the guest may and may not do in its home (libxl permissions)', () => {
    const err = (type: number, payload: string, id: number): string | undefined => {
      const r = ring.call(type, payload, id);
      return r.type === W.XS_ERROR ? W.splitStrings(r.payload).strings[0] : undefined;
    };
    expect(err(W.XS_WRITE, 'name\0renamed', 1)).toBe('EACCES');
    expect(err(W.XS_WRITE, 'memory/target\x001', 2)).toBe('EACCES');
    expect(err(W.XS_WRITE, 'data/anything\0ok', 3)).toBeUndefined();
    expect(err(W.XS_WRITE, 'control/feature-poweroff\x001', 4)).toBeUndefined();
    expect(err(W.XS_WRITE, 'new-top-level\0x', 5)).toBe('EACCES');
    expect(err(W.XS_READ, '/local/domain/0\0', 6)).toBe('EACCES');
    expect(err(W.XS_DIRECTORY, '/local/domain\0', 7)).toBe('EACCES');
    expect(W.splitStrings(ring.call(W.XS_DIRECTORY, 'control\0', 8).payload).strings).toEqual([
      'shutdown',
      'feature-poweroff',
      'feature-reboot',
      'feature-suspend',
      'sysrq',
    ]);
  });

  it('device entries: frontend and backend halves cross-linked, each readable by the other side', () => {
    writeDeviceEntries(xs.client, {
      kind: 'vif',
      devid: 0,
      frontendDomid: 1,
      backendDomid: 0,
      backend: { mac: '00:16:3e:00:00:01' },
    });
    expect(text(ring.call(W.XS_READ, 'device/vif/0/backend\0', 1))).toBe('/local/domain/0/backend/vif/1/0');
    expect(text(ring.call(W.XS_READ, 'device/vif/0/state\0', 2))).toBe('1');
    expect(text(ring.call(W.XS_READ, '/local/domain/0/backend/vif/1/0/mac\0', 3))).toBe('00:16:3e:00:00:01');
    expect(text(ring.call(W.XS_WRITE, 'device/vif/0/state\x004', 4))).toBe('OK\0');
    expect(ring.call(W.XS_WRITE, '/local/domain/0/backend/vif/1/0/state\x004', 5).type).toBe(W.XS_ERROR);
    expect(xs.client.read('/local/domain/1/device/vif/0/state')).toBe('4');
  });

  it('XS_RELEASE closes the server’s end (the guest port reverts to unbound) and unmaps the ring', () => {
    const watched: string[] = [];
    xs.client.watch('@releaseDomain', 'rel', (p) => watched.push(p));
    xs.client.release(1);
    expect(watched).toEqual(['@releaseDomain', '@releaseDomain']);
    expect(g.sys.events.channel(1, port)).toMatchObject({ state: 2, remoteDomid: 0 });
    expect(g.sys.grants.table(1)!.readEntry(1).flags).toBe(G.GTF_permit_access);
    expect(xs.client.isDomainIntroduced(1)).toBe(false);
    expectSoundWithGrants(g.sys);
    // The store content stays until the toolstack removes it.
    expect(xs.client.read('/local/domain/1/name')).toBe('vm-one');
    // Introduce again (e.g. after a guest kexec) works.
    xs.client.introduce(1, g.built.storeMfn, port);
    expect(text(ring.call(W.XS_READ, 'name\0', 9))).toBe('vm-one');
  });

  it('introduce refuses unknown domains and store pages the domain does not own', () => {
    expect(() => xs.client.introduce(9, 5, 1)).toThrow(XenstoreError);
    const [a, b] = makeGuests([{ id: 1 }, { id: 2 }]);
    const svc = new XenstoreService(a.sys);
    const p = svc.allocStorePort(a.d);
    expect(() => svc.client.introduce(1, b.built.storeMfn, p)).toThrow(/EINVAL/);
    expect(() => svc.client.introduce(1, a.built.storeMfn, 44)).toThrow(/EINVAL/);
    // Without a seeded grant the MFN itself is used (it belongs to the domain).
    svc.client.introduce(1, a.built.storeMfn, p);
    const gr = new GuestRing(machineRingPage(a.sys.host.mem, a.built.storeMfn), () => void send(a, p));
    expect(gr.call(W.XS_GET_DOMAIN_PATH, '1\0', 1).type).toBe(W.XS_GET_DOMAIN_PATH);
  });

  it('the domain dying first: release still cleans up', () => {
    g.sys.destroyDomain(1);
    expect(g.sys.host.allocator.isFree(g.built.storeMfn)).toBe(false);
    expectSoundWithGrants(g.sys);
    expect(() => xs.client.release(1)).not.toThrow();
    expect(g.sys.host.allocator.isFree(g.built.storeMfn)).toBe(true);
    expectSoundWithGrants(g.sys);
  });

  it('a store page named by MFN (no grant ref 1) is held typed writable while attached, and let go at release', () => {
    const [h] = makeGuests([{ id: 2 }]);
    const xs2 = new XenstoreService(h.sys);
    const p2 = xs2.allocStorePort(h.d);
    const f = h.sys.host.frames;
    const mfn = h.built.storeMfn;
    const before = f.typeCount[mfn];
    xs2.client.introduce(2, mfn, p2); // the grant entry is not seeded: the MFN path
    expect(f.typeCount[mfn]).toBe(before + 1);
    expect(xs2.heldReferences()).toEqual([{ mfn, count: 1, typeCount: 1 }]);
    expect(h.sys.mmu.types.getPageAndType(mfn, 2, PGT_l1_page_table)).toBeLessThan(0);
    xs2.client.release(2);
    expect(f.typeCount[mfn]).toBe(before);
    expect(xs2.heldReferences()).toEqual([]);
  });
});
