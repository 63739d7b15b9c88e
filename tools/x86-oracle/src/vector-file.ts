/**
 * Committed vector files: tools/x86-oracle/vectors/<group>.bin.gz. Inputs are not stored (they are
 * regenerated from the group seed); only the native outputs are, plus a SHA-256 of the serialized
 * inputs so a changed generator is detected instead of silently comparing against stale outputs.
 *
 * Layout (little-endian, then gzip -9):
 *   "XOV1" u32 version=1, u32 count, u32 seed, u8[32] inputHash, u16 nameLen, name
 *   per vector:
 *     u8 status (0 ok, 1 exception, 2 timeout = no expectation)
 *     if status == 1: u8 vector, u16 errorCode, u64 rip (the faulting instruction; a fetch fault's RIP is the target)
 *     u16 changedGprMask, then u64 for each changed GPR (ascending)
 *     u32 rflags (low 32 bits)
 *     u16 diffCount, then per diff: u8 window (0 data, 1 stack), u16 offset, u16 length, bytes
 */
import { createHash } from 'node:crypto';
import { gunzipSync, gzipSync } from 'node:zlib';
import { CODE_BASE, type OracleCase, type Patch } from './case-builder';
import {
  ByteWriter,
  Status,
  writeBase,
  writeCase,
  type BaseWindows,
  type NativeResult,
} from './native-runner';

const MAGIC = 'XOV1';
const FORMAT_VERSION = 1;

/** What the CPU did for one vector (the oracle's answer). */
export interface Expected {
  status: Status;
  vector: number;
  errorCode: number;
  rip: bigint;
  gpr: bigint[];
  rflags: bigint;
  diffs: Patch[];
}

export interface VectorFile {
  name: string;
  seed: number;
  inputHash: string;
  expected: Expected[];
}

/** SHA-256 (hex) of the harness serialization of a group's inputs. */
export function inputHash(base: BaseWindows, cases: readonly OracleCase[]): string {
  const h = createHash('sha256');
  const w0 = new ByteWriter();
  writeBase(w0, base);
  h.update(w0.result());
  let w = new ByteWriter();
  for (const c of cases) {
    writeCase(w, c);
    if (w.length > 1 << 20) {
      h.update(w.result());
      w = new ByteWriter();
    }
  }
  h.update(w.result());
  return h.digest('hex');
}

export function fromNative(r: NativeResult): Expected {
  return {
    status: r.status,
    vector: r.vector,
    errorCode: r.errorCode,
    rip: r.rip,
    gpr: r.gpr,
    rflags: r.rflags,
    diffs: r.diffs,
  };
}

export function encodeVectorFile(
  name: string,
  seed: number,
  hash: string,
  cases: readonly OracleCase[],
  results: readonly NativeResult[],
): Buffer {
  const w = new ByteWriter();
  for (const ch of MAGIC) w.u8(ch.charCodeAt(0));
  w.u32(FORMAT_VERSION);
  w.u32(cases.length);
  w.u32(seed);
  w.bytes(Buffer.from(hash, 'hex'));
  const nameBytes = Buffer.from(name, 'utf8');
  w.u16(nameBytes.length);
  w.bytes(nameBytes);
  for (let i = 0; i < cases.length; i++) {
    const r = results[i];
    w.u8(r.status);
    if (r.status === Status.Exception) {
      w.u8(r.vector);
      w.u16(r.errorCode & 0xffff);
      w.u64(r.rip);
    }
    let changed = 0;
    for (let g = 0; g < 16; g++) if (r.gpr[g] !== cases[i].gpr[g]) changed |= 1 << g;
    w.u16(changed);
    for (let g = 0; g < 16; g++) if (changed & (1 << g)) w.u64(r.gpr[g]);
    w.u32(Number(r.rflags & 0xffffffffn));
    w.u16(r.diffs.length);
    for (const d of r.diffs) {
      w.u8(d.win);
      w.u16(d.off);
      w.u16(d.bytes.length);
      w.bytes(d.bytes);
    }
  }
  return gzipSync(w.result(), { level: 9 });
}

/**
 * Decode a vector file; `cases` supplies the input GPRs for registers the file does not store. Passing
 * fewer cases than the file holds decodes only that prefix.
 */
export function decodeVectorFile(gz: Buffer, cases: readonly OracleCase[]): VectorFile {
  const b = gunzipSync(gz);
  if (b.subarray(0, 4).toString('latin1') !== MAGIC) throw new Error('not an x86 oracle vector file');
  if (b.readUInt32LE(4) !== FORMAT_VERSION) throw new Error('unsupported vector file version');
  const count = b.readUInt32LE(8);
  const seed = b.readUInt32LE(12);
  const hash = b.subarray(16, 48).toString('hex');
  const nameLen = b.readUInt16LE(48);
  const name = b.subarray(50, 50 + nameLen).toString('utf8');
  if (count < cases.length)
    throw new Error(`vector file ${name} holds ${count} vectors, generator made ${cases.length}`);
  let p = 50 + nameLen;
  const expected: Expected[] = [];
  for (let i = 0; i < cases.length; i++) {
    const status = b[p++] as Status;
    let vector = 0;
    let errorCode = 0;
    let rip = CODE_BASE + BigInt(cases[i].code.length);
    if (status === Status.Exception) {
      vector = b[p];
      errorCode = b.readUInt16LE(p + 1);
      rip = b.readBigUInt64LE(p + 3);
      p += 11;
    }
    const changed = b.readUInt16LE(p);
    p += 2;
    const gpr = cases[i].gpr.slice();
    for (let g = 0; g < 16; g++) {
      if (changed & (1 << g)) {
        gpr[g] = b.readBigUInt64LE(p);
        p += 8;
      }
    }
    const rflags = BigInt(b.readUInt32LE(p));
    const ndiff = b.readUInt16LE(p + 4);
    p += 6;
    const diffs: Patch[] = [];
    for (let d = 0; d < ndiff; d++) {
      const win = b[p] as 0 | 1;
      const off = b.readUInt16LE(p + 1);
      const len = b.readUInt16LE(p + 3);
      diffs.push({ win, off, bytes: b.subarray(p + 5, p + 5 + len) });
      p += 5 + len;
    }
    expected.push({ status, vector, errorCode, rip, gpr, rflags, diffs });
  }
  return { name, seed, inputHash: hash, expected };
}

/** Read only the header (name, seed, count, hash) without regenerating inputs. */
export function readHeader(gz: Buffer): { name: string; seed: number; count: number; inputHash: string } {
  const b = gunzipSync(gz);
  const nameLen = b.readUInt16LE(48);
  return {
    count: b.readUInt32LE(8),
    seed: b.readUInt32LE(12),
    inputHash: b.subarray(16, 48).toString('hex'),
    name: b.subarray(50, 50 + nameLen).toString('utf8'),
  };
}
