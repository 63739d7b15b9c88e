import { describe, expect, it } from 'vitest';
import * as R from '../../src/xenstore/ring';
import { XenstoreServer } from '../../src/xenstore/server';
import * as W from '../../src/xenstore/wire';
import { ArrayRingPage, GuestRing, rng } from './guest-ring';
import { RawConn } from './raw-conn';

const SEEDS = [1, 2, 3, 0xbeef, 0x5eed, 77];

function setup(): { s: XenstoreServer; page: ArrayRingPage; ring: R.XenstoreRing; guest: GuestRing } {
  const s = new XenstoreServer();
  const page = new ArrayRingPage();
  const conn = s.connect(5, false, (m) => ring.send(m));
  const ring: R.XenstoreRing = new R.XenstoreRing(
    page,
    () => undefined,
    (m) => s.handle(conn, m),
  );
  ring.attach();
  const d0 = new RawConn(s, 0, true);
  d0.write('/local/domain/5/data', '');
  d0.send(W.XS_SET_PERMS, '/local/domain/5\0n5\0');
  d0.send(W.XS_SET_PERMS, '/local/domain/5/data\0n5\0');
  return { s, page, ring, guest: new GuestRing(page, () => ring.kick()) };
}

/** Every response on the ring must be a well-formed message of a type the server sends. */
function expectWellFormed(replies: W.XsMessage[]): void {
  for (const r of replies) {
    expect(r.payload.length).toBeLessThanOrEqual(W.XENSTORE_PAYLOAD_MAX);
    expect(W.XS_TYPE_NAMES[r.type]).toBeDefined();
    if (r.type === W.XS_ERROR) expect(W.XS_ERROR_NAMES).toContain(W.splitStrings(r.payload).strings[0]);
  }
}

describe('xenstore ring fuzz', () => {
  it.each(SEEDS)('random bytes and indices (seed %i): the server never throws and answers sanely', (seed) => {
    const r = rng(seed);
    const { s, page, ring, guest } = setup();
    for (let step = 0; step < 400; step++) {
      const what = r();
      if (what < 0.3) {
        const n = Math.floor(r() * 300);
        guest.writeSome(Uint8Array.from({ length: n }, () => Math.floor(r() * 256)));
      } else if (what < 0.6) {
        // A plausible header (small len) over random payload bytes, written in pieces.
        const payload = Uint8Array.from({ length: Math.floor(r() * 200) }, () => Math.floor(r() * 256));
        const msg = { type: Math.floor(r() * 32), reqId: step, txId: r() < 0.9 ? 0 : step, payload };
        guest.writeSome(W.encodeMessage(msg).subarray(0, 16 + Math.floor(r() * (payload.length + 1))));
      } else if (what < 0.7) {
        // Corrupt an index or a control field.
        const fields = [R.XS_RING_REQ_PROD, R.XS_RING_RSP_CONS, R.XS_RING_CONNECTION, R.XS_RING_REQ_CONS];
        page.writeU32(fields[Math.floor(r() * fields.length)], Math.floor(r() * 2 ** 32));
        expect(() => ring.kick()).not.toThrow();
      } else if (what < 0.75) {
        page.writeU32(R.XS_RING_CONNECTION, R.XENSTORE_RECONNECT);
        ring.kick();
        expect(page.readU32(R.XS_RING_ERROR)).toBe(0);
      } else {
        guest.drain();
      }
    }
    expect(s.stats.internalErrors).toBe(0);
    expect(ring.stats.messagesIn).toBeGreaterThan(0);
    expectWellFormed(guest.replies);
  });

  it.each(SEEDS)('structured garbage (seed %i): every request gets exactly one reply', (seed) => {
    const r = rng(seed * 31);
    const { s, ring, guest } = setup();
    const words = [
      'data',
      'data/x',
      '/local/domain/5/data/y',
      '@releaseDomain',
      '',
      'T',
      'F',
      '0',
      '5',
      'n5',
      'r0',
      'a//b',
    ];
    let sent = 0;
    for (let i = 0; i < 300; i++) {
      const parts = Array.from({ length: Math.floor(r() * 4) }, () => words[Math.floor(r() * words.length)]);
      let payload = W.nulStrings(...parts);
      if (r() < 0.3) payload = payload.subarray(0, Math.floor(r() * payload.length));
      const type = Math.floor(r() * 30);
      const txId = r() < 0.2 ? Math.floor(r() * 4) : 0;
      guest.send({ type, reqId: 10000 + i, txId, payload }, 1 + Math.floor(r() * 64));
      sent++;
    }
    guest.drainAll();
    expect(ring.broken).toBe(false);
    expect(s.stats.internalErrors).toBe(0);
    const replies = guest.replies.filter((m) => m.type !== W.XS_WATCH_EVENT);
    expect(replies.map((m) => m.reqId)).toEqual(Array.from({ length: sent }, (_, i) => 10000 + i));
    expectWellFormed(guest.replies);
  });
});
