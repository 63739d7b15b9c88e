import type { GuestPhysicalMemory } from '../mem/guest-physical-memory';
import { PAGE_SIZE } from '../public/page';
import { decodeHeader, encodeMessage, XENSTORE_PAYLOAD_MAX, XSD_HEADER_SIZE, XsMessage } from './wire';

// struct xenstore_domain_interface (io/xs_wire.h, ABI §10.2).
export const XENSTORE_RING_SIZE = 1024;
export const XS_RING_REQ = 0x000;
export const XS_RING_RSP = 0x400;
export const XS_RING_REQ_CONS = 0x800;
export const XS_RING_REQ_PROD = 0x804;
export const XS_RING_RSP_CONS = 0x808;
export const XS_RING_RSP_PROD = 0x80c;
export const XS_RING_SERVER_FEATURES = 0x810;
export const XS_RING_CONNECTION = 0x814;
export const XS_RING_ERROR = 0x818;
export const XS_RING_EVTCHN_PORT = 0x81c;

export const XENSTORE_SERVER_FEATURE_RECONNECTION = 1;
export const XENSTORE_SERVER_FEATURE_ERROR = 2;
export const XENSTORE_CONNECTED = 0;
export const XENSTORE_RECONNECT = 1;
export const XENSTORE_ERROR_NONE = 0;
export const XENSTORE_ERROR_COMM = 1;
export const XENSTORE_ERROR_RINGIDX = 2;
export const XENSTORE_ERROR_PROTO = 3;

/** The ring page as the server sees it: a granted frame, or a machine frame. */
export interface RingPage {
  read(offset: number, length: number): Uint8Array;
  write(offset: number, data: Uint8Array): void;
  readU32(offset: number): number;
  writeU32(offset: number, value: number): void;
}

/** Direct access to machine frame `mfn` (the store page named by XS_INTRODUCE). */
export function machineRingPage(mem: GuestPhysicalMemory, mfn: number): RingPage {
  const base = mfn * PAGE_SIZE;
  return {
    read: (o, n) => mem.readBytes(base + o, n),
    write: (o, d) => mem.writeBytes(base + o, d),
    readU32: (o) => mem.readU32(base + o),
    writeU32: (o, v) => mem.writeU32(base + o, v),
  };
}

export interface RingStats {
  messagesIn: number;
  bytesIn: number;
  bytesOut: number;
  /** Watch events dropped because the guest stopped reading its responses. */
  eventsDropped: number;
  resets: number;
}

/** What XenstoreRing.exportPending returns. */
export interface RingPending {
  input: Uint8Array;
  output: Uint8Array;
  broken: boolean;
}

/** Replies and events queued beyond this stop the server from reading further requests. */
const OUTPUT_BACKLOG_LIMIT = 64 * 1024;

/**
 * The server end of a xenstore ring: free-running u32 indices masked by 1023, requests possibly
 * split across several notifications, replies written as space allows. A bad index or an
 * over-long message sets the ring's error field and stops the connection until the guest asks for
 * a reconnect (connection = XENSTORE_RECONNECT).
 */
export class XenstoreRing {
  readonly stats: RingStats = { messagesIn: 0, bytesIn: 0, bytesOut: 0, eventsDropped: 0, resets: 0 };
  broken = false;
  private input = new Uint8Array(0);
  private output: Uint8Array[] = [];
  private outputOffset = 0;
  private outputBytes = 0;

  constructor(
    private readonly page: RingPage,
    /** Signal the guest (EVTCHNOP_send on the server's end of the store channel). */
    private readonly notify: () => void,
    /** One complete request. */
    private readonly onMessage: (msg: XsMessage) => void,
    /** The guest asked for a reconnect: the server must forget the connection's state. */
    private readonly onReset: () => void = () => undefined,
  ) {}

  /**
   * The server end's state that is not in the page: request bytes read but not yet a whole
   * message, and output not yet written (snapshots carry it so nothing in flight is lost).
   */
  exportPending(): RingPending {
    const out = new Uint8Array(this.outputBytes);
    let at = 0;
    this.output.forEach((m, i) => {
      const part = i === 0 ? m.subarray(this.outputOffset) : m;
      out.set(part, at);
      at += part.length;
    });
    return { input: this.input.slice(), output: out, broken: this.broken };
  }

  /** Take over a saved state (before attach/kick); output is written as the guest makes room. */
  importPending(p: RingPending): void {
    this.input = p.input.slice();
    this.output = p.output.length > 0 ? [p.output.slice()] : [];
    this.outputOffset = 0;
    this.outputBytes = p.output.length;
    this.broken = p.broken;
  }

  /** Advertise what this server supports (the page is otherwise the guest's). */
  attach(): void {
    this.page.writeU32(
      XS_RING_SERVER_FEATURES,
      XENSTORE_SERVER_FEATURE_RECONNECTION | XENSTORE_SERVER_FEATURE_ERROR,
    );
  }

  /** The guest notified the store port: reconnect, or read requests and write pending output. */
  kick(): void {
    if (this.page.readU32(XS_RING_CONNECTION) === XENSTORE_RECONNECT) {
      this.reset();
      return;
    }
    if (this.broken) return;
    this.push();
    this.pull();
  }

  /** Queue a reply or watch event. */
  send(msg: XsMessage): void {
    if (this.broken) return;
    const bytes = encodeMessage(msg);
    if (msg.reqId === 0 && msg.txId === 0 && this.outputBytes > OUTPUT_BACKLOG_LIMIT) {
      this.stats.eventsDropped++;
      return;
    }
    this.output.push(bytes);
    this.outputBytes += bytes.length;
    this.push();
  }

  private fail(error: number): void {
    this.page.writeU32(XS_RING_ERROR, error);
    this.broken = true;
    this.input = new Uint8Array(0);
    this.output = [];
    this.outputOffset = 0;
    this.outputBytes = 0;
    this.notify();
  }

  /** XENSTORE_RECONNECT: drop everything, zero the indices, report connected. */
  private reset(): void {
    this.stats.resets++;
    this.input = new Uint8Array(0);
    this.output = [];
    this.outputOffset = 0;
    this.outputBytes = 0;
    this.broken = false;
    this.onReset();
    for (const o of [XS_RING_REQ_CONS, XS_RING_REQ_PROD, XS_RING_RSP_CONS, XS_RING_RSP_PROD, XS_RING_ERROR]) {
      this.page.writeU32(o, 0);
    }
    this.page.writeU32(XS_RING_CONNECTION, XENSTORE_CONNECTED);
    this.notify();
  }

  private pull(): void {
    while (!this.broken && this.outputBytes <= OUTPUT_BACKLOG_LIMIT) {
      const cons = this.page.readU32(XS_RING_REQ_CONS);
      const prod = this.page.readU32(XS_RING_REQ_PROD);
      const avail = (prod - cons) >>> 0;
      if (avail > XENSTORE_RING_SIZE) return this.fail(XENSTORE_ERROR_RINGIDX);
      if (avail === 0) return;
      const chunk = new Uint8Array(avail);
      const start = cons & (XENSTORE_RING_SIZE - 1);
      const first = Math.min(avail, XENSTORE_RING_SIZE - start);
      chunk.set(this.page.read(XS_RING_REQ + start, first));
      if (first < avail) chunk.set(this.page.read(XS_RING_REQ, avail - first), first);
      this.page.writeU32(XS_RING_REQ_CONS, (cons + avail) >>> 0);
      this.stats.bytesIn += avail;
      const merged = new Uint8Array(this.input.length + avail);
      merged.set(this.input);
      merged.set(chunk, this.input.length);
      this.input = merged;
      this.notify();
      this.parse();
    }
  }

  private parse(): void {
    while (!this.broken && this.input.length >= XSD_HEADER_SIZE) {
      const h = decodeHeader(this.input);
      if (h.len > XENSTORE_PAYLOAD_MAX) return this.fail(XENSTORE_ERROR_PROTO);
      const size = XSD_HEADER_SIZE + h.len;
      if (this.input.length < size) return;
      const payload = this.input.slice(XSD_HEADER_SIZE, size);
      this.input = this.input.slice(size);
      this.stats.messagesIn++;
      this.onMessage({ type: h.type, reqId: h.reqId, txId: h.txId, payload });
    }
  }

  private push(): void {
    if (this.broken || this.output.length === 0) return;
    const cons = this.page.readU32(XS_RING_RSP_CONS);
    let prod = this.page.readU32(XS_RING_RSP_PROD);
    const used = (prod - cons) >>> 0;
    if (used > XENSTORE_RING_SIZE) return this.fail(XENSTORE_ERROR_RINGIDX);
    let space = XENSTORE_RING_SIZE - used;
    let wrote = 0;
    while (space > 0 && this.output.length > 0) {
      const head = this.output[0];
      const at = prod & (XENSTORE_RING_SIZE - 1);
      const n = Math.min(space, head.length - this.outputOffset, XENSTORE_RING_SIZE - at);
      this.page.write(XS_RING_RSP + at, head.subarray(this.outputOffset, this.outputOffset + n));
      this.outputOffset += n;
      prod = (prod + n) >>> 0;
      space -= n;
      wrote += n;
      if (this.outputOffset === head.length) {
        this.output.shift();
        this.outputOffset = 0;
      }
    }
    if (wrote === 0) return;
    this.outputBytes -= wrote;
    this.stats.bytesOut += wrote;
    this.page.writeU32(XS_RING_RSP_PROD, prod);
    this.notify();
  }
}
