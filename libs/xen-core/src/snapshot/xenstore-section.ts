/**
 * The xenstore section: the domain's subtree (/local/domain/<id>, every node with its value,
 * permissions and child order), the watches the guest registered on its ring, and the ring's
 * in-flight state (a half-read request, replies not yet written). On restore the subtree is
 * rebased to the new domid — paths, and permission entries naming the old domid — and the keys the
 * toolstack owns that name host resources are rewritten (domid, name, the ring-refs, which are
 * mfns). Open transactions are not carried: their commit fails with ENOENT, which guests retry.
 *
 * Layout: u16 old domid, u32 nodes × {str relative path ("" = home), bytes value, u8 perms ×
 * {u16 domid, u8 perm}}, u32 watches × {str path, str token, bool relative}, bytes pending input,
 * bytes pending output, bool broken. Nodes are in pre-order, so parents come first.
 */
import type { XenstoreClient } from '../xenstore/client';
import { domainPath, isValidPath } from '../xenstore/paths';
import type { XsPerm } from '../xenstore/permissions';
import type { RingPending } from '../xenstore/ring';
import type { XenstoreService } from '../xenstore/service';
import type { XsWatch } from '../xenstore/watches';
import { XENSTORE_PAYLOAD_MAX } from '../xenstore/wire';
import { FieldReader, FieldWriter, SnapshotError } from './codec';

/** Bounds a hostile section (C xenstored's per-domain node quota is 1000, watches 128). */
const MAX_NODES = 10_000;
const MAX_WATCHES = 1024;
const MAX_PERMS = 64;
const MAX_PENDING = 1 << 20;

export interface SavedNode {
  rel: string;
  value: Uint8Array;
  perms: XsPerm[];
}

export interface SavedStore {
  oldDomid: number;
  nodes: SavedNode[];
  watches: XsWatch[];
  pending: RingPending;
}

export function captureStore(xs: XenstoreService, domid: number): SavedStore {
  const home = domainPath(domid);
  const store = xs.server.store;
  const nodes: SavedNode[] = [];
  const walk = (path: string): void => {
    const n = store.read(path);
    if (!n) return;
    nodes.push({
      rel: path.slice(home.length),
      value: n.value.slice(),
      perms: n.perms.map((p) => ({ ...p })),
    });
    for (const c of n.children) walk(`${path}/${c}`);
  };
  walk(home);
  const conn = xs.server.domains.get(domid)?.conn;
  const ring = xs.ring(domid);
  return {
    oldDomid: domid,
    nodes,
    watches: (conn?.watches ?? []).map((w) => ({ ...w })),
    pending: ring
      ? ring.exportPending()
      : { input: new Uint8Array(), output: new Uint8Array(), broken: false },
  };
}

export function writeStore(w: FieldWriter, s: SavedStore): void {
  w.u16(s.oldDomid);
  w.u32(s.nodes.length);
  for (const n of s.nodes) {
    w.str(n.rel);
    w.bytes(n.value);
    w.u8(n.perms.length);
    for (const p of n.perms) {
      w.u16(p.domid);
      w.u8(p.perm);
    }
  }
  w.u32(s.watches.length);
  for (const x of s.watches) {
    w.str(x.path);
    w.str(x.token);
    w.bool(x.relative);
  }
  w.bytes(s.pending.input);
  w.bytes(s.pending.output);
  w.bool(s.pending.broken);
}

export function readStore(r: FieldReader): SavedStore {
  const oldDomid = r.u16();
  const home = domainPath(oldDomid);
  const nodes: SavedNode[] = [];
  const seen = new Set<string>();
  const nNodes = r.u32In('xenstore nodes', 0, MAX_NODES);
  for (let i = 0; i < nNodes; i++) {
    const rel = r.str(4096);
    const path = home + rel;
    if ((rel !== '' && !rel.startsWith('/')) || !isValidPath(path) || seen.has(rel))
      throw new SnapshotError(`xenstore: bad node path ${JSON.stringify(rel)}`);
    const parent = rel === '' ? undefined : rel.slice(0, rel.lastIndexOf('/'));
    if (parent !== undefined && !seen.has(parent))
      throw new SnapshotError(`xenstore: ${JSON.stringify(rel)} comes before its parent`);
    if (i === 0 && rel !== '') throw new SnapshotError('xenstore: the subtree does not start at the home');
    seen.add(rel);
    const value = r.bytes(XENSTORE_PAYLOAD_MAX);
    const np = r.u8();
    if (np === 0 || np > MAX_PERMS) throw new SnapshotError(`xenstore: ${path} has ${np} permissions`);
    const perms: XsPerm[] = [];
    for (let k = 0; k < np; k++) {
      const domid = r.u16();
      const perm = r.u8();
      if (perm > 3) throw new SnapshotError(`xenstore: ${path} has permission ${perm}`);
      perms.push({ domid, perm });
    }
    nodes.push({ rel, value, perms });
  }
  const watches: XsWatch[] = [];
  const nWatches = r.u32In('xenstore watches', 0, MAX_WATCHES);
  for (let i = 0; i < nWatches; i++)
    watches.push({ path: r.str(4096), token: r.str(4096), relative: r.bool() });
  const input = r.bytes(MAX_PENDING);
  const output = r.bytes(MAX_PENDING);
  const broken = r.bool();
  r.end();
  return { oldDomid, nodes, watches, pending: { input, output, broken } };
}

/** Keys of the home the toolstack (re)writes on restore, with what they now hold. */
export interface StoreOverrides {
  name: string;
  consoleRingRef?: number;
  storeRingRef?: number;
}

/** Write the rebased subtree for `domid` (replacing whatever was there) and the toolstack's keys. */
export function loadStore(client: XenstoreClient, domid: number, s: SavedStore, o: StoreOverrides): void {
  const home = domainPath(domid);
  const rebase = (p: XsPerm): XsPerm => ({ domid: p.domid === s.oldDomid ? domid : p.domid, perm: p.perm });
  const ro: Array<string | XsPerm> = ['n0', `r${domid}`];
  client.transaction((tx) => {
    client.rm(home, tx);
    for (const n of s.nodes) {
      client.write(home + n.rel, n.value, tx);
      client.setPerms(home + n.rel, n.perms.map(rebase), tx);
    }
    const put = (rel: string, value: string): void => {
      const existed = s.nodes.some((n) => n.rel === rel);
      client.write(home + rel, value, tx);
      if (!existed) client.setPerms(home + rel, ro, tx);
    };
    if (s.nodes.length === 0) client.setPerms(home, ro, tx);
    put('/domid', String(domid));
    put('/name', o.name);
    if (o.consoleRingRef !== undefined) put('/console/ring-ref', String(o.consoleRingRef));
    if (o.storeRingRef !== undefined) put('/store/ring-ref', String(o.storeRingRef));
  });
}

/**
 * The guest's watches, rebased: a path under the old home moves with it (watch paths are kept
 * canonical; `relative` only says the events are reported relative to the home).
 */
export function rebasedWatches(s: SavedStore, domid: number): XsWatch[] {
  const oldHome = domainPath(s.oldDomid);
  return s.watches.map((x) => ({
    ...x,
    path:
      x.path === oldHome || x.path.startsWith(`${oldHome}/`)
        ? domainPath(domid) + x.path.slice(oldHome.length)
        : x.path,
  }));
}
