import { XenCoreError } from '../errors';
import type { XsConnection } from './connection';
import { formatPerm, parsePerm, XsPerm } from './permissions';
import type { XenstoreServer } from './server';
import * as W from './wire';

/** An XS_ERROR answer (code = the error name, e.g. "ENOENT"). */
export class XenstoreError extends XenCoreError {
  constructor(
    readonly xsError: string,
    readonly op: string,
    readonly path?: string,
  ) {
    super(xsError, `xenstore ${op}${path === undefined ? '' : ` ${path}`}: ${xsError}`);
  }
}

export type WatchCallback = (path: string, token: string) => void;

/**
 * The control domain's in-process xenstore client: the same requests a ring client sends, answered
 * synchronously. Watch callbacks run after the request that caused them has returned.
 */
export class XenstoreClient {
  readonly conn: XsConnection;
  private reply: W.XsMessage | undefined;
  /** One callback per token (tokens identify watches, as Linux's xenbus uses them). */
  private readonly callbacks = new Map<string, WatchCallback>();
  private readonly events: Array<[string, string]> = [];
  private dispatching = false;
  private reqId = 0;

  constructor(
    private readonly server: XenstoreServer,
    domid = 0,
    privileged = true,
  ) {
    this.conn = server.connect(domid, privileged, (m) => this.receive(m));
  }

  private receive(m: W.XsMessage): void {
    if (m.type === W.XS_WATCH_EVENT) {
      const [path, token] = W.splitStrings(m.payload).strings;
      this.events.push([path ?? '', token ?? '']);
    } else {
      this.reply = m;
    }
  }

  /** Send one request; returns the reply payload or throws XenstoreError. */
  request(type: number, payload: Uint8Array, tx = 0, path?: string): Uint8Array {
    this.reply = undefined;
    this.reqId = (this.reqId + 1) >>> 0;
    this.server.handle(this.conn, { type, reqId: this.reqId, txId: tx, payload });
    const r = this.reply as W.XsMessage | undefined;
    this.deliverEvents();
    if (!r) throw new XenstoreError('EIO', W.XS_TYPE_NAMES[type] ?? String(type), path);
    if (r.type === W.XS_ERROR) {
      throw new XenstoreError(
        W.splitStrings(r.payload).strings[0] ?? 'EIO',
        W.XS_TYPE_NAMES[type] ?? String(type),
        path,
      );
    }
    return r.payload;
  }

  private deliverEvents(): void {
    if (this.dispatching) return;
    this.dispatching = true;
    try {
      for (let e = this.events.shift(); e; e = this.events.shift()) {
        const [path, token] = e;
        this.callbacks.get(token)?.(path, token);
      }
    } finally {
      this.dispatching = false;
    }
  }

  readBytes(path: string, tx = 0): Uint8Array {
    return this.request(W.XS_READ, W.nulStrings(path), tx, path);
  }

  read(path: string, tx = 0): string {
    return W.payloadText(this.readBytes(path, tx));
  }

  /** read(), or undefined if the node does not exist. */
  tryRead(path: string, tx = 0): string | undefined {
    try {
      return this.read(path, tx);
    } catch (e) {
      if (e instanceof XenstoreError && e.xsError === 'ENOENT') return undefined;
      throw e;
    }
  }

  write(path: string, value: string | Uint8Array, tx = 0): void {
    this.request(W.XS_WRITE, W.pathAndValue(path, value), tx, path);
  }

  mkdir(path: string, tx = 0): void {
    this.request(W.XS_MKDIR, W.nulStrings(path), tx, path);
  }

  rm(path: string, tx = 0): void {
    this.request(W.XS_RM, W.nulStrings(path), tx, path);
  }

  directory(path: string, tx = 0): string[] {
    return W.splitStrings(this.request(W.XS_DIRECTORY, W.nulStrings(path), tx, path)).strings;
  }

  getPerms(path: string, tx = 0): XsPerm[] {
    const strings = W.splitStrings(this.request(W.XS_GET_PERMS, W.nulStrings(path), tx, path)).strings;
    return strings.map((s) => parsePerm(s)!);
  }

  /** SET_PERMS with perms like "n0", "r5" or {domid, perm} entries (first = owner). */
  setPerms(path: string, perms: Array<string | XsPerm>, tx = 0): void {
    const strs = perms.map((p) => (typeof p === 'string' ? p : formatPerm(p)));
    this.request(W.XS_SET_PERMS, W.nulStrings(path, ...strs), tx, path);
  }

  /**
   * Register a watch; `cb` gets every event for it (the first one immediately). Tokens must be
   * unique within this client (EEXIST otherwise).
   */
  watch(path: string, token: string, cb: WatchCallback): void {
    if (this.callbacks.has(token)) throw new XenstoreError('EEXIST', 'WATCH', path);
    this.callbacks.set(token, cb);
    try {
      this.request(W.XS_WATCH, W.nulStrings(path, token), 0, path);
    } catch (e) {
      this.callbacks.delete(token);
      throw e;
    }
  }

  unwatch(path: string, token: string): void {
    this.request(W.XS_UNWATCH, W.nulStrings(path, token), 0, path);
    this.callbacks.delete(token);
  }

  transactionStart(): number {
    return Number(W.splitStrings(this.request(W.XS_TRANSACTION_START, W.nulStrings(''))).strings[0]);
  }

  /** Commit (or abort); a conflicting commit throws XenstoreError EAGAIN. */
  transactionEnd(tx: number, commit: boolean): void {
    this.request(W.XS_TRANSACTION_END, W.nulStrings(commit ? 'T' : 'F'), tx);
  }

  /** Run `body` in a transaction, retrying on EAGAIN up to `attempts` times. */
  transaction<T>(body: (tx: number) => T, attempts = 16): T {
    for (let i = 1; ; i++) {
      const tx = this.transactionStart();
      let result: T;
      try {
        result = body(tx);
      } catch (e) {
        this.transactionEnd(tx, false);
        throw e;
      }
      try {
        this.transactionEnd(tx, true);
        return result;
      } catch (e) {
        if (!(e instanceof XenstoreError && e.xsError === 'EAGAIN') || i >= attempts) throw e;
      }
    }
  }

  introduce(domid: number, mfn: number | bigint, port: number): void {
    this.request(W.XS_INTRODUCE, W.nulStrings(String(domid), String(mfn), String(port)));
  }

  release(domid: number): void {
    this.request(W.XS_RELEASE, W.nulStrings(String(domid)));
  }

  getDomainPath(domid: number): string {
    return W.splitStrings(this.request(W.XS_GET_DOMAIN_PATH, W.nulStrings(String(domid)))).strings[0];
  }

  isDomainIntroduced(domid: number): boolean {
    return (
      W.splitStrings(this.request(W.XS_IS_DOMAIN_INTRODUCED, W.nulStrings(String(domid)))).strings[0] === 'T'
    );
  }

  close(): void {
    this.server.disconnect(this.conn);
    this.callbacks.clear();
  }
}
