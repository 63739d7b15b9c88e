import * as R from '../../src/xenstore/ring';
import * as W from '../../src/xenstore/wire';

/** A ring page in a plain buffer (what a granted frame looks like to the server). */
export class ArrayRingPage implements R.RingPage {
  readonly bytes = new Uint8Array(4096);
  private readonly dv = new DataView(this.bytes.buffer);
  read(o: number, n: number): Uint8Array {
    return this.bytes.slice(o, o + n);
  }
  write(o: number, d: Uint8Array): void {
    this.bytes.set(d, o);
  }
  readU32(o: number): number {
    return this.dv.getUint32(o, true);
  }
  writeU32(o: number, v: number): void {
    this.dv.setUint32(o, v >>> 0, true);
  }
}

/** The guest end of a xenstore ring, as Linux's xenbus (xb_write / xb_read) drives it. */
export class GuestRing {
  private partial = new Uint8Array(0);
  readonly replies: W.XsMessage[] = [];

  constructor(
    readonly page: R.RingPage,
    /** EVTCHNOP_send on the store port. */
    private readonly kick: () => void,
  ) {}

  /** Start all four indices at `idx` (to exercise u32 wraparound). */
  setIndices(idx: number): void {
    for (const o of [R.XS_RING_REQ_CONS, R.XS_RING_REQ_PROD, R.XS_RING_RSP_CONS, R.XS_RING_RSP_PROD]) {
      this.page.writeU32(o, idx);
    }
  }

  /** Copy as much of `data` as fits into req[], publish it, kick. Returns bytes written. */
  writeSome(data: Uint8Array, kick = true): number {
    const cons = this.page.readU32(R.XS_RING_REQ_CONS);
    let prod = this.page.readU32(R.XS_RING_REQ_PROD);
    let n = 0;
    while (n < data.length && (prod - cons) >>> 0 < R.XENSTORE_RING_SIZE) {
      const at = prod & (R.XENSTORE_RING_SIZE - 1);
      const len = Math.min(
        data.length - n,
        R.XENSTORE_RING_SIZE - at,
        R.XENSTORE_RING_SIZE - ((prod - cons) >>> 0),
      );
      this.page.write(R.XS_RING_REQ + at, data.subarray(n, n + len));
      n += len;
      prod = (prod + len) >>> 0;
    }
    this.page.writeU32(R.XS_RING_REQ_PROD, prod);
    if (kick && n > 0) this.kick();
    return n;
  }

  /** Send a whole message in chunks of at most `chunk` bytes (each published and kicked), reading replies as they come. */
  send(msg: W.XsMessage, chunk = 4096): void {
    const bytes = W.encodeMessage(msg);
    for (let off = 0, spins = 0; off < bytes.length; spins++) {
      if (spins > 10000) throw new Error('ring stuck');
      off += this.writeSome(bytes.subarray(off, Math.min(bytes.length, off + chunk)));
      this.drain();
    }
  }

  /** Consume everything in rsp[]; complete messages go to `replies`. Kicks if it freed space. */
  drain(kick = true): number {
    const cons = this.page.readU32(R.XS_RING_RSP_CONS);
    const prod = this.page.readU32(R.XS_RING_RSP_PROD);
    const avail = (prod - cons) >>> 0;
    if (avail === 0 || avail > R.XENSTORE_RING_SIZE) return 0;
    const chunk = new Uint8Array(avail);
    for (let i = 0; i < avail; i++) {
      chunk[i] = this.page.read(R.XS_RING_RSP + ((cons + i) & (R.XENSTORE_RING_SIZE - 1)), 1)[0];
    }
    this.page.writeU32(R.XS_RING_RSP_CONS, (cons + avail) >>> 0);
    const merged = new Uint8Array(this.partial.length + avail);
    merged.set(this.partial);
    merged.set(chunk, this.partial.length);
    let rest = merged;
    for (let m = W.decodeMessage(rest); m; m = W.decodeMessage(rest)) {
      this.replies.push(m.msg);
      rest = rest.subarray(m.size);
    }
    this.partial = rest.slice();
    if (kick) this.kick();
    return avail;
  }

  /** Drain until nothing more arrives. */
  drainAll(): void {
    for (let i = 0; i < 10000 && this.drain() > 0; i++);
  }

  /** Request/response: send and drain until the reply with `reqId` is in. */
  call(type: number, payload: Uint8Array | string, reqId: number, txId = 0, chunk = 4096): W.XsMessage {
    const p = typeof payload === 'string' ? Uint8Array.from(Buffer.from(payload, 'latin1')) : payload;
    this.send({ type, reqId, txId, payload: p }, chunk);
    this.drainAll();
    const i = this.replies.findIndex((r) => r.reqId === reqId && r.type !== W.XS_WATCH_EVENT);
    if (i < 0) throw new Error(`no reply to ${reqId}`);
    return this.replies.splice(i, 1)[0];
  }

  events(): Array<[string, string]> {
    const out: Array<[string, string]> = [];
    for (let i = 0; i < this.replies.length;) {
      if (this.replies[i].type === W.XS_WATCH_EVENT) {
        const [p, t] = W.splitStrings(this.replies[i].payload).strings;
        out.push([p, t]);
        this.replies.splice(i, 1);
      } else i++;
    }
    return out;
  }
}

/** xorshift32: deterministic pseudo-random numbers in [0, 1) for the fuzz tests. */
export function rng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 2 ** 32;
  };
}
