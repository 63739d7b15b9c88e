import { beforeEach, describe, expect, it } from 'vitest';
import type { XsConnection } from '../../src/xenstore/connection';
import * as R from '../../src/xenstore/ring';
import { XenstoreServer } from '../../src/xenstore/server';
import * as W from '../../src/xenstore/wire';
import { ArrayRingPage, GuestRing } from './guest-ring';
import { RawConn } from './raw-conn';

let s: XenstoreServer;
let page: ArrayRingPage;
let ring: R.XenstoreRing;
let guest: GuestRing;
let conn: XsConnection;
let notifies: number;
let resets: number;

function attach(): void {
  s = new XenstoreServer();
  page = new ArrayRingPage();
  notifies = 0;
  resets = 0;
  conn = s.connect(5, false, (m) => ring.send(m));
  ring = new R.XenstoreRing(
    page,
    () => notifies++,
    (m) => s.handle(conn, m),
    () => {
      resets++;
      conn.watches.length = 0;
    },
  );
  ring.attach();
  guest = new GuestRing(page, () => ring.kick());
  const d0 = new RawConn(s, 0, true);
  d0.write('/local/domain/5/name', 'guest');
  d0.send(W.XS_SET_PERMS, '/local/domain/5\0n5\0');
  d0.send(W.XS_SET_PERMS, '/local/domain/5/name\0n5\0');
}
beforeEach(attach);

const text = (m: W.XsMessage): string => W.payloadText(m.payload);

describe('xenstore ring transport', () => {
  it('advertises reconnection and error reporting; answers a request; notifies', () => {
    expect(page.readU32(R.XS_RING_SERVER_FEATURES)).toBe(
      R.XENSTORE_SERVER_FEATURE_RECONNECTION | R.XENSTORE_SERVER_FEATURE_ERROR,
    );
    const r = guest.call(W.XS_READ, 'name\0', 1);
    expect(r).toMatchObject({ type: W.XS_READ, reqId: 1, txId: 0 });
    expect(text(r)).toBe('guest');
    expect(notifies).toBeGreaterThan(0);
    expect(page.readU32(R.XS_RING_REQ_CONS)).toBe(page.readU32(R.XS_RING_REQ_PROD));
    expect(ring.stats.messagesIn).toBe(1);
  });

  it('free-running indices wrap at 2^32 and at the 1 KiB ring edge', () => {
    guest.setIndices(0xffffff00);
    for (let i = 0; i < 200; i++) {
      const value = 'v'.repeat((i * 37) % 700);
      expect(text(guest.call(W.XS_WRITE, `data/k${i % 7}\0${value}`, 1000 + i))).toBe('OK\0');
      expect(text(guest.call(W.XS_READ, `data/k${i % 7}\0`, 5000 + i))).toBe(value);
    }
    const prod = page.readU32(R.XS_RING_REQ_PROD);
    expect(prod).toBeLessThan(0x80000000);
    expect(page.readU32(R.XS_RING_RSP_PROD)).toBe(page.readU32(R.XS_RING_RSP_CONS));
    expect(ring.broken).toBe(false);
  });

  it('requests split over several notifications (even inside the header) are reassembled', () => {
    const msg = W.encodeMessage({ type: W.XS_READ, reqId: 77, txId: 0, payload: W.nulStrings('name') });
    const cuts = [0, 3, 7, 16, 18, msg.length];
    for (let i = 0; i + 1 < cuts.length; i++) {
      guest.writeSome(msg.subarray(cuts[i], cuts[i + 1]));
      guest.drain(false);
      if (i + 2 < cuts.length) expect(guest.replies).toEqual([]);
    }
    expect(guest.replies.map(text)).toEqual(['guest']);
    // Two requests in one notification: two replies, in order.
    const two = new Uint8Array([
      ...W.encodeMessage({ type: W.XS_READ, reqId: 1, txId: 0, payload: W.nulStrings('name') }),
      ...W.encodeMessage({ type: W.XS_GET_DOMAIN_PATH, reqId: 2, txId: 0, payload: W.nulStrings('5') }),
    ]);
    guest.writeSome(two);
    guest.drainAll();
    expect(guest.replies.slice(1).map((m) => m.reqId)).toEqual([1, 2]);
  });

  it('a message bigger than the ring is written across several notifications both ways', () => {
    const big = 'x'.repeat(2000);
    const w = guest.call(W.XS_WRITE, `data/big\0${big}`, 9, 0, 100);
    expect(text(w)).toBe('OK\0');
    const r = guest.call(W.XS_READ, 'data/big\0', 10);
    expect(text(r)).toBe(big);
  });

  it('flow control: replies queue while the guest is not reading; nothing is lost', () => {
    guest.call(W.XS_WRITE, `data/v\0${'z'.repeat(2000)}`, 1);
    const req = W.encodeMessage({ type: W.XS_READ, reqId: 2, txId: 0, payload: W.nulStrings('data/v') });
    let sent = 0;
    // Keep writing requests without reading replies until the server stops taking them.
    for (let i = 0; i < 200; i++) {
      if (guest.writeSome(req) < req.length) break;
      sent++;
    }
    expect(sent).toBeGreaterThan(30);
    expect(sent).toBeLessThan(200);
    for (let i = 0; i < 2000 && guest.replies.length < sent; i++) {
      guest.drain();
    }
    expect(guest.replies.length).toBeGreaterThanOrEqual(sent);
    expect(guest.replies.every((m) => text(m).length === 2000)).toBe(true);
  });

  it('watch events share the response ring; relative paths', () => {
    expect(text(guest.call(W.XS_WATCH, 'data\0tok\0', 3))).toBe('OK\0');
    guest.drainAll();
    expect(guest.events()).toEqual([['data', 'tok']]);
    new RawConn(s, 0, true).write('/local/domain/5/data/x', '1');
    guest.drainAll();
    expect(guest.events()).toEqual([['data/x', 'tok']]);
  });

  it('a bad ring index sets error=RINGIDX and stops; a reconnect request resets everything', () => {
    guest.call(W.XS_WATCH, 'data\0tok\0', 3);
    page.writeU32(R.XS_RING_REQ_PROD, page.readU32(R.XS_RING_REQ_CONS) + 2000);
    ring.kick();
    expect(page.readU32(R.XS_RING_ERROR)).toBe(R.XENSTORE_ERROR_RINGIDX);
    expect(ring.broken).toBe(true);
    const before = page.readU32(R.XS_RING_REQ_CONS);
    ring.kick();
    expect(page.readU32(R.XS_RING_REQ_CONS)).toBe(before);
    // The guest asks to reconnect.
    page.writeU32(R.XS_RING_CONNECTION, R.XENSTORE_RECONNECT);
    ring.kick();
    expect(resets).toBe(1);
    expect(conn.watches).toEqual([]);
    for (const o of [
      R.XS_RING_REQ_CONS,
      R.XS_RING_REQ_PROD,
      R.XS_RING_RSP_CONS,
      R.XS_RING_RSP_PROD,
      R.XS_RING_ERROR,
    ]) {
      expect(page.readU32(o)).toBe(0);
    }
    expect(page.readU32(R.XS_RING_CONNECTION)).toBe(R.XENSTORE_CONNECTED);
    expect(text(guest.call(W.XS_READ, 'name\0', 4))).toBe('guest');
  });

  it('an over-long message (len > 4096) is a protocol error', () => {
    const hdr = new Uint8Array(16);
    new DataView(hdr.buffer).setUint32(12, W.XENSTORE_PAYLOAD_MAX + 1, true);
    guest.writeSome(hdr);
    expect(page.readU32(R.XS_RING_ERROR)).toBe(R.XENSTORE_ERROR_PROTO);
    expect(ring.broken).toBe(true);
    expect(s.stats.internalErrors).toBe(0);
  });

  it('a bad response index (guest corrupted rsp_cons) is caught too', () => {
    page.writeU32(R.XS_RING_RSP_CONS, 5000);
    guest.writeSome(W.encodeMessage({ type: W.XS_READ, reqId: 1, txId: 0, payload: W.nulStrings('name') }));
    expect(page.readU32(R.XS_RING_ERROR)).toBe(R.XENSTORE_ERROR_RINGIDX);
  });

  it('watch events beyond the backlog limit are dropped and counted when the guest stops reading', () => {
    guest.call(W.XS_WATCH, 'data\0tok\0', 3);
    guest.drainAll();
    const d0 = new RawConn(s, 0, true);
    d0.write(`/local/domain/5/data/long`, '');
    for (let i = 0; i < 4000; i++) d0.write(`/local/domain/5/data/${'k'.repeat(20)}${i % 10}`, String(i));
    expect(ring.stats.eventsDropped).toBeGreaterThan(0);
    guest.drainAll();
    expect(ring.broken).toBe(false);
  });

  it('in-flight state moves to another server end (snapshots): a half-read request and unwritten replies', () => {
    const move = (): { page2: ArrayRingPage; guest2: GuestRing } => {
      const pending = ring.exportPending();
      const page2 = new ArrayRingPage();
      page2.bytes.set(page.bytes);
      const conn2 = s.connect(5, false, (m) => ring2.send(m));
      const ring2 = new R.XenstoreRing(
        page2,
        () => undefined,
        (m) => s.handle(conn2, m),
      );
      ring2.importPending(pending);
      ring2.attach();
      return { page2, guest2: new GuestRing(page2, () => ring2.kick()) };
    };
    // Half a request read by the old end: the new end completes it with the rest.
    const msg = W.encodeMessage({
      type: W.XS_READ,
      reqId: 77,
      txId: 0,
      payload: Uint8Array.from(Buffer.from('name\0')),
    });
    guest.writeSome(msg.subarray(0, 9));
    expect(ring.exportPending().input.length).toBe(9);
    const a = move();
    a.guest2.writeSome(msg.subarray(9));
    a.guest2.drainAll();
    expect(a.guest2.replies.map((r) => [r.reqId, text(r)])).toEqual([[77, 'guest']]);

    // Replies the old end could not write yet (the guest stopped reading): the new end writes them.
    attach();
    for (let i = 0; i < 120; i++) {
      const req = W.encodeMessage({
        type: W.XS_READ,
        reqId: 100 + i,
        txId: 0,
        payload: Uint8Array.from(Buffer.from('name\0')),
      });
      if (guest.writeSome(req) < req.length) break;
    }
    const queued = ring.exportPending().output.length;
    expect(queued).toBeGreaterThan(0);
    const b = move();
    b.guest2.drainAll();
    const got = [...guest.replies, ...b.guest2.replies].map((r) => r.reqId);
    expect(got.length).toBe(120);
    expect(got).toEqual(got.map((_, i) => 100 + i));
  });
});
