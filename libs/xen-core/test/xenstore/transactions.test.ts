import { beforeEach, describe, expect, it } from 'vitest';
import { XenstoreClient, XenstoreError } from '../../src/xenstore/client';
import { XenstoreServer } from '../../src/xenstore/server';
import * as W from '../../src/xenstore/wire';
import { RawConn } from './raw-conn';

let s: XenstoreServer;
let a: RawConn;
let b: RawConn;
beforeEach(() => {
  s = new XenstoreServer();
  a = new RawConn(s, 0, true);
  b = new RawConn(s, 0, true);
  a.write('/t/x', '1');
  a.write('/t/y', '2');
});

const start = (c: RawConn): number => Number(c.send(W.XS_TRANSACTION_START, '\0').strings[0]);
const end = (c: RawConn, tx: number, commit = true): string =>
  c.err(W.XS_TRANSACTION_END, commit ? 'T\0' : 'F\0', tx);

describe('transactions', () => {
  it('are isolated until commit, then applied atomically', () => {
    const tx = start(a);
    expect(tx).toBeGreaterThan(0);
    a.write('/t/x', 'tx', tx);
    a.write('/t/new/deep', 'n', tx);
    a.send(W.XS_RM, '/t/y\0', tx);
    expect(a.read('/t/x', tx)).toBe('tx');
    expect(a.send(W.XS_DIRECTORY, '/t\0', tx).strings).toEqual(['x', 'new']);
    expect(b.read('/t/x')).toBe('1');
    expect(b.err(W.XS_READ, '/t/new/deep\0')).toBe('ENOENT');
    expect(end(a, tx)).toBe('none');
    expect(b.read('/t/x')).toBe('tx');
    expect(b.read('/t/new/deep')).toBe('n');
    expect(b.err(W.XS_READ, '/t/y\0')).toBe('ENOENT');
  });

  it('abort (F) discards everything', () => {
    const tx = start(a);
    a.write('/t/x', 'tx', tx);
    expect(end(a, tx, false)).toBe('none');
    expect(a.read('/t/x')).toBe('1');
    expect(end(a, tx)).toBe('ENOENT');
  });

  it('conflicts are EAGAIN: a node it read, wrote, or listed changed meanwhile', () => {
    const read = start(a);
    a.read('/t/x', read);
    b.write('/t/x', 'other');
    a.write('/t/z', 'z', read);
    expect(end(a, read)).toBe('EAGAIN');
    expect(a.err(W.XS_READ, '/t/z\0')).toBe('ENOENT');

    const written = start(a);
    a.write('/t/y', 'mine', written);
    b.write('/t/y', 'theirs');
    expect(end(a, written)).toBe('EAGAIN');
    expect(a.read('/t/y')).toBe('theirs');

    const listed = start(a);
    a.send(W.XS_DIRECTORY, '/t\0', listed);
    b.write('/t/added', '');
    expect(end(a, listed)).toBe('EAGAIN');

    // Created something that someone else created first.
    const absent = start(a);
    a.write('/t/fresh', 'a', absent);
    b.write('/t/fresh', 'b');
    expect(end(a, absent)).toBe('EAGAIN');
  });

  it('disjoint transactions both commit', () => {
    a.write('/u/p', '');
    a.write('/v/q', '');
    const t1 = start(a);
    const t2 = start(b);
    a.write('/u/p', '1', t1);
    b.write('/v/q', '2', t2);
    expect(end(a, t1)).toBe('none');
    expect(end(b, t2)).toBe('none');
    expect(a.read('/u/p') + a.read('/v/q')).toBe('12');
  });

  it('watches fire at commit, not before, and never for an aborted or conflicting transaction', () => {
    b.send(W.XS_WATCH, '/t\0w\0');
    b.events();
    const tx = start(a);
    a.write('/t/x', 'tx', tx);
    expect(b.events()).toEqual([]);
    end(a, tx);
    expect(b.events()).toEqual([['/t/x', 'w']]);
    const ab = start(a);
    a.write('/t/x', 'nope', ab);
    end(a, ab, false);
    const cf = start(a);
    a.write('/t/x', 'nope', cf);
    a.write('/t/x', 'outside');
    b.events();
    expect(end(a, cf)).toBe('EAGAIN');
    expect(b.events()).toEqual([]);
  });

  it('protocol errors: unknown tx ENOENT, nested start EBUSY, bad end argument EINVAL', () => {
    expect(a.err(W.XS_READ, '/t/x\0', 4242)).toBe('ENOENT');
    expect(end(a, 4242)).toBe('ENOENT');
    expect(end(a, 0)).toBe('ENOENT');
    const tx = start(a);
    expect(a.err(W.XS_TRANSACTION_START, '\0', tx)).toBe('EBUSY');
    expect(a.err(W.XS_TRANSACTION_END, 'X\0', tx)).toBe('EINVAL');
    // Another connection cannot use it.
    expect(b.err(W.XS_READ, '/t/x\0', tx)).toBe('ENOENT');
    // Watches ignore the transaction id.
    expect(a.err(W.XS_WATCH, '/t\0in-tx\0', tx)).toBe('none');
    expect(end(a, tx)).toBe('none');
  });

  it('touching more nodes than the quota allows fails the transaction with ENOSPC', () => {
    const small = new XenstoreServer({ quotas: { maxTransactionNodes: 8 } });
    const c = new RawConn(small, 0, true);
    const tx = Number(c.send(W.XS_TRANSACTION_START, '\0').strings[0]);
    let last = 'none';
    for (let i = 0; i < 10 && last === 'none'; i++) last = c.err(W.XS_WRITE, `/n${i}\0v`, tx);
    expect(last).toBe('ENOSPC');
    expect(c.err(W.XS_TRANSACTION_END, 'T\0', tx)).toBe('ENOSPC');
    expect(c.err(W.XS_READ, '/n0\0')).toBe('ENOENT');
  });

  it('the client retries EAGAIN transparently', () => {
    const client = new XenstoreClient(s);
    let attempts = 0;
    const out = client.transaction((tx) => {
      attempts++;
      const v = Number(client.read('/t/x', tx));
      if (attempts === 1) b.write('/t/x', '10');
      client.write('/t/x', String(v + 1), tx);
      return v;
    });
    expect(attempts).toBe(2);
    expect(out).toBe(10);
    expect(client.read('/t/x')).toBe('11');
    expect(() =>
      client.transaction((tx) => {
        client.read('/t/x', tx);
        b.write('/t/x', String(++attempts));
      }, 3),
    ).toThrow(XenstoreError);
  });
});
