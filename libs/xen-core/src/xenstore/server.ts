import { XsConnection, XsSink } from './connection';
import { dispatch } from './handlers';
import { DEFAULT_QUOTAS, fail, isFail, XsFail, XsQuotas } from './node-ops';
import { INTRODUCE_DOMAIN, parentOf, RELEASE_DOMAIN } from './paths';
import { permFor, XS_PERM_READ } from './permissions';
import { XsStore } from './store';
import { reportedPath, WatchEvent, watchMatches } from './watches';
import { nulStrings, XENSTORE_PAYLOAD_MAX, XS_ERROR, XS_WATCH_EVENT, XsErrorName, XsMessage } from './wire';

/** What the server asks of its host when dom0 introduces or releases a domain. */
export interface DomainIntroducer {
  /** Attach the domain's ring (`mfn`, remote `port`); return its connection or an error name. */
  introduce(server: XenstoreServer, domid: number, mfn: bigint, port: number): XsConnection | XsErrorName;
  /** Detach it (the server drops the connection afterwards). */
  release(server: XenstoreServer, domid: number): void;
}

export interface IntroducedDomain {
  domid: number;
  mfn: bigint;
  port: number;
  conn: XsConnection;
}

export interface XenstoreServerOptions {
  quotas?: Partial<XsQuotas>;
  introducer?: DomainIntroducer;
}

/** Counters (bounded work, nothing dropped silently). */
export interface XsStats {
  requests: number;
  errors: number;
  watchEvents: number;
  /** Exceptions caught while handling a request: always a bug, answered with EIO. */
  internalErrors: number;
}

/**
 * The xenstore daemon: the store, its connections (guest rings and in-process clients) and the
 * protocol. `handle()` answers every request with a reply or an XS_ERROR; it never throws.
 */
export class XenstoreServer {
  readonly store = new XsStore();
  readonly quotas: XsQuotas;
  readonly domains = new Map<number, IntroducedDomain>();
  readonly stats: XsStats = { requests: 0, errors: 0, watchEvents: 0, internalErrors: 0 };
  introducer: DomainIntroducer | undefined;
  private readonly conns = new Set<XsConnection>();
  private nextConnId = 1;
  private nextTxId = 1;
  private deferred: Array<() => void> = [];

  constructor(opts: XenstoreServerOptions = {}) {
    this.quotas = { ...DEFAULT_QUOTAS, ...opts.quotas };
    this.introducer = opts.introducer;
  }

  connect(domid: number, privileged: boolean, sink: XsSink): XsConnection {
    const c = new XsConnection(this.nextConnId++, domid, privileged, sink);
    this.conns.add(c);
    return c;
  }

  /** Drop a connection with its watches and open transactions. */
  disconnect(conn: XsConnection): void {
    conn.closed = true;
    conn.watches.length = 0;
    conn.transactions.clear();
    this.conns.delete(conn);
  }

  get connections(): readonly XsConnection[] {
    return [...this.conns];
  }

  allocTxId(): number {
    const id = this.nextTxId;
    this.nextTxId = this.nextTxId >= 0xfffffffe ? 1 : this.nextTxId + 1;
    return id;
  }

  /** Process one request from `conn`; the reply (or XS_ERROR) goes to its sink. */
  handle(conn: XsConnection, msg: XsMessage): void {
    if (conn.closed) return;
    this.stats.requests++;
    let reply: Uint8Array | XsFail;
    try {
      reply = dispatch(this, conn, msg);
    } catch {
      this.stats.internalErrors++;
      reply = fail('EIO');
    }
    if (!isFail(reply) && reply.length > XENSTORE_PAYLOAD_MAX) reply = fail('E2BIG');
    const after = this.deferred;
    this.deferred = [];
    if (isFail(reply)) {
      this.stats.errors++;
      conn.sink({ type: XS_ERROR, reqId: msg.reqId, txId: msg.txId, payload: nulStrings(reply.err) });
      return;
    }
    conn.sink({ type: msg.type, reqId: msg.reqId, txId: msg.txId, payload: reply });
    for (const f of after) f();
  }

  /** Run `f` once the current request's reply has been sent (XS_WATCH's initial event). */
  afterReply(f: () => void): void {
    this.deferred.push(f);
  }

  /** watch_permitted(): read access to the node (before or after), or to its parent. */
  private mayWatch(conn: XsConnection, ev: WatchEvent): boolean {
    if (conn.privileged) return true;
    if (ev.path.startsWith('@')) {
      const special = this.store.read(ev.path);
      return special !== undefined && (permFor(conn, special.perms) & XS_PERM_READ) !== 0;
    }
    if (permFor(conn, ev.perms) & XS_PERM_READ) return true;
    if (ev.oldPerms && permFor(conn, ev.oldPerms) & XS_PERM_READ) return true;
    const parent = this.store.read(parentOf(ev.path));
    return parent !== undefined && (permFor(conn, parent.perms) & XS_PERM_READ) !== 0;
  }

  /** fire_watches(): every matching watch of every connection allowed to see the change. */
  fireWatches(events: readonly WatchEvent[]): void {
    for (const ev of events) {
      for (const conn of [...this.conns]) {
        for (const w of conn.watches) {
          if (watchMatches(w, ev) && this.mayWatch(conn, ev))
            this.sendEvent(conn, reportedPath(w, ev.path, conn.domid), w.token);
        }
      }
    }
  }

  sendEvent(conn: XsConnection, path: string, token: string): void {
    this.stats.watchEvents++;
    conn.sink({ type: XS_WATCH_EVENT, reqId: 0, txId: 0, payload: nulStrings(path, token) });
  }

  /** Special-node events (XS_INTRODUCE / XS_RELEASE / domain death). */
  fireSpecial(which: typeof INTRODUCE_DOMAIN | typeof RELEASE_DOMAIN): void {
    const node = this.store.read(which);
    if (node) this.fireWatches([{ path: which, exact: true, perms: node.perms }]);
  }

  /** Detach an introduced domain's ring and drop its connection (no watch fires). */
  detachDomain(domid: number): boolean {
    const d = this.domains.get(domid);
    if (!d) return false;
    this.introducer?.release(this, domid);
    this.disconnect(d.conn);
    this.domains.delete(domid);
    return true;
  }

  /** XS_RELEASE / domain death: forget the domain; @releaseDomain fires. */
  releaseDomain(domid: number): boolean {
    if (!this.detachDomain(domid)) return false;
    this.fireSpecial(RELEASE_DOMAIN);
    return true;
  }
}
