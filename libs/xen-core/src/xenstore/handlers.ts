import type { XsConnection } from './connection';
import * as Ops from './node-ops';
import { fail, isFail, OpContext, XsFail } from './node-ops';
import { canonicalize, domainPath, INTRODUCE_DOMAIN, isValidPath } from './paths';
import { formatPerm, parsePerm, XsPerm } from './permissions';
import type { XenstoreServer } from './server';
import { Transaction } from './transaction';
import * as W from './wire';

type Reply = Uint8Array | XsFail;
type Handler = (s: XenstoreServer, c: XsConnection, msg: W.XsMessage, tx: Transaction | undefined) => Reply;

const OK = W.nulStrings('OK');
const DOMID_FIRST_RESERVED = 0x7ff0;

/** onearg(): exactly one NUL-terminated string filling the payload. */
function oneArg(p: Uint8Array): string | undefined {
  const { strings, rest } = W.splitStrings(p);
  return strings.length === 1 && rest.length === 0 ? strings[0] : undefined;
}

/** get_strings() == n: exactly `n` NUL-terminated strings. */
function args(p: Uint8Array, n: number): string[] | undefined {
  const { strings, rest } = W.splitStrings(p);
  return strings.length === n && rest.length === 0 ? strings : undefined;
}

const parseDomid = (s: string): number | undefined =>
  /^[0-9]{1,5}$/.test(s) && Number(s) < DOMID_FIRST_RESERVED ? Number(s) : undefined;

function opContext(s: XenstoreServer, c: XsConnection, tx: Transaction | undefined): OpContext {
  return { acc: tx ?? s.store, who: c, quotas: s.quotas, events: tx ? tx.events : [] };
}

/** Run a node operation: fire its watch events now (outside a transaction) or keep them for the commit. */
function run<T>(
  s: XenstoreServer,
  c: XsConnection,
  tx: Transaction | undefined,
  op: (ctx: OpContext) => T,
): T | XsFail {
  const ctx = opContext(s, c, tx);
  const r = op(ctx);
  if (tx?.overflow) return fail('ENOSPC');
  if (!tx && !isFail(r)) s.fireWatches(ctx.events);
  return r;
}

const withPath =
  (body: (s: XenstoreServer, c: XsConnection, tx: Transaction | undefined, path: string) => Reply): Handler =>
  (s, c, msg, tx) => {
    const p = oneArg(msg.payload);
    return p === undefined ? fail('EINVAL') : body(s, c, tx, canonicalize(c.domid, p));
  };

const ack = (r: XsFail | undefined): Reply => r ?? OK;

const privilegedOnly =
  (h: Handler): Handler =>
  (s, c, msg, tx) =>
    c.privileged ? h(s, c, msg, tx) : fail('EACCES');

function watch(s: XenstoreServer, c: XsConnection, msg: W.XsMessage): Reply {
  const a = args(msg.payload, 2);
  if (!a) return fail('EINVAL');
  const [raw, token] = a;
  const path = canonicalize(c.domid, raw);
  if (!isValidPath(path, true)) return fail('EINVAL');
  if (c.watches.some((w) => w.path === path && w.token === token)) return fail('EEXIST');
  if (!c.privileged && c.watches.length >= s.quotas.maxWatches) return fail('EQUOTA');
  const w = { path, token, relative: !raw.startsWith('/') && !raw.startsWith('@') };
  c.watches.push(w);
  // A new watch fires once up front, right after the "OK".
  s.afterReply(() => s.sendEvent(c, w.relative ? raw : path, token));
  return OK;
}

function unwatch(_s: XenstoreServer, c: XsConnection, msg: W.XsMessage): Reply {
  const a = args(msg.payload, 2);
  if (!a) return fail('EINVAL');
  const path = canonicalize(c.domid, a[0]);
  const i = c.watches.findIndex((w) => w.path === path && w.token === a[1]);
  if (i < 0) return fail('ENOENT');
  c.watches.splice(i, 1);
  return OK;
}

function transactionStart(s: XenstoreServer, c: XsConnection, msg: W.XsMessage): Reply {
  if (msg.txId !== 0) return fail('EBUSY');
  if (!c.privileged && c.transactions.size >= s.quotas.maxTransactions) return fail('EQUOTA');
  const id = s.allocTxId();
  c.transactions.set(id, new Transaction(id, s.store, s.quotas.maxTransactionNodes));
  return W.nulStrings(String(id));
}

function transactionEnd(
  s: XenstoreServer,
  c: XsConnection,
  msg: W.XsMessage,
  tx: Transaction | undefined,
): Reply {
  const arg = oneArg(msg.payload);
  if (arg !== 'T' && arg !== 'F') return fail('EINVAL');
  if (!tx) return fail('ENOENT');
  c.transactions.delete(tx.id);
  if (arg === 'F') return OK;
  if (tx.overflow) return fail('ENOSPC');
  if (tx.commit() === 'conflict') return fail('EAGAIN');
  s.fireWatches(tx.events);
  return OK;
}

function introduce(s: XenstoreServer, _c: XsConnection, msg: W.XsMessage): Reply {
  const { strings } = W.splitStrings(msg.payload);
  if (strings.length < 3) return fail('EINVAL');
  const domid = parseDomid(strings[0]);
  const port = /^[0-9]{1,10}$/.test(strings[2]) ? Number(strings[2]) : 0;
  if (domid === undefined || !/^[0-9]{1,20}$/.test(strings[1]) || port <= 0 || port > 0xffffffff)
    return fail('EINVAL');
  const mfn = BigInt(strings[1]);
  const known = s.domains.get(domid);
  if (known && known.mfn !== mfn) return fail('EINVAL');
  // Introducing a known domain again re-creates its event channel (and resets the connection).
  if (known) s.detachDomain(domid);
  const conn = s.introducer
    ? s.introducer.introduce(s, domid, mfn, port)
    : s.connect(domid, false, () => undefined);
  if (typeof conn === 'string') return fail(conn);
  s.domains.set(domid, { domid, mfn, port, conn });
  if (!known) s.fireSpecial(INTRODUCE_DOMAIN);
  return OK;
}

function release(s: XenstoreServer, _c: XsConnection, msg: W.XsMessage): Reply {
  const d = parseDomid(oneArg(msg.payload) ?? '');
  if (d === undefined) return fail('EINVAL');
  return s.releaseDomain(d) ? OK : fail('ENOENT');
}

function write(s: XenstoreServer, c: XsConnection, msg: W.XsMessage, tx: Transaction | undefined): Reply {
  const nul = msg.payload.indexOf(0);
  if (nul < 0) return fail('EINVAL');
  const path = canonicalize(c.domid, W.payloadText(msg.payload.subarray(0, nul)));
  const value = msg.payload.slice(nul + 1);
  return ack(run(s, c, tx, (ctx) => Ops.writeNode(ctx, path, value)));
}

function setPerms(s: XenstoreServer, c: XsConnection, msg: W.XsMessage, tx: Transaction | undefined): Reply {
  const { strings, rest } = W.splitStrings(msg.payload);
  if (strings.length < 2 || rest.length !== 0) return fail('EINVAL');
  const perms: XsPerm[] = [];
  for (const p of strings.slice(1)) {
    const perm = parsePerm(p);
    if (!perm) return fail('EINVAL');
    perms.push(perm);
  }
  const path = canonicalize(c.domid, strings[0]);
  return ack(run(s, c, tx, (ctx) => Ops.setPerms(ctx, path, perms)));
}

/** XS_DIRECTORY_PART: `path\0offset\0` → `gen\0` + a slice of the child list (`\0` at its end). */
function directoryPart(
  s: XenstoreServer,
  c: XsConnection,
  msg: W.XsMessage,
  tx: Transaction | undefined,
): Reply {
  const a = args(msg.payload, 2);
  if (!a || !/^[0-9]{1,10}$/.test(a[1])) return fail('EINVAL');
  const path = canonicalize(c.domid, a[0]);
  const n = run(s, c, tx, (ctx) => Ops.lookup(ctx, path, 1));
  if (isFail(n)) return n;
  const all = W.nulStrings(...n.children);
  const off = Number(a[1]);
  const gen = W.nulStrings(String(n.gen));
  if (off >= all.length) return W.pathAndValue(String(n.gen), W.nulStrings(''));
  const max = W.XENSTORE_PAYLOAD_MAX - gen.length - 1;
  let len = 0;
  while (off + len < all.length) {
    const end = all.indexOf(0, off + len);
    if (len + (end - (off + len)) >= max) break;
    len = end + 1 - off;
  }
  const last = off + len === all.length;
  const out = new Uint8Array(gen.length + len + (last ? 1 : 0));
  out.set(gen);
  out.set(all.subarray(off, off + len), gen.length);
  return out;
}

const HANDLERS: Readonly<Record<number, Handler>> = {
  [W.XS_DIRECTORY]: withPath((s, c, tx, p) => {
    const r = run(s, c, tx, (ctx) => Ops.directory(ctx, p));
    return isFail(r) ? r : W.nulStrings(...r);
  }),
  [W.XS_READ]: withPath((s, c, tx, p) => run(s, c, tx, (ctx) => Ops.readNode(ctx, p))),
  [W.XS_GET_PERMS]: withPath((s, c, tx, p) => {
    const r = run(s, c, tx, (ctx) => Ops.getPerms(ctx, p));
    return isFail(r) ? r : W.nulStrings(...r.map(formatPerm));
  }),
  [W.XS_WATCH]: watch,
  [W.XS_UNWATCH]: unwatch,
  [W.XS_TRANSACTION_START]: transactionStart,
  [W.XS_TRANSACTION_END]: transactionEnd,
  [W.XS_INTRODUCE]: privilegedOnly(introduce),
  [W.XS_RELEASE]: privilegedOnly(release),
  [W.XS_GET_DOMAIN_PATH]: (_s, _c, msg) => {
    const d = parseDomid(oneArg(msg.payload) ?? '');
    return d === undefined ? fail('EINVAL') : W.nulStrings(domainPath(d));
  },
  [W.XS_WRITE]: write,
  [W.XS_MKDIR]: withPath((s, c, tx, p) => ack(run(s, c, tx, (ctx) => Ops.mkdir(ctx, p)))),
  [W.XS_RM]: withPath((s, c, tx, p) => ack(run(s, c, tx, (ctx) => Ops.rm(ctx, p)))),
  [W.XS_SET_PERMS]: setPerms,
  [W.XS_IS_DOMAIN_INTRODUCED]: privilegedOnly((s, _c, msg) => {
    const d = parseDomid(oneArg(msg.payload) ?? '');
    if (d === undefined) return fail('EINVAL');
    return W.nulStrings(s.domains.has(d) ? 'T' : 'F');
  }),
  [W.XS_RESUME]: privilegedOnly((s, _c, msg) => {
    const d = parseDomid(oneArg(msg.payload) ?? '');
    if (d === undefined) return fail('EINVAL');
    return s.domains.has(d) ? OK : fail('ENOENT');
  }),
  [W.XS_SET_TARGET]: privilegedOnly((s, _c, msg) => {
    const a = args(msg.payload, 2);
    const d = parseDomid(a?.[0] ?? '');
    const t = parseDomid(a?.[1] ?? '');
    if (d === undefined || t === undefined) return fail('EINVAL');
    const dom = s.domains.get(d);
    if (!dom) return fail('ENOENT');
    dom.conn.target = t;
    return OK;
  }),
  [W.XS_RESET_WATCHES]: (_s, c) => {
    c.watches.length = 0;
    c.transactions.clear();
    return OK;
  },
  [W.XS_DIRECTORY_PART]: directoryPart,
};

/** Transactions are looked up for these types only (xenstored's XS_FLAG_NOTID for the rest). */
const USES_TX = new Set([
  W.XS_DIRECTORY,
  W.XS_READ,
  W.XS_GET_PERMS,
  W.XS_TRANSACTION_END,
  W.XS_WRITE,
  W.XS_MKDIR,
  W.XS_RM,
  W.XS_SET_PERMS,
  W.XS_DIRECTORY_PART,
]);

/** Route one request. Unknown and server-only types (WATCH_EVENT, ERROR, …) answer ENOSYS. */
export function dispatch(s: XenstoreServer, c: XsConnection, msg: W.XsMessage): Reply {
  const h = HANDLERS[msg.type];
  if (!h) return fail('ENOSYS');
  let tx: Transaction | undefined;
  if (USES_TX.has(msg.type) && msg.txId !== 0) {
    tx = c.transactions.get(msg.txId);
    if (!tx) return fail('ENOENT');
  }
  return h(s, c, msg, tx);
}
