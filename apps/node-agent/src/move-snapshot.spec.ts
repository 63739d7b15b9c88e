import { describe, expect, it } from 'vitest';
import {
  decodeMoveSnapshot,
  encodeMoveSnapshot,
  MoveSnapshotError,
  type MoveSnapshot,
} from './move-snapshot';

const move: MoveSnapshot = {
  snapshot: {
    domainId: 'd1',
    xen: new Uint8Array([1, 2, 3, 4, 5]),
    paused: true,
    pendingInput: new TextEncoder().encode('ls\n'),
  },
  imageId: 'xenolite',
  consoleNextSeq: 4242,
};

/** The envelope with its header replaced (the stream after it kept). */
function withHeader(header: unknown, xen = move.snapshot.xen): Buffer {
  const json = Buffer.from(JSON.stringify(header));
  const length = Buffer.alloc(4);
  length.writeUInt32LE(json.length);
  return Buffer.concat([Buffer.from('XENOMOV1'), length, json, xen]);
}

const header = {
  domainId: 'd1',
  imageId: 'xenolite',
  paused: false,
  consoleNextSeq: 0,
  pendingInput: '',
  xenBytes: 5,
};

describe('move snapshot envelope', () => {
  it('round-trips everything the target needs', () => {
    expect(decodeMoveSnapshot(encodeMoveSnapshot(move))).toEqual(move);
  });

  it.each<[string, Buffer, string]>([
    ['empty', Buffer.alloc(0), 'too short (0 bytes)'],
    ['another format', Buffer.from('XENOSNAP\0\0\0\0'), 'not a move snapshot'],
    [
      'a header running past the end',
      Buffer.concat([Buffer.from('XENOMOV1'), Buffer.from([255, 255, 0, 0])]),
      'header length 65535 runs past the end',
    ],
    [
      'a header that is not JSON',
      Buffer.concat([Buffer.from('XENOMOV1'), Buffer.from([2, 0, 0, 0]), Buffer.from('{x')]),
      'header is not JSON',
    ],
    ['a header that is not an object', withHeader(7), 'header is not an object'],
    ['no domain id', withHeader({ ...header, domainId: '' }), 'header.domainId missing'],
    [
      'a paused flag of the wrong type',
      withHeader({ ...header, paused: 'yes' }),
      'header.paused must be a boolean',
    ],
    [
      'input that is not base64',
      withHeader({ ...header, pendingInput: '!!' }),
      'header.pendingInput must be base64',
    ],
    [
      'a negative console seq',
      withHeader({ ...header, consoleNextSeq: -1 }),
      'header.consoleNextSeq must be an integer ≥ 0',
    ],
    ['a cut xen stream', withHeader(header, new Uint8Array(3)), 'xen stream is 3 bytes, header says 5'],
  ])('refuses %s with the reason', (_what, bytes, reason) => {
    let error: unknown;
    try {
      decodeMoveSnapshot(bytes);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(MoveSnapshotError);
    expect((error as Error).message).toBe(reason);
  });

  it('never throws anything but MoveSnapshotError on a truncated or bit-flipped envelope', () => {
    const good = encodeMoveSnapshot(move);
    for (let cut = 0; cut < good.length; cut++)
      expect(() => decodeMoveSnapshot(good.subarray(0, cut))).toThrow(MoveSnapshotError);
    for (let i = 0; i < good.length * 8; i += 3) {
      const flipped = Buffer.from(good);
      flipped[i >> 3] ^= 1 << (i & 7);
      try {
        decodeMoveSnapshot(flipped);
      } catch (error) {
        expect(error).toBeInstanceOf(MoveSnapshotError);
      }
    }
  });
});
