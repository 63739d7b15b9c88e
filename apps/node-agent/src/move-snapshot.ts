/**
 * What an agent stores in Redis when it saves a domain for a move: xen-core's snapshot stream wrapped with
 * the agent's own state — the tenant's pause, keyboard input not yet in the ring, and the console
 * sequence number the target continues from (so the scrollback has no gap and no duplicate even if the
 * console stream was trimmed meanwhile). Layout: magic `XENOMOV1`, u32 LE header length, the header as
 * UTF-8 JSON, then the xen-core stream. Decoding checks every field and length before using it: whatever
 * sits under a snapshot key is untrusted input.
 */
import type { HostSnapshot } from './host/host-protocol';

const MAGIC = Buffer.from('XENOMOV1', 'latin1');
const MAX_HEADER_BYTES = 4 * 1024 * 1024;

export interface MoveSnapshot {
  snapshot: HostSnapshot;
  /** Image the domain was built from (the target needs it to reboot the guest later). */
  imageId: string;
  /** seq of the next console byte: every earlier byte is in the console stream already. */
  consoleNextSeq: number;
}

interface Header {
  domainId: string;
  imageId: string;
  paused: boolean;
  consoleNextSeq: number;
  pendingInput: string;
  xenBytes: number;
}

export class MoveSnapshotError extends Error {
  override readonly name = 'MoveSnapshotError';
}

export function encodeMoveSnapshot(move: MoveSnapshot): Buffer {
  const { snapshot } = move;
  const header: Header = {
    domainId: snapshot.domainId,
    imageId: move.imageId,
    paused: snapshot.paused,
    consoleNextSeq: move.consoleNextSeq,
    pendingInput: Buffer.from(snapshot.pendingInput).toString('base64'),
    xenBytes: snapshot.xen.length,
  };
  const json = Buffer.from(JSON.stringify(header), 'utf8');
  const length = Buffer.alloc(4);
  length.writeUInt32LE(json.length);
  return Buffer.concat([MAGIC, length, json, snapshot.xen]);
}

/** Throws MoveSnapshotError naming what is wrong. */
export function decodeMoveSnapshot(bytes: Buffer): MoveSnapshot {
  if (bytes.length < MAGIC.length + 4) throw new MoveSnapshotError(`too short (${bytes.length} bytes)`);
  if (!bytes.subarray(0, MAGIC.length).equals(MAGIC)) throw new MoveSnapshotError('not a move snapshot');
  const headerBytes = bytes.readUInt32LE(MAGIC.length);
  const start = MAGIC.length + 4;
  if (headerBytes > MAX_HEADER_BYTES || start + headerBytes > bytes.length)
    throw new MoveSnapshotError(`header length ${headerBytes} runs past the end`);
  let value: unknown;
  try {
    value = JSON.parse(bytes.subarray(start, start + headerBytes).toString('utf8'));
  } catch {
    throw new MoveSnapshotError('header is not JSON');
  }
  const header = checkHeader(value);
  const xen = bytes.subarray(start + headerBytes);
  if (xen.length !== header.xenBytes)
    throw new MoveSnapshotError(`xen stream is ${xen.length} bytes, header says ${header.xenBytes}`);
  return {
    snapshot: {
      domainId: header.domainId,
      paused: header.paused,
      pendingInput: new Uint8Array(Buffer.from(header.pendingInput, 'base64')),
      xen: new Uint8Array(xen),
    },
    imageId: header.imageId,
    consoleNextSeq: header.consoleNextSeq,
  };
}

function checkHeader(value: unknown): Header {
  if (typeof value !== 'object' || value === null) throw new MoveSnapshotError('header is not an object');
  const h = value as Partial<Record<keyof Header, unknown>>;
  for (const key of ['domainId', 'imageId'] as const)
    if (typeof h[key] !== 'string' || h[key] === '') throw new MoveSnapshotError(`header.${key} missing`);
  if (typeof h.paused !== 'boolean') throw new MoveSnapshotError('header.paused must be a boolean');
  if (typeof h.pendingInput !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(h.pendingInput))
    throw new MoveSnapshotError('header.pendingInput must be base64');
  for (const key of ['consoleNextSeq', 'xenBytes'] as const)
    if (!Number.isSafeInteger(h[key]) || (h[key] as number) < 0)
      throw new MoveSnapshotError(`header.${key} must be an integer ≥ 0`);
  return h as Header;
}
