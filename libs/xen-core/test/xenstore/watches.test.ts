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
  d0.write('/local/domain/5/device', '');
  d0.send(W.XS_SET_PERMS, '/local/domain/5\0n5\0');
  d0.send(W.XS_SET_PERMS, '/local/domain/5/device\0n5\0');
});

describe('XS_WATCH / XS_UNWATCH', () => {
  it('answers OK, then fires once at once with the watched path and token', () => {
    const r = d0.send(W.XS_WATCH, '/a\0tok\0');
    expect(r.text).toBe('OK\0');
    expect(d0.events()).toEqual([['/a', 'tok']]);
    s.handle(d0.conn, { type: W.XS_WATCH, reqId: 1, txId: 0, payload: W.nulStrings('/b', 't2') });
    expect(d0.inbox.map((m) => m.type)).toEqual([W.XS_WATCH, W.XS_WATCH_EVENT]);
    expect(W.payloadText(d0.inbox[1].payload)).toBe('/b\0t2\0');
    expect(d0.inbox[1]).toMatchObject({ reqId: 0, txId: 0 });
  });

  it('fires for changes at or below the watched path, with the changed path', () => {
    d0.send(W.XS_WATCH, '/a\0T\0');
    d0.events();
    d0.write('/a', '1');
    d0.write('/a/b/c', '2');
    d0.write('/ab', 'not below /a');
    d0.send(W.XS_MKDIR, '/a/d\0');
    d0.send(W.XS_MKDIR, '/a/d\0');
    d0.send(W.XS_SET_PERMS, '/a/b\0n0\0r5\0');
    expect(d0.events()).toEqual([
      ['/a', 'T'],
      ['/a/b/c', 'T'],
      ['/a/d', 'T'],
      ['/a/b', 'T'],
    ]);
  });

  it('rm of a parent fires the parent’s watchers and exact watches on every removed descendant', () => {
    d0.write('/p/q/r', '');
    d0.write('/p/q/s', '');
    d0.send(W.XS_WATCH, '/p\0parent\0');
    d0.send(W.XS_WATCH, '/p/q/r\0leaf\0');
    d0.send(W.XS_WATCH, '/p/q/r/never\0below\0');
    d0.send(W.XS_WATCH, '/\0root\0');
    d0.events();
    d0.send(W.XS_RM, '/p/q\0');
    const ev = d0.events();
    expect(ev).toContainEqual(['/p/q/r', 'leaf']);
    expect(ev).toContainEqual(['/p/q', 'parent']);
    expect(ev).toContainEqual(['/p/q', 'root']);
    expect(ev.filter(([, t]) => t === 'below')).toEqual([]);
    // The descendants fire exactly: the parent's watcher hears only about /p/q itself.
    expect(ev.filter(([, t]) => t === 'parent')).toEqual([['/p/q', 'parent']]);
  });

  it('relative watches report paths relative to the domain’s home', () => {
    expect(u.send(W.XS_WATCH, 'device\0rel\0').text).toBe('OK\0');
    expect(u.events()).toEqual([['device', 'rel']]);
    d0.write('/local/domain/5/device/vif/0/state', '1');
    expect(u.events()).toEqual([['device/vif/0/state', 'rel']]);
    u.send(W.XS_WATCH, '/local/domain/5/device\0abs\0');
    u.events();
    u.write('device/x', '');
    expect(u.events()).toEqual([
      ['device/x', 'rel'],
      ['/local/domain/5/device/x', 'abs'],
    ]);
  });

  it('a watcher only hears about nodes it can read (or whose parent it can read)', () => {
    d0.write('/secret/inner', 'x');
    u.send(W.XS_WATCH, '/secret\0s\0');
    expect(u.events()).toEqual([['/secret', 's']]);
    d0.write('/secret/inner', 'y');
    expect(u.events()).toEqual([]);
    d0.send(W.XS_SET_PERMS, '/secret\0n0\0r5\0');
    expect(u.events()).toEqual([['/secret', 's']]);
    // /secret/inner is not readable, but its parent is.
    d0.write('/secret/inner', 'z');
    expect(u.events()).toEqual([['/secret/inner', 's']]);
    // Taking read access away still tells the watcher (old permissions allowed it).
    d0.send(W.XS_SET_PERMS, '/secret\0n0\0');
    expect(u.events()).toEqual([['/secret', 's']]);
  });

  it('duplicates are EEXIST, unknown unwatch ENOENT, malformed EINVAL; unwatch stops events', () => {
    expect(d0.err(W.XS_WATCH, '/a\0t\0')).toBe('none');
    expect(d0.err(W.XS_WATCH, '/a\0t\0')).toBe('EEXIST');
    expect(d0.err(W.XS_WATCH, '/a\0t2\0')).toBe('none');
    expect(d0.err(W.XS_WATCH, '/a\0')).toBe('EINVAL');
    expect(d0.err(W.XS_WATCH, '/a/\0t\0')).toBe('EINVAL');
    expect(d0.err(W.XS_UNWATCH, '/a\0nope\0')).toBe('ENOENT');
    expect(d0.err(W.XS_UNWATCH, '/a\0t\0')).toBe('none');
    d0.events();
    d0.write('/a', '');
    expect(d0.events()).toEqual([['/a', 't2']]);
  });

  it('special watches: @introduceDomain / @releaseDomain reach dom0; a domU only with read permission', () => {
    d0.send(W.XS_WATCH, '@introduceDomain\0in\0');
    d0.send(W.XS_WATCH, '@releaseDomain\0out\0');
    u.send(W.XS_WATCH, '@releaseDomain\0u-out\0');
    expect(u.events()).toEqual([['@releaseDomain', 'u-out']]);
    d0.events();
    d0.send(W.XS_INTRODUCE, '9\x001\x002\0');
    d0.send(W.XS_RELEASE, '9\0');
    expect(d0.events()).toEqual([
      ['@introduceDomain', 'in'],
      ['@releaseDomain', 'out'],
    ]);
    expect(u.events()).toEqual([]);
    d0.send(W.XS_SET_PERMS, '@releaseDomain\0n0\0r5\0');
    // Changing the special node's permissions is itself a change to it.
    expect(u.events()).toEqual([['@releaseDomain', 'u-out']]);
    d0.send(W.XS_INTRODUCE, '9\x001\x002\0');
    d0.send(W.XS_RELEASE, '9\0');
    expect(u.events()).toEqual([['@releaseDomain', 'u-out']]);
    // Writes never fire special watches.
    d0.events();
    d0.write('/x', '');
    expect(d0.events()).toEqual([]);
  });
});
