/**
 * Hostile snapshots. A valid snapshot of a running xenolite is damaged (seeded) in two ways:
 * raw truncations and bit flips of the stream (the container's checksum must catch all of them),
 * and damage *inside* sections re-encoded with a correct checksum, aimed at every field decoder
 * and at the page-table entries the restore rewrites and re-validates. Every restore must either
 * produce a domain whose memory audit is clean and that runs without a hypervisor error, or fail
 * with ControlError BAD_SNAPSHOT — nothing else — and a failure must leave the host exactly as it
 * was: free frames, domains, the control domain's ports and the xenstore node count.
 */
import { describe, expect, it } from 'vitest';
import { ControlError } from '../../src/control/control-error';
import { auditMemory } from '../../src/mm/audit';
import { decodeSnapshot, encodeSnapshot } from '../../src/snapshot/stream';
import { capture, node, PROMPT, runUntil, XENOLITE, type Node } from './helpers';

const SEED = Number(process.env.XEN_FUZZ_SEED ?? 5);
const CASES = Number(process.env.XEN_FUZZ_ITERATIONS ?? 160);

function prng(seed: number): (n: number) => number {
  let s = seed >>> 0 || 1;
  return (n) => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) % n;
  };
}

async function validSnapshot(): Promise<Uint8Array> {
  const n = node(64);
  const { domid } = n.ctl.create({ name: 'victim', image: XENOLITE, memoryMiB: 16 });
  const out = capture(n, domid);
  n.ctl.unpause(domid);
  expect(await runUntil(n, () => out().includes(PROMPT))).toBe(true);
  return n.ctl.save(domid);
}

/** Offsets of interesting bytes in MEMR: page record headers and the entries of page tables. */
function memrTargets(p: Uint8Array): number[] {
  const dv = new DataView(p.buffer, p.byteOffset, p.byteLength);
  const out: number[] = [];
  let at = 4;
  for (let i = dv.getUint32(0, true); i > 0; i--) {
    for (let k = 0; k < 14; k++) out.push(at + k);
    const flags = p[at + 5];
    at += 14;
    if (flags & 4) continue;
    if (flags & 2) for (let e = 0; e < 512; e += 37) out.push(at + e * 8 + 1, at + e * 8 + 3, at + e * 8 + 7);
    at += 4096;
  }
  for (; at < p.length; at++) out.push(at);
  return out;
}

type Footprint = { free: number; domains: number; ports: number; nodes: number };
function footprint(n: Node): Footprint {
  return {
    free: n.host.sys.host.allocator.freeFrames,
    domains: n.host.domains.size,
    ports: [...n.host.sys.events.table(0)!.usedPorts()].length,
    nodes: n.host.xenstore!.server.store.size,
  };
}

function mutateSection(bytes: Uint8Array, rnd: (n: number) => number): Uint8Array {
  const sections = decodeSnapshot(bytes);
  const tags = [...sections.keys()];
  const tag = tags[rnd(tags.length)];
  const payload = sections.get(tag)!.slice();
  const kind = rnd(4);
  let out = payload;
  if (kind === 0) {
    out = payload.subarray(0, rnd(payload.length + 1));
  } else {
    const targets = tag === 'MEMR' ? memrTargets(payload) : [];
    for (let i = 0, n = 1 + rnd(kind === 3 ? 8 : 2); i < n; i++) {
      const at =
        targets.length > 0 && rnd(4) !== 0
          ? targets[rnd(targets.length)]
          : rnd(Math.min(payload.length, 512));
      if (at >= payload.length) continue;
      if (kind === 1) payload[at] ^= 1 << rnd(8);
      else payload[at] = rnd(256);
    }
  }
  return encodeSnapshot(tags.map((t) => ({ tag: t, payload: t === tag ? out : sections.get(t)! })));
}

describe('restore of damaged snapshots', () => {
  it(`refuses or validates every mutant (seed ${SEED}, ${CASES} cases)`, async () => {
    const good = await validSnapshot();
    const n = node(64);
    const rnd = prng(SEED);
    const before = footprint(n);
    const stats = { refused: 0, restored: 0, raw: 0 };
    for (let i = 0; i < CASES; i++) {
      let bytes: Uint8Array;
      if (i % 8 === 0) {
        bytes = good.subarray(0, rnd(good.length));
        stats.raw++;
      } else if (i % 8 === 1) {
        bytes = good.slice();
        bytes[rnd(bytes.length)] ^= 1 << rnd(8);
        stats.raw++;
      } else bytes = mutateSection(good, rnd);
      let domid: number | undefined;
      try {
        domid = n.ctl.restore(bytes, { paused: false }).domid;
      } catch (e) {
        if (!(e instanceof ControlError) || e.code !== 'BAD_SNAPSHOT')
          throw new Error(`case ${i}: ${String(e)}`);
        stats.refused++;
        expect(footprint(n), `case ${i}: ${e.message}`).toEqual(before);
        continue;
      }
      stats.restored++;
      expect(
        auditMemory(n.host.sys.host, n.host.sys.allDomains, n.host.heldReferences()),
        `case ${i}`,
      ).toEqual([]);
      for (let k = 0; k < 4; k++) n.host.run(500_000);
      n.ctl.service();
      expect(
        n.host.logLines.filter((l) => l.includes('internal error')),
        `case ${i}`,
      ).toEqual([]);
      expect(
        auditMemory(n.host.sys.host, n.host.sys.allDomains, n.host.heldReferences()),
        `case ${i}`,
      ).toEqual([]);
      n.ctl.destroy(domid);
      expect(footprint(n), `case ${i}`).toEqual(before);
    }
    // Both outcomes must actually occur, or the fuzz is not exercising anything.
    expect(stats.refused).toBeGreaterThan(CASES / 4);
    expect(stats.restored).toBeGreaterThan(0);
    if (process.env.XEN_FUZZ_VERBOSE) console.log(stats);
  }, 300_000);
});
