/**
 * The PV console backend (§10.1): ring index arithmetic with wraparound of both the byte index and
 * the free-running u32 counters, corrupt indices, and the Node streams (output Readable fed by the
 * ring and console_io, input Writable feeding in[] with a notification), bounded with drop counts.
 */
import { describe, expect, it } from 'vitest';
import { ConsoleBackend } from '../../src/exec/console/console-backend';
import { ConsoleRing, XENCONS_IN_SIZE, XENCONS_OUT_SIZE } from '../../src/exec/console/console-ring';
import { ArrayPhysicalMemory } from '../../src/mem/guest-physical-memory';
import {
  XENCONS_CONNECTION,
  XENCONS_IN,
  XENCONS_IN_CONS,
  XENCONS_IN_PROD,
  XENCONS_OUT,
  XENCONS_OUT_CONS,
  XENCONS_OUT_PROD,
} from '../../src/public/layout';

const MFN = 3;
const BASE = MFN * 4096;

/** The guest side of the ring, as a frontend writes it. */
class Frontend {
  constructor(readonly mem: ArrayPhysicalMemory) {}
  write(bytes: Uint8Array): number {
    const cons = this.mem.readU32(BASE + XENCONS_OUT_CONS);
    let prod = this.mem.readU32(BASE + XENCONS_OUT_PROD);
    let n = 0;
    while (n < bytes.length && (prod - cons) >>> 0 < XENCONS_OUT_SIZE) {
      this.mem.writeU8(BASE + XENCONS_OUT + (prod & (XENCONS_OUT_SIZE - 1)), bytes[n++]);
      prod = (prod + 1) >>> 0;
    }
    this.mem.writeU32(BASE + XENCONS_OUT_PROD, prod);
    return n;
  }
  read(): Uint8Array {
    let cons = this.mem.readU32(BASE + XENCONS_IN_CONS);
    const prod = this.mem.readU32(BASE + XENCONS_IN_PROD);
    const out: number[] = [];
    while (cons !== prod) {
      out.push(this.mem.readU8(BASE + XENCONS_IN + (cons & (XENCONS_IN_SIZE - 1))));
      cons = (cons + 1) >>> 0;
    }
    this.mem.writeU32(BASE + XENCONS_IN_CONS, cons);
    return Uint8Array.from(out);
  }
  setIndices(outIdx: number, inIdx: number): void {
    for (const o of [XENCONS_OUT_CONS, XENCONS_OUT_PROD]) this.mem.writeU32(BASE + o, outIdx);
    for (const o of [XENCONS_IN_CONS, XENCONS_IN_PROD]) this.mem.writeU32(BASE + o, inIdx);
  }
}

const bytes = (n: number, seed = 0): Uint8Array =>
  Uint8Array.from({ length: n }, (_, i) => (i * 31 + seed) & 0xff);

function setup(opts = {}): {
  mem: ArrayPhysicalMemory;
  fe: Frontend;
  be: ConsoleBackend;
  ring: ConsoleRing;
  notified: () => number;
} {
  const mem = new ArrayPhysicalMemory(8 * 4096);
  mem.writeU8(BASE + XENCONS_CONNECTION, 1);
  const ring = new ConsoleRing(mem, MFN);
  const be = new ConsoleBackend(opts);
  let n = 0;
  be.attach(ring, () => n++);
  return { mem, fe: new Frontend(mem), be, ring, notified: () => n };
}

function drainStream(be: ConsoleBackend): Uint8Array {
  const parts: Buffer[] = [];
  for (let c = be.output.read(); c !== null; c = be.output.read()) parts.push(c as Buffer);
  return new Uint8Array(Buffer.concat(parts));
}

describe('console ring', () => {
  it('connects and drains out[] across the 2 KiB wrap and the u32 counter wrap', () => {
    const { mem, fe, be, notified } = setup();
    expect(mem.readU8(BASE + XENCONS_CONNECTION)).toBe(0);
    fe.setIndices(0xfffffc00, 0xfffffe00); // 1 KiB before the u32 wrap
    const data = bytes(5000);
    let sent = 0;
    const got: Uint8Array[] = [];
    while (sent < data.length) {
      sent += fe.write(data.subarray(sent));
      be.service();
      got.push(drainStream(be));
    }
    expect(Buffer.concat(got)).toEqual(Buffer.from(data));
    expect(mem.readU32(BASE + XENCONS_OUT_CONS)).toBe((0xfffffc00 + 5000) >>> 0);
    expect(notified()).toBeGreaterThan(0);
    expect(be.stats.outBytes).toBe(5000);
  });

  it('fills in[] across its wrap, holding back what does not fit until the guest consumes', () => {
    const { fe, be, notified } = setup();
    fe.setIndices(0, 0xffffff00);
    const data = bytes(3000, 7);
    be.input.write(Buffer.from(data));
    const got: Uint8Array[] = [fe.read()];
    expect(got[0].length).toBe(XENCONS_IN_SIZE);
    expect(be.inputBacklog).toBe(3000 - XENCONS_IN_SIZE);
    while (be.inputBacklog > 0) {
      be.service();
      got.push(fe.read());
    }
    expect(Buffer.concat(got)).toEqual(Buffer.from(data));
    expect(notified()).toBeGreaterThanOrEqual(3);
  });

  it('ignores impossible indices (a scribbling guest) and counts them', () => {
    const { mem, be } = setup();
    mem.writeU32(BASE + XENCONS_OUT_PROD, 5000);
    mem.writeU32(BASE + XENCONS_IN_PROD, 4000);
    be.queueInput(bytes(10));
    expect(be.service()).toBe(false);
    expect(drainStream(be).length).toBe(0);
    expect(mem.readU32(BASE + XENCONS_IN_PROD)).toBe(4000);
    expect(be.stats.ringErrors).toBeGreaterThanOrEqual(2);
  });

  it('interleaves console_io output and ring output in order on one stream', () => {
    const { fe, be } = setup();
    be.write(1, Buffer.from('early '));
    fe.write(Buffer.from('ring '));
    be.service();
    be.write(1, Buffer.from('late'));
    expect(Buffer.from(drainStream(be)).toString()).toBe('early ring late');
  });

  it('applies backpressure on the ring and drops console_io beyond the output limit', () => {
    const { fe, be } = setup({ outputLimit: 1000 });
    fe.write(bytes(1500));
    be.service();
    expect(be.output.readableLength).toBe(1000);
    be.write(1, bytes(10));
    expect(be.stats.droppedOut).toBe(10);
    expect(drainStream(be).length).toBe(1000);
    be.service();
    expect(drainStream(be).length).toBe(500);
  });

  it('drops input beyond the input limit and counts it', () => {
    const { be } = setup({ inputLimit: 2000 });
    be.queueInput(bytes(2500 + XENCONS_IN_SIZE));
    expect(be.stats.droppedIn).toBe(500 + XENCONS_IN_SIZE);
  });

  it('ends the output stream when the domain goes away', async () => {
    const { be } = setup();
    be.write(1, Buffer.from('bye'));
    be.end();
    be.write(1, Buffer.from('ignored'));
    const chunks: Buffer[] = [];
    for await (const c of be.output) chunks.push(c as Buffer);
    expect(Buffer.concat(chunks).toString()).toBe('bye');
  });
});
