import { beforeEach, describe, expect, it } from 'vitest';
import { XenstoreServer } from '../../src/xenstore/server';
import * as W from '../../src/xenstore/wire';
import { RawConn } from './raw-conn';

let s: XenstoreServer;
let d0: RawConn;
let u: RawConn;
beforeEach(() => {
  s = new XenstoreServer();
  d0 = new RawConn(s, 0, true);
  u = new RawConn(s, 5);
  d0.write('/local/domain/5', '');
  d0.send(W.XS_SET_PERMS, '/local/domain/5\0n5\0');
});

describe('replies', () => {
  it('echo type, req_id and tx_id; success without data is "OK\\0"; errors are XS_ERROR + name', () => {
    const r = d0.send(W.XS_WRITE, '/a\0v');
    expect(r).toMatchObject({ type: W.XS_WRITE, txId: 0, text: 'OK\0' });
    const e = d0.send(W.XS_READ, '/nope\0');
    expect(e).toMatchObject({ type: W.XS_ERROR, reqId: r.reqId + 1, text: 'ENOENT\0' });
    const t = d0.send(W.XS_READ, '/a\0', 999);
    expect(t).toMatchObject({ type: W.XS_ERROR, txId: 999, err: 'ENOENT' });
  });

  it('server-only, removed and unknown types answer ENOSYS', () => {
    for (const type of [
      W.XS_WATCH_EVENT,
      W.XS_ERROR,
      20,
      W.XS_GET_FEATURE,
      W.XS_SET_QUOTA,
      W.XS_CONTROL,
      27,
      0xffff,
    ]) {
      expect(d0.err(type, 'x\0')).toBe('ENOSYS');
    }
    expect(s.stats.internalErrors).toBe(0);
  });
});

describe('READ / WRITE / MKDIR / RM / DIRECTORY', () => {
  it('write creates missing parents; read returns the value without NUL; directory lists children in order', () => {
    expect(d0.write('/x/y/z', 'hello')).toBeUndefined();
    expect(d0.read('/x/y/z')).toBe('hello');
    expect(d0.read('/x/y')).toBe('');
    d0.write('/x/b', '1');
    d0.write('/x/a', '2');
    expect(d0.send(W.XS_DIRECTORY, '/x\0').strings).toEqual(['y', 'b', 'a']);
    expect(d0.send(W.XS_DIRECTORY, '/x/b\0').text).toBe('');
    // Values are bytes: NULs and high bytes survive.
    d0.send(W.XS_WRITE, Uint8Array.of(0x2f, 0x76, 0, 1, 0, 255));
    expect([...d0.send(W.XS_READ, '/v\0').payload]).toEqual([1, 0, 255]);
  });

  it('mkdir makes an empty node (existing: OK, untouched); rm removes a subtree; rm of a missing child is OK', () => {
    expect(d0.err(W.XS_MKDIR, '/m/n\0')).toBe('none');
    d0.write('/m/n', 'keep');
    expect(d0.err(W.XS_MKDIR, '/m/n\0')).toBe('none');
    expect(d0.read('/m/n')).toBe('keep');
    d0.write('/m/n/deep/er', 'x');
    expect(d0.err(W.XS_RM, '/m/n\0')).toBe('none');
    expect(d0.err(W.XS_READ, '/m/n/deep/er\0')).toBe('ENOENT');
    expect(d0.send(W.XS_DIRECTORY, '/m\0').strings).toEqual([]);
    expect(d0.err(W.XS_RM, '/m/gone\0')).toBe('none');
    expect(d0.err(W.XS_RM, '/m/gone/deeper\0')).toBe('ENOENT');
    expect(d0.err(W.XS_RM, '/\0')).toBe('EINVAL');
  });

  it('relative paths are under /local/domain/<id>/', () => {
    expect(u.write('data/x', '1')).toBeUndefined();
    expect(d0.read('/local/domain/5/data/x')).toBe('1');
    expect(u.read('data/x')).toBe('1');
    expect(u.send(W.XS_DIRECTORY, '\0').err).toBe('EINVAL');
  });

  it('invalid paths and malformed payloads are EINVAL', () => {
    for (const p of ['/a/', '/a//b', '/a b', '/a\u00e9', '@foo', '/' + 'x'.repeat(3100)]) {
      expect(d0.err(W.XS_READ, `${p}\0`)).toBe('EINVAL');
      expect(d0.err(W.XS_WRITE, `${p}\0v`)).toBe('EINVAL');
    }
    expect(d0.err(W.XS_READ, '/a')).toBe('EINVAL');
    expect(d0.err(W.XS_READ, '/a\0/b\0')).toBe('EINVAL');
    expect(d0.err(W.XS_READ, '')).toBe('EINVAL');
    expect(d0.err(W.XS_WRITE, '/novalue')).toBe('EINVAL');
    expect(d0.err(W.XS_MKDIR, '/a\0\0')).toBe('EINVAL');
    // A domU's path length counts from its home.
    expect(u.write('a'.repeat(2048), '1')).toBeUndefined();
    expect(u.write('b'.repeat(2049), '1')).toBe('EINVAL');
  });
});

describe('GET_PERMS / SET_PERMS', () => {
  it('round-trips permission lists; malformed entries are EINVAL', () => {
    d0.write('/p', '');
    expect(d0.send(W.XS_GET_PERMS, '/p\0').strings).toEqual(['n0']);
    expect(d0.err(W.XS_SET_PERMS, '/p\0b5\0r6\0w7\0n8\0')).toBe('none');
    expect(d0.send(W.XS_GET_PERMS, '/p\0').strings).toEqual(['b5', 'r6', 'w7', 'n8']);
    for (const bad of ['/p\0', '/p\0x5\0', '/p\0r\0', '/p\0r70000\0', '/p\0r5', '/p\0r-1\0']) {
      expect(d0.err(W.XS_SET_PERMS, bad)).toBe('EINVAL');
    }
    expect(d0.err(W.XS_SET_PERMS, '/missing\0n0\0')).toBe('ENOENT');
    // Children inherit the parent's permissions when created.
    d0.write('/p/child', '');
    expect(d0.send(W.XS_GET_PERMS, '/p/child\0').strings).toEqual(['b5', 'r6', 'w7', 'n8']);
    // Special nodes have permissions too.
    expect(d0.send(W.XS_GET_PERMS, '@releaseDomain\0').strings).toEqual(['n0']);
  });
});

describe('domains: INTRODUCE / RELEASE / GET_DOMAIN_PATH / IS_DOMAIN_INTRODUCED / RESUME / SET_TARGET', () => {
  it('dom0 introduces and releases; others get EACCES', () => {
    expect(d0.err(W.XS_IS_DOMAIN_INTRODUCED, '7\0')).toBe('none');
    expect(d0.send(W.XS_IS_DOMAIN_INTRODUCED, '7\0').text).toBe('F\0');
    expect(d0.err(W.XS_INTRODUCE, '7\x001234\x003\0')).toBe('none');
    expect(d0.send(W.XS_IS_DOMAIN_INTRODUCED, '7\0').text).toBe('T\0');
    // Same MFN again re-creates the event channel quietly (no @introduceDomain/@releaseDomain).
    d0.send(W.XS_WATCH, '@introduceDomain\0i\0');
    d0.send(W.XS_WATCH, '@releaseDomain\0r\0');
    d0.events();
    const before = s.domains.get(7)!.conn;
    expect(d0.err(W.XS_INTRODUCE, '7\x001234\x003\0')).toBe('none');
    expect(d0.events()).toEqual([]);
    expect(s.domains.get(7)!.conn).not.toBe(before);
    expect(before.closed).toBe(true);
    // Another MFN is refused.
    expect(d0.err(W.XS_INTRODUCE, '7\x009999\x003\0')).toBe('EINVAL');
    expect(d0.err(W.XS_RESUME, '7\0')).toBe('none');
    expect(d0.err(W.XS_RESUME, '8\0')).toBe('ENOENT');
    expect(d0.err(W.XS_SET_TARGET, '7\x005\0')).toBe('none');
    expect(s.domains.get(7)?.conn.target).toBe(5);
    expect(d0.err(W.XS_SET_TARGET, '8\x005\0')).toBe('ENOENT');
    expect(d0.err(W.XS_RELEASE, '7\0')).toBe('none');
    expect(d0.err(W.XS_RELEASE, '7\0')).toBe('ENOENT');
    for (const t of [W.XS_INTRODUCE, W.XS_RELEASE, W.XS_IS_DOMAIN_INTRODUCED, W.XS_RESUME, W.XS_SET_TARGET]) {
      expect(u.err(t, '7\x001\x001\0')).toBe('EACCES');
    }
  });

  it('argument checks: bad domid, mfn or port are EINVAL', () => {
    for (const bad of [
      'x\x001\x001\0',
      '7\0-1\x001\0',
      '7\x001\x000\0',
      '7\x001\0',
      '32752\x001\x001\0',
      '7\x001\0p\0',
    ]) {
      expect(d0.err(W.XS_INTRODUCE, bad)).toBe('EINVAL');
    }
    expect(d0.err(W.XS_RELEASE, 'abc\0')).toBe('EINVAL');
  });

  it('GET_DOMAIN_PATH answers anybody', () => {
    expect(u.send(W.XS_GET_DOMAIN_PATH, '12\0').text).toBe('/local/domain/12\0');
    expect(u.err(W.XS_GET_DOMAIN_PATH, 'twelve\0')).toBe('EINVAL');
  });
});

describe('RESET_WATCHES and DIRECTORY_PART', () => {
  it('RESET_WATCHES drops the connection’s watches and transactions', () => {
    u.send(W.XS_WATCH, 'data\0tok\0');
    const tx = Number(u.send(W.XS_TRANSACTION_START, '\0').strings[0]);
    expect(u.err(W.XS_RESET_WATCHES, '')).toBe('none');
    u.events();
    u.write('data/x', '1');
    expect(u.events()).toEqual([]);
    expect(u.err(W.XS_READ, 'data/x\0', tx)).toBe('ENOENT');
  });

  it('DIRECTORY_PART pages through a child list: generation, then names, an empty string at the end', () => {
    d0.write('/big', '');
    const names = Array.from({ length: 300 }, (_, i) => `child-number-${String(i).padStart(4, '0')}`);
    for (const n of names) d0.write(`/big/${n}`, '');
    expect(d0.err(W.XS_DIRECTORY, '/big\0')).toBe('E2BIG');
    const got: string[] = [];
    let off = 0;
    let gen: string | undefined;
    for (let i = 0; i < 10; i++) {
      const r = d0.send(W.XS_DIRECTORY_PART, `/big\0${off}\0`);
      expect(r.payload.length).toBeLessThanOrEqual(W.XENSTORE_PAYLOAD_MAX);
      const [g, ...rest] = r.strings;
      gen ??= g;
      expect(g).toBe(gen);
      const done = rest.length > 0 && rest[rest.length - 1] === '';
      const part = done ? rest.slice(0, -1) : rest;
      got.push(...part);
      off += part.reduce((a, n) => a + n.length + 1, 0);
      if (done || part.length === 0) break;
    }
    expect(got).toEqual(names);
    expect(d0.send(W.XS_DIRECTORY_PART, `/big\0${1 << 20}\0`).strings).toEqual([gen, '']);
    expect(d0.err(W.XS_DIRECTORY_PART, '/big\0x\0')).toBe('EINVAL');
  });
});
