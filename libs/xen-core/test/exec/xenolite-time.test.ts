/**
 * End to end: xenolite on a PvHost (jump-mode time). `sleep 1` completes on the one-shot timer,
 * `uptime` shows the second that passed, `poweroff` ends the domain, and an idle xenolite (blocked in
 * SCHEDOP_block with no timer armed) executes nothing while nobody types.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PvHost, type PvDomain } from '../../src/exec/pv-host';

const IMAGE = join(__dirname, '../../../../guests/dist/xenolite');
const PROMPT = 'xenolite:~$ ';

function boot(): { host: PvHost; dom: PvDomain; out: () => string } {
  const host = new PvHost({ memoryMiB: 64 });
  const dom = host.createDomain({ image: new Uint8Array(readFileSync(IMAGE)), memoryMiB: 32, name: 'xl' });
  let text = '';
  dom.exec.console.output.on('data', (b: Buffer) => (text += b.toString('latin1')));
  return { host, dom, out: () => text };
}

/** Run until `pred` holds or the host goes idle/halts (max `limit` instructions). */
async function runUntil(host: PvHost, pred: () => boolean, limit = 400_000_000): Promise<string> {
  let used = 0;
  while (used < limit) {
    const r = host.run(5_000_000);
    used += r.instructions;
    await new Promise((res) => setImmediate(res));
    if (pred()) return 'ok';
    if (r.reason !== 'budget') return r.reason;
  }
  return 'limit';
}

describe('xenolite: time, timers and blocking', () => {
  it('sleep 1, uptime, idle costs nothing, poweroff', async () => {
    const { host, dom, out } = boot();
    const exec = dom.exec;
    expect(await runUntil(host, () => out().includes(PROMPT))).toBe('ok');
    // Let it settle: the host goes idle (every vCPU blocked, no timer armed).
    let r = host.run(50_000_000);
    await new Promise((res) => setImmediate(res));
    r = host.run(50_000_000);
    expect(r.reason).toBe('idle');
    // Idle: nobody types; the guest executes (almost) nothing.
    const idleBefore = exec.instructions;
    for (let i = 0; i < 5; i++) {
      host.run(10_000_000);
      await new Promise((res) => setImmediate(res));
    }
    expect(exec.instructions - idleBefore).toBeLessThan(10_000);

    const t0 = host.clock.now();
    const before = out().length;
    exec.console.input.write('sleep 1\n');
    const mark = (): string => out().slice(before);
    expect(await runUntil(host, () => mark().split(PROMPT).length >= 2)).toBe('ok');
    expect(mark()).not.toMatch(/usage|unavailable|EINTR/i);
    // Time jumped to the deadline instead of executing a second's worth of instructions.
    expect(host.clock.now() - t0).toBeGreaterThanOrEqual(1_000_000_000n);

    const before2 = out().length;
    exec.console.input.write('uptime\n');
    expect(await runUntil(host, () => out().slice(before2).includes(PROMPT))).toBe('ok');
    const up = out().slice(before2);
    // "up H:MM:SS.mmm, N tasks"
    const m = /up (\d+):(\d+):(\d+)\.(\d+)/.exec(up);
    expect(m, up).not.toBeNull();
    const secs = Number(m![1]) * 3600 + Number(m![2]) * 60 + Number(m![3]);
    expect(secs).toBeGreaterThanOrEqual(1);

    exec.console.input.write('poweroff\n');
    const res = await runUntil(host, () => exec.shutdown !== undefined);
    expect(res).toBe('ok');
    expect(exec.shutdown?.name).toBe('poweroff');
  }, 120_000);
});
