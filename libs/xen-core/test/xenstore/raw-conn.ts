import type { XsConnection } from '../../src/xenstore/connection';
import type { XenstoreServer } from '../../src/xenstore/server';
import * as W from '../../src/xenstore/wire';

export interface Reply {
  type: number;
  reqId: number;
  txId: number;
  payload: Uint8Array;
  /** Payload as latin1 text. */
  text: string;
  /** NUL-terminated strings of the payload. */
  strings: string[];
  /** The error name for XS_ERROR replies. */
  err?: string;
}

/** A connection that speaks raw wire messages, as a guest's xenbus would. */
export class RawConn {
  readonly conn: XsConnection;
  readonly inbox: W.XsMessage[] = [];
  private reqId = 100;

  constructor(
    private readonly server: XenstoreServer,
    readonly domid: number,
    privileged = false,
  ) {
    this.conn = server.connect(domid, privileged, (m) => this.inbox.push(m));
  }

  /** Send a request; returns its reply (watch events stay in the inbox). */
  send(type: number, payload: Uint8Array | string, tx = 0): Reply {
    const reqId = ++this.reqId;
    const p = typeof payload === 'string' ? Uint8Array.from(Buffer.from(payload, 'latin1')) : payload;
    this.server.handle(this.conn, { type, reqId, txId: tx, payload: p });
    const i = this.inbox.findIndex((m) => m.type !== W.XS_WATCH_EVENT);
    if (i < 0) throw new Error('no reply');
    const [m] = this.inbox.splice(i, 1);
    const strings = W.splitStrings(m.payload).strings;
    return {
      ...m,
      text: W.payloadText(m.payload),
      strings,
      err: m.type === W.XS_ERROR ? strings[0] : undefined,
    };
  }

  /** The error name of a request (or "OK"/the reply text when it succeeded). */
  err(type: number, payload: Uint8Array | string, tx = 0): string {
    const r = this.send(type, payload, tx);
    return r.err ?? 'none';
  }

  read(path: string, tx = 0): string {
    const r = this.send(W.XS_READ, `${path}\0`, tx);
    if (r.err) throw new Error(`read ${path}: ${r.err}`);
    return r.text;
  }

  write(path: string, value: string, tx = 0): string | undefined {
    return this.send(W.XS_WRITE, `${path}\0${value}`, tx).err;
  }

  /** Drain watch events as [path, token] pairs. */
  events(): Array<[string, string]> {
    const ev: Array<[string, string]> = [];
    for (let i = 0; i < this.inbox.length;) {
      const m = this.inbox[i];
      if (m.type === W.XS_WATCH_EVENT) {
        const [p, t] = W.splitStrings(m.payload).strings;
        ev.push([p, t]);
        this.inbox.splice(i, 1);
      } else i++;
    }
    return ev;
  }
}
