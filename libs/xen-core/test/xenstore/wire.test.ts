import { describe, expect, it } from 'vitest';
import * as W from '../../src/xenstore/wire';
import { rng } from './guest-ring';

describe('xs_wire codec', () => {
  it('header layout: type, req_id, tx_id, len as little-endian u32s', () => {
    const b = W.encodeMessage({
      type: W.XS_WRITE,
      reqId: 0x01020304,
      txId: 7,
      payload: W.pathAndValue('/a', 'xyz'),
    });
    expect([...b.subarray(0, 16)]).toEqual([11, 0, 0, 0, 4, 3, 2, 1, 7, 0, 0, 0, 6, 0, 0, 0]);
    expect(W.payloadText(b.subarray(16))).toBe('/a\0xyz');
    expect(W.decodeHeader(b)).toEqual({ type: 11, reqId: 0x01020304, txId: 7, len: 6 });
  });

  it('round-trips random messages, and reports incomplete input as undefined', () => {
    const r = rng(7);
    for (let i = 0; i < 500; i++) {
      const payload = Uint8Array.from({ length: Math.floor(r() * 300) }, () => Math.floor(r() * 256));
      const msg = {
        type: Math.floor(r() * 30),
        reqId: Math.floor(r() * 2 ** 32),
        txId: Math.floor(r() * 2 ** 32),
        payload,
      };
      const enc = W.encodeMessage(msg);
      expect(W.decodeMessage(enc)).toEqual({ msg, size: enc.length });
      const cut = Math.floor(r() * enc.length);
      expect(W.decodeMessage(enc.subarray(0, cut))).toBeUndefined();
      const two = new Uint8Array(enc.length * 2);
      two.set(enc);
      two.set(enc, enc.length);
      expect(W.decodeMessage(two)?.size).toBe(enc.length);
    }
  });

  it('payload strings: NUL-terminated lists, path\\0value, unterminated tails', () => {
    expect(W.payloadText(W.nulStrings('a', '', 'bc'))).toBe('a\0\0bc\0');
    expect(W.splitStrings(W.nulStrings('x', 'y'))).toEqual({ strings: ['x', 'y'], rest: new Uint8Array(0) });
    const s = W.splitStrings(W.pathAndValue('/p', 'v\0w'));
    expect(s.strings).toEqual(['/p', 'v']);
    expect(W.payloadText(s.rest)).toBe('w');
    expect(W.splitStrings(new Uint8Array(0))).toEqual({ strings: [], rest: new Uint8Array(0) });
  });

  it('names every type and error the ABI lists', () => {
    expect(W.XS_TYPE_NAMES[W.XS_WATCH_EVENT]).toBe('WATCH_EVENT');
    expect(Object.keys(W.XS_TYPE_NAMES)).toHaveLength(26);
    for (const e of [
      'EINVAL',
      'EACCES',
      'EEXIST',
      'EISDIR',
      'ENOENT',
      'ENOMEM',
      'ENOSPC',
      'EIO',
      'ENOTEMPTY',
    ]) {
      expect(W.XS_ERROR_NAMES).toContain(e);
    }
    for (const e of ['ENOSYS', 'EROFS', 'EBUSY', 'EAGAIN', 'EISCONN', 'E2BIG', 'EPERM', 'EQUOTA']) {
      expect(W.XS_ERROR_NAMES).toContain(e);
    }
  });
});
