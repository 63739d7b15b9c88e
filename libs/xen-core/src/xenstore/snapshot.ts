import { XenCoreError } from '../errors';
import { childPath, isValidPath, SPECIAL_PATHS } from './paths';
import type { XsPerm } from './permissions';
import type { XenstoreServer } from './server';
import type { NodeInit } from './store';
import type { XsWatch } from './watches';

/**
 * Store snapshots: every node (value, permissions, child order), the generation counter, and the
 * introduced domains with their watches. Open transactions and the control domain's in-process
 * watches are not carried (their callbacks are code); transactions simply fail over a restore.
 *
 * Layout (little-endian): "XSSNAP01", u32 version, f64 generation, u32 nodes × {str path,
 * bytes value, u16 nperms × {u16 domid, u8 perm}, u32 nchildren × str}, u32 domains × {u16 domid,
 * str mfn, u32 port, i32 target, u32 nwatches × {str path, str token, u8 relative}}.
 * str = u32 length + latin1 bytes; bytes = u32 length + bytes.
 */
const MAGIC = 'XSSNAP01';
const VERSION = 1;

export class SnapshotError extends XenCoreError {
  constructor(message: string) {
    super('BAD_SNAPSHOT', message);
  }
}

class Writer {
  private readonly parts: Uint8Array[] = [];
  u8(v: number): void {
    this.parts.push(Uint8Array.of(v));
  }
  u16(v: number): void {
    const b = new Uint8Array(2);
    new DataView(b.buffer).setUint16(0, v, true);
    this.parts.push(b);
  }
  u32(v: number): void {
    const b = new Uint8Array(4);
    new DataView(b.buffer).setUint32(0, v >>> 0, true);
    this.parts.push(b);
  }
  i32(v: number): void {
    this.u32(v >>> 0);
  }
  f64(v: number): void {
    const b = new Uint8Array(8);
    new DataView(b.buffer).setFloat64(0, v, true);
    this.parts.push(b);
  }
  bytes(b: Uint8Array): void {
    this.u32(b.length);
    this.parts.push(b.slice());
  }
  str(s: string): void {
    this.bytes(Uint8Array.from(Buffer.from(s, 'latin1')));
  }
  done(): Uint8Array {
    return Uint8Array.from(Buffer.concat(this.parts));
  }
}

class Reader {
  private at = 0;
  private readonly dv: DataView;
  constructor(private readonly b: Uint8Array) {
    this.dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  }
  private need(n: number): number {
    if (this.at + n > this.b.length) throw new SnapshotError(`truncated at byte ${this.at}`);
    const a = this.at;
    this.at += n;
    return a;
  }
  u8(): number {
    return this.dv.getUint8(this.need(1));
  }
  u16(): number {
    return this.dv.getUint16(this.need(2), true);
  }
  u32(): number {
    return this.dv.getUint32(this.need(4), true);
  }
  i32(): number {
    return this.dv.getInt32(this.need(4), true);
  }
  f64(): number {
    return this.dv.getFloat64(this.need(8), true);
  }
  bytes(): Uint8Array {
    const n = this.u32();
    const a = this.need(n);
    return this.b.slice(a, a + n);
  }
  str(): string {
    return Buffer.from(this.bytes()).toString('latin1');
  }
  count(max: number): number {
    const n = this.u32();
    if (n > max) throw new SnapshotError(`count ${n} exceeds the remaining ${max} bytes`);
    return n;
  }
  get left(): number {
    return this.b.length - this.at;
  }
}

export function snapshotStore(server: XenstoreServer): Uint8Array {
  const w = new Writer();
  w.str(MAGIC);
  w.u32(VERSION);
  w.f64(server.store.gen);
  const nodes = [...server.store.entries()];
  w.u32(nodes.length);
  for (const [path, n] of nodes) {
    w.str(path);
    w.bytes(n.value);
    w.u16(n.perms.length);
    for (const p of n.perms) {
      w.u16(p.domid);
      w.u8(p.perm);
    }
    w.u32(n.children.length);
    for (const c of n.children) w.str(c);
  }
  const domains = [...server.domains.values()];
  w.u32(domains.length);
  for (const d of domains) {
    w.u16(d.domid);
    w.str(d.mfn.toString());
    w.u32(d.port);
    w.i32(d.conn.target ?? -1);
    w.u32(d.conn.watches.length);
    for (const x of d.conn.watches) {
      w.str(x.path);
      w.str(x.token);
      w.u8(x.relative ? 1 : 0);
    }
  }
  return w.done();
}

function checkTree(nodes: Map<string, NodeInit>): void {
  if (!nodes.has('/')) throw new SnapshotError('no root node');
  let reachable = 0;
  const walk = (path: string, depth: number): void => {
    if (depth > 1024) throw new SnapshotError('tree too deep');
    reachable++;
    for (const c of nodes.get(path)!.children) {
      const cp = childPath(path, c);
      if (!nodes.has(cp)) throw new SnapshotError(`${path} lists missing child ${c}`);
      walk(cp, depth + 1);
    }
  };
  walk('/', 0);
  const specials = [...nodes.keys()].filter((p) => p.startsWith('@')).length;
  if (reachable + specials !== nodes.size) throw new SnapshotError('nodes not reachable from the root');
  for (const s of SPECIAL_PATHS) if (!nodes.has(s)) throw new SnapshotError(`missing ${s}`);
}

/**
 * Replace `server`'s content with a snapshot: the store, then each domain re-introduced through
 * the server's introducer (rings re-attached) with its watches; domains the server had are detached
 * first (no watch fires). Domains the introducer refuses (gone meanwhile) are skipped. Throws
 * SnapshotError, leaving the server untouched, if the bytes are not a valid snapshot.
 */
export function restoreStore(server: XenstoreServer, bytes: Uint8Array): void {
  const r = new Reader(bytes);
  if (r.str() !== MAGIC || r.u32() !== VERSION) throw new SnapshotError('not a xenstore snapshot');
  const gen = r.f64();
  if (!Number.isSafeInteger(gen) || gen < 0) throw new SnapshotError('bad generation');
  const nodes = new Map<string, NodeInit>();
  for (let i = r.count(r.left); i > 0; i--) {
    const path = r.str();
    if (!isValidPath(path, true) || nodes.has(path)) throw new SnapshotError(`bad node path ${path}`);
    const value = r.bytes();
    const perms: XsPerm[] = [];
    for (let n = r.u16(); n > 0; n--) perms.push({ domid: r.u16(), perm: r.u8() & 3 });
    if (perms.length === 0) throw new SnapshotError(`${path} has no permissions`);
    const children: string[] = [];
    for (let n = r.count(r.left); n > 0; n--) children.push(r.str());
    nodes.set(path, { value, perms, children });
  }
  checkTree(nodes);
  const domains: Array<{ domid: number; mfn: bigint; port: number; target: number; watches: XsWatch[] }> = [];
  for (let i = r.count(r.left); i > 0; i--) {
    const domid = r.u16();
    const mfnText = r.str();
    if (!/^[0-9]{1,20}$/.test(mfnText)) throw new SnapshotError('bad mfn');
    const port = r.u32();
    const target = r.i32();
    const watches: XsWatch[] = [];
    for (let n = r.count(r.left); n > 0; n--)
      watches.push({ path: r.str(), token: r.str(), relative: r.u8() !== 0 });
    domains.push({ domid, mfn: BigInt(mfnText), port, target, watches });
  }
  if (r.left !== 0) throw new SnapshotError(`${r.left} trailing bytes`);

  for (const d of [...server.domains.keys()]) server.detachDomain(d);
  for (const c of server.connections) c.transactions.clear();
  server.store.load(nodes, gen);
  for (const d of domains) {
    const conn = server.introducer
      ? server.introducer.introduce(server, d.domid, d.mfn, d.port)
      : server.connect(d.domid, false, () => undefined);
    if (typeof conn === 'string') continue;
    conn.watches.push(...d.watches);
    if (d.target >= 0) conn.target = d.target;
    server.domains.set(d.domid, { domid: d.domid, mfn: d.mfn, port: d.port, conn });
  }
}
