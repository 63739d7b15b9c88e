import { baseName, childPath, isValidPath, parentOf } from './paths';
import { permFor, XS_PERM_OWNER, XS_PERM_READ, XS_PERM_WRITE, XsPerm, XsPrincipal } from './permissions';
import type { NodeAccess, NodeRec } from './store';
import type { WatchEvent } from './watches';
import type { XsErrorName } from './wire';

/** A failed operation: the XS_ERROR name to send. */
export interface XsFail {
  readonly err: XsErrorName;
}
export const fail = (err: XsErrorName): XsFail => ({ err });
export const isFail = (v: unknown): v is XsFail => typeof v === 'object' && v !== null && 'err' in v;

/** The per-domain limits an unprivileged connection is held to (xenstored's quota_*). */
export interface XsQuotas {
  /** Nodes a domain may own. */
  maxEntries: number;
  /** Bytes in one node value. */
  maxEntrySize: number;
  /** Watches per connection. */
  maxWatches: number;
  /** Open transactions per connection. */
  maxTransactions: number;
  /** Permission entries per node. */
  maxPerms: number;
  /** Nodes one transaction may touch. */
  maxTransactionNodes: number;
}

/** C xenstored's defaults. */
export const DEFAULT_QUOTAS: XsQuotas = {
  maxEntries: 1000,
  maxEntrySize: 2048,
  maxWatches: 128,
  maxTransactions: 10,
  maxPerms: 5,
  maxTransactionNodes: 1024,
};

/** Everything an operation needs. Events go to `events` (fired now, or at commit). */
export interface OpContext {
  acc: NodeAccess;
  who: XsPrincipal;
  quotas: XsQuotas;
  events: WatchEvent[];
}

/**
 * get_node() + errno_from_parents(): the node if `who` has `want` on it; EACCES if it exists
 * without; for a missing node ENOENT only if `who` has `want` on the nearest existing ancestor
 * (a domain cannot probe what it may not see).
 */
export function lookup(c: OpContext, path: string, want: number, allowSpecial = false): NodeRec | XsFail {
  if (!isValidPath(path, allowSpecial)) return fail('EINVAL');
  const n = c.acc.read(path);
  if (n) return (permFor(c.who, n.perms) & want) === want ? n : fail('EACCES');
  if (path.startsWith('@')) return fail('ENOENT');
  let p = path;
  let a: NodeRec | undefined;
  do {
    p = parentOf(p);
    a = c.acc.read(p);
  } while (!a && p !== '/');
  return a && (permFor(c.who, a.perms) & want) === want ? fail('ENOENT') : fail('EACCES');
}

/** construct_node(): create `path` and any missing ancestors, inheriting the parent's permissions. */
function create(c: OpContext, path: string, value: Uint8Array): XsFail | undefined {
  const missing: string[] = [];
  let p = path;
  while (!c.acc.read(p)) {
    missing.push(p);
    p = parentOf(p);
  }
  const parent = c.acc.read(p)!;
  const perms: XsPerm[] = parent.perms.map((x) => ({ ...x }));
  if (!c.who.privileged) {
    perms[0] = { domid: c.who.domid, perm: perms[0].perm };
    if (c.acc.ownedBy(c.who.domid) + missing.length > c.quotas.maxEntries) return fail('EQUOTA');
  }
  let parentPath = p;
  let parentRec = parent;
  for (let i = missing.length - 1; i >= 0; i--) {
    const node = missing[i];
    c.acc.put(parentPath, { ...parentRec, children: [...parentRec.children, baseName(node)] });
    const rec = { value: i === 0 ? value : new Uint8Array(0), perms, children: [] };
    c.acc.put(node, rec);
    parentPath = node;
    parentRec = c.acc.read(node)!;
  }
  c.events.push({ path, exact: false, perms });
  return undefined;
}

export function readNode(c: OpContext, path: string): Uint8Array | XsFail {
  const n = lookup(c, path, XS_PERM_READ);
  return isFail(n) ? n : n.value;
}

export function directory(c: OpContext, path: string): readonly string[] | XsFail {
  const n = lookup(c, path, XS_PERM_READ);
  return isFail(n) ? n : n.children;
}

export function writeNode(c: OpContext, path: string, value: Uint8Array): XsFail | undefined {
  if (!c.who.privileged && value.length > c.quotas.maxEntrySize) return fail('E2BIG');
  const n = lookup(c, path, XS_PERM_WRITE);
  if (isFail(n)) return n.err === 'ENOENT' ? create(c, path, value) : n;
  c.acc.put(path, { ...n, value });
  c.events.push({ path, exact: false, perms: n.perms });
  return undefined;
}

export function mkdir(c: OpContext, path: string): XsFail | undefined {
  const n = lookup(c, path, XS_PERM_WRITE);
  if (!isFail(n)) return undefined;
  return n.err === 'ENOENT' ? create(c, path, new Uint8Array(0)) : n;
}

/** do_rm(): remove a subtree. Removing a missing node is fine if its parent exists. */
export function rm(c: OpContext, path: string): XsFail | undefined {
  const n = lookup(c, path, XS_PERM_WRITE);
  if (isFail(n)) {
    if (n.err === 'ENOENT' && c.acc.read(parentOf(path))) return undefined;
    return n;
  }
  if (path === '/') return fail('EINVAL');
  const removeTree = (p: string, rec: NodeRec, exact: boolean): void => {
    for (const name of rec.children) {
      const cp = childPath(p, name);
      const child = c.acc.read(cp);
      if (child) removeTree(cp, child, true);
    }
    c.events.push({ path: p, exact, perms: rec.perms });
    c.acc.del(p);
  };
  removeTree(path, n, false);
  const parentPath = parentOf(path);
  const parent = c.acc.read(parentPath);
  if (parent) {
    const name = baseName(path);
    c.acc.put(parentPath, { ...parent, children: parent.children.filter((x) => x !== name) });
  }
  return undefined;
}

export function getPerms(c: OpContext, path: string): readonly XsPerm[] | XsFail {
  const n = lookup(c, path, XS_PERM_READ, true);
  return isFail(n) ? n : n.perms;
}

/** do_set_perms(): owner (or dom0) only; an unprivileged domain cannot give the node away. */
export function setPerms(c: OpContext, path: string, perms: XsPerm[]): XsFail | undefined {
  if (perms.length === 0) return fail('EINVAL');
  if (!c.who.privileged && perms.length > c.quotas.maxPerms) return fail('ENOSPC');
  const n = lookup(c, path, XS_PERM_WRITE | XS_PERM_OWNER, true);
  if (isFail(n)) return n;
  if (!c.who.privileged && perms[0].domid !== n.perms[0].domid) return fail('EPERM');
  c.acc.put(path, { ...n, perms });
  c.events.push({ path, exact: false, perms, oldPerms: n.perms });
  return undefined;
}
