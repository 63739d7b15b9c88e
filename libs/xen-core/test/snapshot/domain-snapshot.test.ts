/**
 * The snapshot sections one at a time, on a running xenolite: event channels (VIRQ, IPI, unbound,
 * an interdomain channel whose peer stays behind, pending bits), grant entries (frames renamed to
 * the new host's mfns, usable by a backend), DomainControl's contract (paused by default, names,
 * codes), and hostile streams aimed at the checks that keep a snapshot from installing what the PV
 * MMU or the CPU invariants would refuse — each refused with BAD_SNAPSHOT, nothing left behind.
 */
import { describe, expect, it } from 'vitest';
import { ControlError } from '../../src/control/control-error';
import { callerOf, hostCaller } from '../../src/events/event-channels';
import { ECS_INTERDOMAIN, ECS_IPI, ECS_UNBOUND } from '../../src/events/port-table';
import { GTF_permit_access } from '../../src/grants/abi';
import { mapGrantForHost } from '../../src/grants/host-access';
import { crc32, decodeSnapshot, encodeSnapshot } from '../../src/snapshot/stream';
import { capture, node, PROMPT, runUntil, XENOLITE, type Node } from './helpers';

async function running(n: Node, name = 'web-1'): Promise<number> {
  const { domid } = n.ctl.create({ name, image: XENOLITE, memoryMiB: 16 });
  const out = capture(n, domid);
  n.ctl.unpause(domid);
  expect(await runUntil(n, () => out().includes(PROMPT))).toBe(true);
  return domid;
}

function code(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(ControlError);
    return (e as ControlError).code;
  }
  throw new Error('expected a ControlError');
}

function footprint(n: Node): unknown {
  return {
    free: n.host.sys.host.allocator.freeFrames,
    domains: n.host.domains.size,
    ports: [...n.host.sys.events.table(0)!.usedPorts()].length,
    nodes: n.host.xenstore!.server.store.size,
  };
}

/** Re-encode `bytes` with section `tag` replaced by `edit(payload)` (checksum recomputed). */
function withSection(bytes: Uint8Array, tag: string, edit: (p: Uint8Array) => Uint8Array): Uint8Array {
  const s = decodeSnapshot(bytes);
  return encodeSnapshot([...s].map(([t, p]) => ({ tag: t, payload: t === tag ? edit(p.slice()) : p })));
}

/** MEMR page records: pfn, type, flags and where the 4096 data bytes start (-1 = zero page). */
function pageRecords(p: Uint8Array): Array<{ pfn: number; type: number; flags: number; data: number }> {
  const dv = new DataView(p.buffer, p.byteOffset, p.byteLength);
  const out = [];
  let at = 4;
  for (let i = dv.getUint32(0, true); i > 0; i--) {
    const rec = { pfn: dv.getUint32(at, true), type: p[at + 4], flags: p[at + 5], data: -1 };
    at += 14;
    if (!(rec.flags & 4)) {
      rec.data = at;
      at += 4096;
    }
    out.push(rec);
  }
  return out;
}

describe('domain snapshot sections', () => {
  it('event channels: VIRQ/IPI/unbound kept, a channel to a guest left behind is closed-by-peer, pending bits kept', async () => {
    const a = node();
    const domid = await running(a);
    const peer = await running(a, 'peer');
    const ev = a.host.sys.events;
    const d = a.host.sys.get(domid)!;
    const ipi = ev.bindIpi(callerOf(d), 0);
    const unbound = ev.allocUnbound(callerOf(d), domid, 7);
    const peerPort = ev.allocUnbound(hostCaller(0), peer, domid);
    const inter = ev.bindInterdomain(callerOf(d), peer, peerPort);
    expect(Math.min(ipi, unbound, inter)).toBeGreaterThan(0);
    expect(ev.send(callerOf(d), ipi)).toBe(0);
    expect(ev.isPending(d, ipi)).toBe(true);
    const bytes = a.ctl.save(domid);

    const b = node(96, true);
    const r = b.ctl.restore(bytes).domid;
    const bev = b.host.sys.events;
    const rd = b.host.sys.get(r)!;
    expect(bev.channel(r, ipi)).toMatchObject({ state: ECS_IPI, notifyVcpu: 0 });
    expect(bev.channel(r, unbound)).toMatchObject({ state: ECS_UNBOUND, remoteDomid: 7 });
    // Its peer is not in the snapshot: as if the peer had closed it (unbound, accepting the peer).
    expect(bev.channel(r, inter)).toMatchObject({ state: ECS_UNBOUND, remoteDomid: peer });
    expect(bev.isPending(rd, ipi)).toBe(true);
    expect(bev.isPending(rd, unbound)).toBe(false);
    // The source keeps running with its channel intact (saving changes nothing there).
    expect(ev.channel(domid, inter)).toMatchObject({ state: ECS_INTERDOMAIN, remoteDomid: peer });
  }, 60_000);

  it('grants: entries name the new frames, clear in-use flags, and a backend can map them', async () => {
    const a = node();
    const domid = await running(a);
    const d = a.host.sys.get(domid)!;
    const t = a.host.sys.grants.table(domid)!;
    const pfn = 200;
    const mfn = d.p2m.get(pfn)!;
    a.host.sys.host.mem.writeBytes(mfn * 4096, new TextEncoder().encode('granted page'));
    t.writeEntry(8, GTF_permit_access, 0, mfn);
    t.writeEntry(9, GTF_permit_access, 0, 3); // a frame that is not the domain's
    const bytes = a.ctl.save(domid);

    const b = node(96, true);
    const r = b.ctl.restore(bytes).domid;
    const rt = b.host.sys.grants.table(r)!;
    const newMfn = b.host.sys.get(r)!.p2m.get(pfn)!;
    expect(newMfn).not.toBe(mfn);
    expect(rt.readEntry(8)).toEqual({ flags: GTF_permit_access, domid: 0, frame: newMfn });
    expect(rt.readEntry(9).frame).toBe(0xffffffff);
    const m = mapGrantForHost(b.host.sys.grants, 0, r, 8, { readonly: true });
    expect(m.ok).toBe(true);
    if (m.ok) {
      expect(new TextDecoder().decode(m.frame.read(0, 12))).toBe('granted page');
      m.frame.unmap();
    }
    expect(mapGrantForHost(b.host.sys.grants, 0, r, 9).ok).toBe(false);
  }, 60_000);

  it('DomainControl: paused by default, keeps name and sched params, refuses clashes and unknown domains', async () => {
    const a = node();
    const domid = await running(a);
    a.ctl.setSchedParams(domid, { weight: 512, cap: 40 });
    expect(code(() => a.ctl.save(99))).toBe('NO_SUCH_DOMAIN');
    const bytes = a.ctl.save(domid);
    expect(a.ctl.info(domid).state).not.toBe('paused'); // runs on after a save
    // Restoring next to the original: a second copy needs another name.
    expect(code(() => a.ctl.restore(bytes))).toBe('INVALID_ARGUMENT');
    const copy = a.ctl.restore(bytes, { name: 'web-copy' });
    expect(copy).toMatchObject({ name: 'web-copy', state: 'paused', weight: 512, cap: 40 });
    expect(code(() => a.ctl.reboot(copy.domid))).toBe('BAD_STATE');
    const tiny = node(16);
    expect(code(() => tiny.ctl.restore(bytes))).toBe('OUT_OF_MEMORY');
  }, 60_000);

  it('carries the shutdown state: a powered-off domain is restored shut down, with its reason', async () => {
    const a = node();
    const domid = await running(a);
    a.ctl.consoleInput(domid).write('poweroff\n');
    expect(await runUntil(a, () => a.ctl.info(domid).state === 'shutdown')).toBe(true);
    const bytes = a.ctl.save(domid);
    const b = node(96, true);
    const r = b.ctl.restore(bytes);
    expect(r).toMatchObject({ state: 'shutdown', shutdownReason: 'poweroff' });
    expect(code(() => b.ctl.unpause(r.domid))).toBe('BAD_STATE');
    b.host.run(1_000_000);
    expect(b.ctl.info(r.domid).instructionsRetired).toBe(a.ctl.info(domid).instructionsRetired);
  }, 60_000);

  it('hostile streams are BAD_SNAPSHOT and leave nothing behind', async () => {
    const a = node();
    const domid = await running(a);
    const good = a.ctl.save(domid);
    const b = node(96, true);
    const before = footprint(b);
    const refuse = (bytes: Uint8Array, why: RegExp): void => {
      let err: unknown;
      try {
        b.ctl.restore(bytes);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(ControlError);
      expect((err as ControlError).code).toBe('BAD_SNAPSHOT');
      expect((err as ControlError).message).toMatch(why);
      expect(footprint(b)).toEqual(before);
    };
    refuse(good.subarray(0, good.length - 1), /checksum|short/);
    refuse(
      Uint8Array.from('not a snapshot at all'.split(''), (c) => c.charCodeAt(0)),
      /magic|short/,
    );
    // Another format version, with a correct checksum.
    const v2 = good.slice();
    new DataView(v2.buffer).setUint32(8, 2, true);
    new DataView(v2.buffer).setUint32(v2.length - 4, crc32(v2.subarray(0, v2.length - 4)), true);
    refuse(v2, /version 2 is not supported/);
    refuse(
      withSection(good, 'EVTC', (p) => p.subarray(0, p.length - 3)),
      /truncated/,
    );

    // A vCPU context in ring 0: CS DPL 0 must never reach the CPU.
    refuse(
      withSection(good, 'VCPU', (p) => {
        const csAttr = 1 + 4 + (48 + 1 * 8 + 1) * 4;
        p[csAttr] &= ~(3 << 5);
        return p;
      }),
      /CS attributes/,
    );

    const mem = decodeSnapshot(good).get('MEMR')!;
    const recs = pageRecords(mem);
    const l1 = recs.find((r) => r.type === 1 && r.flags & 2 && r.data >= 0)!;
    const table = recs.find((r) => r.type >= 1 && r.type <= 4 && r.flags & 2 && r.pfn !== l1.pfn)!;
    const dv = (p: Uint8Array): DataView => new DataView(p.buffer, p.byteOffset, p.byteLength);
    const firstPresent = (p: Uint8Array): number => {
      for (let e = 0; e < 512; e++) if (dv(p).getUint32(l1.data + e * 8, true) & 1) return l1.data + e * 8;
      throw new Error('no present entry');
    };
    // A writable mapping of a page-table page: validation (the pin) must refuse it.
    refuse(
      withSection(good, 'MEMR', (p) => {
        const at = firstPresent(p);
        dv(p).setBigUint64(at, (BigInt(table.pfn) << 12n) | 0x67n, true);
        return p;
      }),
      /does not validate|root does not validate/,
    );
    // A mapping of a frame the domain does not have.
    refuse(
      withSection(good, 'MEMR', (p) => {
        const at = firstPresent(p);
        dv(p).setBigUint64(at, (0xfffffn << 12n) | 0x25n, true);
        return p;
      }),
      /not the domain's/,
    );
    // The console ring named as a page table: the backend would write unvalidated entries.
    refuse(
      withSection(good, 'DOMN', (p) => {
        let off = 2 + 4 + dv(p).getUint32(2, true) + 1 + 4;
        off += 1 + p[off] + 16;
        dv(p).setUint32(off + 4, l1.pfn, true);
        return p;
      }),
      /console ring page is a page table/,
    );
    // The good stream still restores on the same host afterwards.
    const ok = b.ctl.restore(good);
    expect(ok.state).toBe('paused');
  }, 60_000);
});
