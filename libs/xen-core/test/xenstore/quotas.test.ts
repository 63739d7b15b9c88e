import { beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_QUOTAS } from '../../src/xenstore/node-ops';
import { XenstoreServer } from '../../src/xenstore/server';
import * as W from '../../src/xenstore/wire';
import { RawConn } from './raw-conn';

let s: XenstoreServer;
let d0: RawConn;
let u: RawConn;
beforeEach(() => {
  s = new XenstoreServer({ quotas: { maxEntries: 20, maxWatches: 4, maxTransactions: 2 } });
  d0 = new RawConn(s, 0, true);
  u = new RawConn(s, 5);
  d0.write('/local/domain/5', '');
  d0.send(W.XS_SET_PERMS, '/local/domain/5\0n5\0');
});

describe('quotas (unprivileged connections only)', () => {
  it('defaults are C xenstored’s', () => {
    expect(DEFAULT_QUOTAS).toEqual({
      maxEntries: 1000,
      maxEntrySize: 2048,
      maxWatches: 128,
      maxTransactions: 10,
      maxPerms: 5,
      maxTransactionNodes: 1024,
    });
  });

  it('nodes per domain: EQUOTA past the limit (counting missing parents); freed by rm', () => {
    // /local/domain/5 itself is owned by 5 (set by dom0): 1 node.
    for (let i = 0; i < 19; i++) expect(u.write(`n${i}`, '')).toBeUndefined();
    expect(u.write('one-more', '')).toBe('EQUOTA');
    expect(u.write('n0/child', '')).toBe('EQUOTA');
    u.send(W.XS_RM, 'n0\0');
    expect(u.write('a/b', '')).toBe('EQUOTA');
    expect(u.write('a', '')).toBeUndefined();
    // dom0 is not limited, even creating nodes the domain owns.
    for (let i = 0; i < 5; i++) expect(d0.write(`/local/domain/5/d0-${i}`, '')).toBeUndefined();
  });

  it('value size: E2BIG beyond 2048 bytes (dom0 exempt)', () => {
    expect(u.write('big', 'x'.repeat(2048))).toBeUndefined();
    expect(u.write('big', 'x'.repeat(2049))).toBe('E2BIG');
    expect(d0.write('/big', 'x'.repeat(4000))).toBeUndefined();
  });

  it('watches per connection and open transactions: EQUOTA', () => {
    for (let i = 0; i < 4; i++) expect(u.err(W.XS_WATCH, `w${i}\0t\0`)).toBe('none');
    expect(u.err(W.XS_WATCH, 'w9\0t\0')).toBe('EQUOTA');
    expect(u.err(W.XS_TRANSACTION_START, '\0')).toBe('none');
    expect(u.err(W.XS_TRANSACTION_START, '\0')).toBe('none');
    expect(u.err(W.XS_TRANSACTION_START, '\0')).toBe('EQUOTA');
    for (let i = 0; i < 10; i++) expect(d0.err(W.XS_WATCH, `/w${i}\0t\0`)).toBe('none');
  });

  it('permission entries per node: ENOSPC past 5', () => {
    u.write('p', '');
    expect(u.err(W.XS_SET_PERMS, 'p\0n5\0r1\0r2\0r3\0r4\0')).toBe('none');
    expect(u.err(W.XS_SET_PERMS, 'p\0n5\0r1\0r2\0r3\0r4\0r6\0')).toBe('ENOSPC');
  });

  it('a reply larger than XENSTORE_PAYLOAD_MAX is E2BIG', () => {
    d0.write('/v', 'y'.repeat(W.XENSTORE_PAYLOAD_MAX + 1));
    expect(d0.err(W.XS_READ, '/v\0')).toBe('E2BIG');
    d0.write('/v', 'y'.repeat(W.XENSTORE_PAYLOAD_MAX));
    expect(d0.read('/v')).toHaveLength(W.XENSTORE_PAYLOAD_MAX);
  });
});
