/**
 * Builds and drives the native harness (native/harness.c + native/trampoline.S) with the host gcc.
 * The protocol is documented in tools/x86-oracle/README.md.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { OracleCase, Patch } from './case-builder';

/** tools/x86-oracle, whether running from the sources or from dist/ (compiled by tsconfig.build.json). */
export const ORACLE_DIR =
  [
    resolve(__dirname, '..'),
    resolve(__dirname, '../../../../tools/x86-oracle'),
    resolve(process.cwd(), 'tools/x86-oracle'),
  ].find((d) => existsSync(join(d, 'native', 'harness.c'))) ?? resolve(__dirname, '..');
const NATIVE_DIR = join(ORACLE_DIR, 'native');
const BUILD_DIR = join(ORACLE_DIR, '.build');
const MAGIC = 0x49524f58;
const PROTOCOL_VERSION = 1;

export interface BaseWindows {
  data: Uint8Array;
  stack: Uint8Array;
}

export const enum Status {
  Ok = 0,
  Exception = 1,
  Timeout = 2,
}

export interface NativeResult {
  status: Status;
  vector: number;
  errorCode: number;
  rip: bigint;
  gpr: bigint[];
  rflags: bigint;
  faultAddr: bigint;
  diffs: Patch[];
}

/** Can the native oracle run here (x86-64 Linux with gcc)? */
export function nativeAvailable(): boolean {
  if (process.platform !== 'linux' || process.arch !== 'x64') return false;
  return spawnSync('gcc', ['--version'], { stdio: 'ignore' }).status === 0;
}

/** Path of the harness binary, compiled on first use (cached by a hash of its sources). */
export function harnessBinary(): string {
  const sources = ['harness.c', 'trampoline.S'].map((f) => join(NATIVE_DIR, f));
  const hash = createHash('sha256');
  for (const s of sources) hash.update(readFileSync(s));
  const bin = join(BUILD_DIR, `harness-${hash.digest('hex').slice(0, 16)}`);
  if (existsSync(bin)) return bin;
  mkdirSync(BUILD_DIR, { recursive: true });
  const tmp = `${bin}.${process.pid}.tmp`;
  const r = spawnSync('gcc', ['-O2', '-Wall', '-Wextra', '-o', tmp, ...sources], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`building the x86 oracle harness failed:\n${r.stderr}`);
  renameSync(tmp, bin);
  return bin;
}

/** A growable little-endian byte writer. */
export class ByteWriter {
  private buf = Buffer.alloc(1 << 16);
  length = 0;

  private ensure(n: number): void {
    if (this.length + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.length + n) size *= 2;
    const next = Buffer.alloc(size);
    this.buf.copy(next, 0, 0, this.length);
    this.buf = next;
  }
  u8(v: number): void {
    this.ensure(1);
    this.buf[this.length++] = v;
  }
  u16(v: number): void {
    this.ensure(2);
    this.buf.writeUInt16LE(v, this.length);
    this.length += 2;
  }
  u32(v: number): void {
    this.ensure(4);
    this.buf.writeUInt32LE(v >>> 0, this.length);
    this.length += 4;
  }
  u64(v: bigint): void {
    this.ensure(8);
    this.buf.writeBigUInt64LE(BigInt.asUintN(64, v), this.length);
    this.length += 8;
  }
  bytes(b: Uint8Array): void {
    this.ensure(b.length);
    this.buf.set(b, this.length);
    this.length += b.length;
  }
  result(): Buffer {
    return this.buf.subarray(0, this.length);
  }
}

/** Serialize one vector as a harness 'V' message (also hashed to pin committed vectors to their inputs). */
export function writeCase(w: ByteWriter, c: OracleCase): void {
  w.u8(0x56);
  w.u16(c.code.length);
  w.bytes(c.code);
  for (const g of c.gpr) w.u64(g);
  w.u64(c.rflags);
  w.u16(c.patches.length);
  for (const p of c.patches) {
    w.u8(p.win);
    w.u16(p.off);
    w.u16(p.bytes.length);
    w.bytes(p.bytes);
  }
}

export function writeBase(w: ByteWriter, base: BaseWindows): void {
  w.u8(0x42);
  w.bytes(base.data);
  w.bytes(base.stack);
}

/** Run `cases` (all sharing `base`) on the host CPU. */
export function runNative(bin: string, base: BaseWindows, cases: readonly OracleCase[]): NativeResult[] {
  const results: NativeResult[] = [];
  const CHUNK = 20000;
  for (let start = 0; start < cases.length; start += CHUNK) {
    const w = new ByteWriter();
    w.u32(MAGIC);
    w.u32(PROTOCOL_VERSION);
    writeBase(w, base);
    const end = Math.min(cases.length, start + CHUNK);
    for (let i = start; i < end; i++) writeCase(w, cases[i]);
    w.u8(0x45);
    const r = spawnSync(bin, [], { input: w.result(), maxBuffer: 1 << 30 });
    if (r.status !== 0) {
      throw new Error(
        `x86 oracle harness failed (status ${r.status}, signal ${r.signal}): ${r.stderr?.toString()}`,
      );
    }
    parseResults(r.stdout, end - start, results);
  }
  return results;
}

function parseResults(out: Buffer, count: number, into: NativeResult[]): void {
  let p = 0;
  for (let i = 0; i < count; i++) {
    const status = out[p] as Status;
    const vector = out[p + 1];
    const errorCode = out.readUInt32LE(p + 4);
    const rip = out.readBigUInt64LE(p + 8);
    p += 16;
    const gpr: bigint[] = [];
    for (let r = 0; r < 16; r++, p += 8) gpr.push(out.readBigUInt64LE(p));
    const rflags = out.readBigUInt64LE(p);
    const faultAddr = out.readBigUInt64LE(p + 8);
    const ndiff = out.readUInt16LE(p + 16);
    p += 18;
    const diffs: Patch[] = [];
    for (let d = 0; d < ndiff; d++) {
      const win = out[p] as 0 | 1;
      const off = out.readUInt16LE(p + 1);
      const len = out.readUInt16LE(p + 3);
      diffs.push({ win, off, bytes: Uint8Array.from(out.subarray(p + 5, p + 5 + len)) });
      p += 5 + len;
    }
    into.push({ status, vector, errorCode, rip, gpr, rflags, faultAddr, diffs });
  }
  if (p !== out.length) throw new Error(`x86 oracle harness output has ${out.length - p} trailing bytes`);
}
