/**
 * Issue 6 leftovers on xen-core (jump-mode time, so every figure is guest time, never wall-clock):
 * xenolite's banner and prompt appear within 50 ms of system time after the domain starts, and
 * Ctrl-C typed while `hog` or `spam` runs in user mode brings the shell back to its prompt.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PvHost, type PvDomain } from '../../src/exec/pv-host';

const IMAGE = join(__dirname, '../../../../guests/dist/xenolite');
const PROMPT = 'xenolite:~$ ';
const MS = 1_000_000n;

function boot(): { host: PvHost; dom: PvDomain; out: () => string } {
  const host = new PvHost({ memoryMiB: 64, idleTime: 'jump' });
  const dom = host.createDomain({ image: new Uint8Array(readFileSync(IMAGE)), memoryMiB: 32, name: 'quick' });
  let text = '';
  dom.exec.console.output.on('data', (b: Buffer) => (text += b.toString('latin1')));
  return { host, dom, out: () => text };
}

/** Run in small chunks until `pred` holds; chunk size bounds how late the check can notice it. */
async function runUntil(
  host: PvHost,
  pred: () => boolean,
  limit: number,
  chunk = 5_000_000,
): Promise<string> {
  let used = 0;
  while (used < limit) {
    const r = host.run(chunk);
    used += r.instructions;
    // The console backend emits on the next tick.
    await new Promise((res) => setImmediate(res));
    if (pred()) return 'ok';
    if (r.reason !== 'budget') return r.reason;
  }
  return 'limit';
}

describe('xenolite start-up time (guest time)', () => {
  it('prints banner and prompt within 50 ms of system time after start', async () => {
    const { host, out } = boot();
    const start = host.clock.now();
    // 100k-instruction chunks: at 1 instruction = 1 ns the measurement is late by at most 0.1 ms.
    expect(await runUntil(host, () => out().includes(PROMPT), 200_000_000, 100_000)).toBe('ok');
    const elapsed = host.clock.now() - start;
    expect(out()).toMatch(/xenolite \d+\.\d+\.\d+/);
    expect(out()).toContain('domain: quick (id ');
    expect(elapsed, `prompt after ${Number(elapsed) / 1e6} ms`).toBeLessThan(50n * MS);
    expect(elapsed).toBeGreaterThan(0n);
  }, 30_000);
});

describe('xenolite: Ctrl-C interrupts a running command', () => {
  for (const [name, line] of [
    ['hog', 'hog 1000'],
    ['spam', 'spam 100000000'],
  ] as const) {
    it(`Ctrl-C during ${name} returns to the prompt`, async () => {
      const { host, dom, out } = boot();
      expect(await runUntil(host, () => out().includes(PROMPT), 200_000_000)).toBe('ok');
      const before = out().length;
      dom.exec.console.input.write(`${line}\n`);
      // Let the command get going (the echo and some work), but nowhere near its end.
      expect(await runUntil(host, () => false, 5_000_000, 1_000_000)).toBe('limit');
      const running = out().slice(before);
      expect(running).not.toContain(PROMPT);
      if (name === 'spam') expect(/\n0*1 the quick/.test(running)).toBe(true);
      dom.exec.console.input.write('\x03');
      const after = out().length;
      expect(await runUntil(host, () => out().slice(after).includes(PROMPT), 100_000_000)).toBe('ok');
      expect(dom.exec.shutdown).toBeUndefined();
      // The shell is usable again.
      const mark = out().length;
      dom.exec.console.input.write('echo back\n');
      expect(await runUntil(host, () => out().slice(mark).includes(PROMPT), 50_000_000)).toBe('ok');
      expect(out().slice(mark)).toContain('back\r\n');
    }, 60_000);
  }
});
