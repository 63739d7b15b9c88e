import { beforeEach, describe, expect, it } from 'vitest';
import {
  permFor,
  XS_PERM_ALL,
  XS_PERM_NONE,
  XS_PERM_READ,
  XS_PERM_WRITE,
} from '../../src/xenstore/permissions';
import { XenstoreServer } from '../../src/xenstore/server';
import * as W from '../../src/xenstore/wire';
import { RawConn } from './raw-conn';

let s: XenstoreServer;
let d0: RawConn;
const conns = new Map<number, RawConn>();
beforeEach(() => {
  s = new XenstoreServer();
  d0 = new RawConn(s, 0, true);
  conns.clear();
  for (const id of [5, 6, 7]) conns.set(id, new RawConn(s, id));
});
const dom = (id: number): RawConn => conns.get(id)!;

describe('perm_for_conn', () => {
  it('owner and privileged get everything; listed domains their entry; the rest the owner entry’s bits', () => {
    const perms = [
      { domid: 5, perm: XS_PERM_NONE },
      { domid: 6, perm: XS_PERM_READ },
      { domid: 7, perm: XS_PERM_WRITE },
    ];
    expect(permFor({ domid: 5, privileged: false }, perms)).toBe(XS_PERM_ALL);
    expect(permFor({ domid: 0, privileged: true }, perms)).toBe(XS_PERM_ALL);
    expect(permFor({ domid: 6, privileged: false }, perms)).toBe(XS_PERM_READ);
    expect(permFor({ domid: 7, privileged: false }, perms)).toBe(XS_PERM_WRITE);
    expect(permFor({ domid: 8, privileged: false }, perms)).toBe(XS_PERM_NONE);
    expect(permFor({ domid: 8, privileged: false }, [{ domid: 5, perm: 3 }])).toBe(3);
    // A stub domain acts with its target's rights.
    expect(permFor({ domid: 9, privileged: false, target: 5 }, perms)).toBe(XS_PERM_ALL);
    expect(permFor({ domid: 9, privileged: false, target: 6 }, perms)).toBe(XS_PERM_READ);
  });
});

describe('the permission matrix over the wire', () => {
  /** Node /n owned by 5, readable by 6, writable by 7, nothing for others ("n5 r6 w7"). */
  beforeEach(() => {
    d0.write('/n', 'v');
    d0.write('/n/c', 'child');
    d0.send(W.XS_SET_PERMS, '/n\0n5\0r6\0w7\0');
  });

  const ops = (c: RawConn) => ({
    read: c.err(W.XS_READ, '/n\0'),
    dir: c.err(W.XS_DIRECTORY, '/n\0'),
    perms: c.err(W.XS_GET_PERMS, '/n\0'),
    write: c.err(W.XS_WRITE, '/n\0w'),
    mkdir: c.err(W.XS_MKDIR, '/n\0'),
    create: c.err(W.XS_WRITE, '/n/new\0x'),
  });

  it('owner (5): everything', () => {
    expect(ops(dom(5))).toEqual({
      read: 'none',
      dir: 'none',
      perms: 'none',
      write: 'none',
      mkdir: 'none',
      create: 'none',
    });
  });

  it('reader (6): read, list, get perms; no write, no create below', () => {
    expect(ops(dom(6))).toEqual({
      read: 'none',
      dir: 'none',
      perms: 'none',
      write: 'EACCES',
      mkdir: 'EACCES',
      create: 'EACCES',
    });
  });

  it('writer (7): write and create, but no read/list', () => {
    expect(ops(dom(7))).toEqual({
      read: 'EACCES',
      dir: 'EACCES',
      perms: 'EACCES',
      write: 'none',
      mkdir: 'none',
      create: 'none',
    });
  });

  it('anybody else (8): nothing, and cannot even tell which nodes exist below', () => {
    const x = new RawConn(s, 8);
    expect(ops(x)).toEqual({
      read: 'EACCES',
      dir: 'EACCES',
      perms: 'EACCES',
      write: 'EACCES',
      mkdir: 'EACCES',
      create: 'EACCES',
    });
    // Existing and missing nodes under an unreadable parent look the same.
    expect(x.err(W.XS_READ, '/n/missing\0')).toBe('EACCES');
    expect(dom(6).err(W.XS_READ, '/n/missing\0')).toBe('ENOENT');
  });

  it('rm needs write on the node; SET_PERMS needs ownership; a domU cannot give a node away', () => {
    expect(dom(6).err(W.XS_RM, '/n/c\0')).toBe('EACCES');
    expect(dom(7).err(W.XS_SET_PERMS, '/n\0n5\0b7\0')).toBe('EACCES');
    expect(dom(5).err(W.XS_SET_PERMS, '/n\0n6\0')).toBe('EPERM');
    expect(dom(5).err(W.XS_SET_PERMS, '/n\0r5\0b6\0')).toBe('none');
    expect(dom(6).err(W.XS_WRITE, '/n\0by 6')).toBe('none');
    expect(new RawConn(s, 9).read('/n')).toBe('by 6');
    expect(dom(7).err(W.XS_RM, '/n/c\0')).toBe('EACCES');
    // dom0 may hand the node to anybody.
    expect(d0.err(W.XS_SET_PERMS, '/n\0n7\0')).toBe('none');
    expect(dom(7).err(W.XS_RM, '/n\0')).toBe('none');
  });

  it('nodes a domU creates are its own (owner rewritten), others’ bits inherited', () => {
    d0.send(W.XS_SET_PERMS, '/n\0n0\0w5\0r6\0');
    expect(dom(5).err(W.XS_WRITE, '/n/mine/deep\0x')).toBe('none');
    expect(d0.send(W.XS_GET_PERMS, '/n/mine\0').strings).toEqual(['n5', 'w5', 'r6']);
    expect(d0.send(W.XS_GET_PERMS, '/n/mine/deep\0').strings).toEqual(['n5', 'w5', 'r6']);
    expect(dom(6).read('/n/mine/deep')).toBe('x');
    // dom0's creations keep the inherited owner.
    d0.write('/n/dom0s', '');
    expect(d0.send(W.XS_GET_PERMS, '/n/dom0s\0').strings).toEqual(['n0', 'w5', 'r6']);
  });

  it('a domU sees its own home but not its neighbour’s', () => {
    for (const id of [5, 6]) {
      d0.write(`/local/domain/${id}/name`, `guest-${id}`);
      d0.send(W.XS_SET_PERMS, `/local/domain/${id}\0n0\0r${id}\0`);
      d0.send(W.XS_SET_PERMS, `/local/domain/${id}/name\0n0\0r${id}\0`);
    }
    expect(dom(5).read('name')).toBe('guest-5');
    expect(dom(5).err(W.XS_READ, '/local/domain/6/name\0')).toBe('EACCES');
    expect(dom(5).err(W.XS_DIRECTORY, '/local/domain\0')).toBe('EACCES');
    expect(dom(5).err(W.XS_WRITE, 'name\0evil')).toBe('EACCES');
    expect(dom(5).err(W.XS_READ, 'nothing-here\0')).toBe('ENOENT');
    expect(dom(5).err(W.XS_WRITE, 'new\0x')).toBe('EACCES');
  });
});
