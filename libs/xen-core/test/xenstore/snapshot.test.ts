import { describe, expect, it } from 'vitest';
import { XenstoreClient } from '../../src/xenstore/client';
import { writeDomainEntries } from '../../src/xenstore/domain-layout';
import { machineRingPage } from '../../src/xenstore/ring';
import { XenstoreServer } from '../../src/xenstore/server';
import { XenstoreService } from '../../src/xenstore/service';
import { restoreStore, snapshotStore, SnapshotError } from '../../src/xenstore/snapshot';
import * as W from '../../src/xenstore/wire';
import { send } from '../events/evtchn-ops';
import { makeGuests } from '../events/fixtures';
import { GuestRing } from './guest-ring';
import { RawConn } from './raw-conn';

function populated(): XenstoreServer {
  const s = new XenstoreServer();
  const c = new XenstoreClient(s);
  c.write('/a/b/c', 'value');
  c.write('/a/z', Uint8Array.of(0, 1, 2, 255));
  c.write('/a/m', '');
  c.setPerms('/a/b', ['n3', 'r4', 'b5']);
  c.setPerms('@releaseDomain', ['n0', 'r3']);
  c.introduce(3, 0x1234, 7);
  const d3 = s.domains.get(3)!.conn;
  d3.watches.push({ path: '/local/domain/3/device', token: 'dev', relative: true });
  d3.target = 4;
  return s;
}

function dump(s: XenstoreServer): unknown {
  return [...s.store.entries()].map(([p, n]) => [p, [...n.value], n.perms, n.children]);
}

describe('store snapshots', () => {
  it('round-trip nodes, values, permissions, child order, generation, domains and their watches', () => {
    const s = populated();
    const bytes = snapshotStore(s);
    const t = new XenstoreServer();
    restoreStore(t, bytes);
    expect(dump(t)).toEqual(dump(s));
    expect(t.store.gen).toBeGreaterThanOrEqual(s.store.gen);
    expect(t.store.ownedBy(3)).toBe(s.store.ownedBy(3));
    const d3 = t.domains.get(3)!;
    expect(d3).toMatchObject({ domid: 3, mfn: 0x1234n, port: 7 });
    expect(d3.conn.watches).toEqual([{ path: '/local/domain/3/device', token: 'dev', relative: true }]);
    expect(d3.conn.target).toBe(4);
    // Snapshotting the restored store gives the same bytes (modulo generation).
    expect(snapshotStore(t).length).toBe(bytes.length);
    // Permissions work as before: d4 may read /a/b but not /a/b/c (which kept "n0").
    const c = new RawConn(t, 4);
    expect(c.read('/a/b')).toBe('');
    expect(c.err(W.XS_READ, '/a/b/c\0')).toBe('EACCES');
  });

  it('rejects malformed input with SnapshotError and leaves the server untouched', () => {
    const good = snapshotStore(populated());
    const t = populated();
    const before = dump(t);
    const bad: Uint8Array[] = [
      new Uint8Array(0),
      good.subarray(0, good.length - 1),
      Uint8Array.from([...good, 0]),
      Uint8Array.from(good).fill(0x41, 4, 8),
    ];
    for (const b of bad) expect(() => restoreStore(t, b)).toThrow(SnapshotError);
    // A child list naming a missing node.
    const s = new XenstoreServer();
    s.store.put('/', { ...s.store.read('/')!, children: ['local', 'tool', 'ghost'] });
    expect(() => restoreStore(t, snapshotStore(s))).toThrow(/missing child/);
    expect(dump(t)).toEqual(before);
  });

  it('random corruption never throws anything but SnapshotError, and what restores is a sound tree', () => {
    const good = snapshotStore(populated());
    let x = 12345;
    const r = (): number => ((x = (x * 1103515245 + 12345) >>> 0) >>> 8) / 2 ** 24;
    let restored = 0;
    for (let i = 0; i < 400; i++) {
      const b = Uint8Array.from(good);
      for (let k = 0; k < 1 + Math.floor(r() * 3); k++) b[Math.floor(r() * b.length)] = Math.floor(r() * 256);
      const t = new XenstoreServer();
      try {
        restoreStore(t, b);
        restored++;
        const c = new XenstoreClient(t);
        expect(c.directory('/').length).toBeGreaterThan(0);
      } catch (e) {
        expect(e).toBeInstanceOf(SnapshotError);
      }
    }
    expect(restored).toBeGreaterThan(0);
  });

  it('a restarted xenstored restores the snapshot and re-attaches the guest’s ring with its watches', () => {
    const [g] = makeGuests([{ id: 1 }]);
    const xs1 = new XenstoreService(g.sys);
    const port = xs1.allocStorePort(g.d);
    writeDomainEntries(xs1.client, { domid: 1, name: 'before', memoryKiB: 4096 });
    xs1.client.introduce(1, g.built.storeMfn, port);
    const ring = new GuestRing(machineRingPage(g.sys.host.mem, g.built.storeMfn), () => void send(g, port));
    ring.call(W.XS_WATCH, 'name\0tok\0', 1);
    ring.events();
    const bytes = snapshotStore(xs1.server);
    xs1.stop();

    const xs2 = new XenstoreService(g.sys);
    restoreStore(xs2.server, bytes);
    expect(xs2.client.read('/local/domain/1/name')).toBe('before');
    xs2.client.write('/local/domain/1/name', 'after');
    ring.drainAll();
    expect(ring.events()).toEqual([['name', 'tok']]);
    expect(W.payloadText(ring.call(W.XS_READ, 'name\0', 2).payload)).toBe('after');
  });
});
