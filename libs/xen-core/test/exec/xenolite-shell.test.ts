/**
 * End to end: the xenolite shell on a PvHost. Boot banner and prompt, every shell command's output,
 * line editing, shutdown requested through xenstore (poweroff / reboot), and a seeded fuzz of random
 * console bytes that must crash neither the guest nor the host.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { PvHost, type PvDomain } from '../../src/exec/pv-host';

const IMAGE = join(__dirname, '../../../../guests/dist/xenolite');
const PROMPT = 'xenolite:~$ ';

interface Booted {
  host: PvHost;
  dom: PvDomain;
  out: () => string;
}

function boot(name = 'shell-1'): Booted {
  const host = new PvHost({ memoryMiB: 64 });
  const dom = host.createDomain({ image: new Uint8Array(readFileSync(IMAGE)), memoryMiB: 32, name });
  let text = '';
  dom.exec.console.output.on('data', (b: Buffer) => (text += b.toString('latin1')));
  return { host, dom, out: () => text };
}

/**
 * Run until `pred` holds or the host goes idle/halts (max `limit` instructions). `jumpNs` moves
 * system time forward after every chunk, so commands that run for seconds of guest time (bench, hog)
 * finish within a bounded instruction budget.
 */
async function runUntil(
  host: PvHost,
  pred: () => boolean,
  limit = 200_000_000,
  jumpNs = 0n,
): Promise<string> {
  let used = 0;
  while (used < limit) {
    const r = host.run(5_000_000);
    used += r.instructions;
    if (jumpNs > 0n) host.clock.advanceTo(host.clock.now() + jumpNs);
    await new Promise((res) => setImmediate(res));
    if (pred()) return 'ok';
    if (r.reason !== 'budget') return r.reason;
  }
  return 'limit';
}

async function bootToPrompt(name?: string): Promise<Booted> {
  const b = boot(name);
  expect(await runUntil(b.host, () => b.out().includes(PROMPT))).toBe('ok');
  return b;
}

/** Type `input` and return everything printed until the next prompt (the prompt excluded). */
async function type(b: Booted, input: string, limit?: number, jumpNs?: bigint): Promise<string> {
  const before = b.out().length;
  b.dom.exec.console.input.write(input);
  const r = await runUntil(b.host, () => b.out().slice(before).includes(PROMPT), limit, jumpNs);
  const text = b.out().slice(before);
  expect(r, text).toBe('ok');
  expect(b.dom.exec.shutdown, text).toBeUndefined();
  return text.slice(0, text.indexOf(PROMPT));
}

/** Run a command line; returns its output without the echoed command line. */
async function cmd(b: Booted, line: string, limit?: number, jumpNs?: bigint): Promise<string> {
  const text = await type(b, `${line}\n`, limit, jumpNs);
  const nl = text.indexOf('\n');
  return nl < 0 ? '' : text.slice(nl + 1);
}

describe('xenolite shell: banner and commands', () => {
  let b: Booted;
  beforeAll(async () => {
    b = await bootToPrompt('shell-1');
  }, 30_000);

  it('prints the banner with the domain name and id, then the prompt', () => {
    const banner = b.out();
    const id = b.dom.exec.id;
    expect(banner).toMatch(/xenolite \d+\.\d+\.\d+/);
    expect(banner).toContain(`domain: shell-1 (id ${id})`);
    expect(banner).toMatch(/memory: 32 MiB/);
    expect(banner).toContain("Type 'help'");
    expect(banner.endsWith(PROMPT)).toBe(true);
  });

  it('help lists the commands', async () => {
    const o = await cmd(b, 'help');
    for (const c of [
      'help',
      'echo',
      'uptime',
      'date',
      'uname',
      'free',
      'cpuinfo',
      'ps',
      'sleep',
      'bench',
      'hog',
    ]) {
      expect(o, c).toContain(c);
    }
    for (const c of ['spam', 'mem', 'history', 'clear', 'exit', 'fault', 'poweroff', 'reboot'])
      expect(o, c).toContain(c);
  });

  it('echo', async () => {
    expect((await cmd(b, 'echo hello world')).trim()).toBe('hello world');
  });

  it('uname', async () => {
    expect(await cmd(b, 'uname')).toContain('xenolite');
    const a = await cmd(b, 'uname -a');
    expect(a).toContain('xenolite');
    expect(a).toContain('shell-1');
  });

  it('free shows memory figures', async () => {
    const o = await cmd(b, 'free');
    expect(o).toMatch(/total/i);
    expect(o).toMatch(/free/i);
    expect(o).toMatch(/\d+/);
  });

  it('cpuinfo (CPUID through the forced-emulation prefix)', async () => {
    const o = await cmd(b, 'cpuinfo');
    expect(o).toMatch(/vendor/i);
    expect(o).toMatch(/brand|model name/i);
    expect(o).toMatch(/flags|features/i);
    expect(o).not.toMatch(/fault|unavailable/i);
  });

  it('ps shows the task table with the shell', async () => {
    const o = await cmd(b, 'ps');
    expect(o).toMatch(/pid/i);
    expect(o).toMatch(/\bsh\b/);
  });

  it('date prints the year', async () => {
    const o = await cmd(b, 'date');
    expect(o).toContain(String(new Date().getUTCFullYear()));
  });

  it('spam 50: lines 1..50 in order, none lost', async () => {
    const o = await cmd(b, 'spam 50');
    const nums = o
      .split(/\r?\n/)
      .map((l) => /^\s*(\d+)\b/.exec(l))
      .filter((m): m is RegExpExecArray => m !== null)
      .map((m) => Number(m[1]));
    expect(nums).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
    expect(o).toMatch(/spam: \d+ bytes in/);
  });

  it('bench 1 prints a positive score', async () => {
    const o = await cmd(b, 'bench 1', 100_000_000, 200_000_000n);
    const m = /score=(\d+)/.exec(o);
    expect(m, o).not.toBeNull();
    expect(Number(m![1])).toBeGreaterThan(0);
  });

  it('hog 1 completes', async () => {
    const o = await cmd(b, 'hog 1', 100_000_000, 200_000_000n);
    expect(o).not.toMatch(/usage|fault|error/i);
  });

  it('mem 1 passes its pattern test', async () => {
    const o = await cmd(b, 'mem 1');
    expect(o).toMatch(/passes ok/);
    expect(o).not.toMatch(/fail|mismatch/i);
  });

  it('line editing: backspace and Ctrl-U', async () => {
    const o = await cmd(b, 'ecxo\x7f\x7fho hi');
    expect(o.trim()).toBe('hi');
    const o2 = await cmd(b, 'echo wrong\x15echo right');
    expect(o2.trim()).toBe('right');
    expect(o2).not.toContain('wrong');
  });
});

describe('xenolite shell: shutdown requested through xenstore', () => {
  for (const what of ['poweroff', 'reboot'] as const) {
    it(`control/shutdown = "${what}" ends the domain with reason ${what}`, async () => {
      const b = await bootToPrompt(`sd-${what}`);
      expect(b.host.requestShutdown(b.dom.exec.id, what)).toBe(true);
      expect(await runUntil(b.host, () => b.dom.exec.shutdown !== undefined, 50_000_000)).toBe('ok');
      expect(b.dom.exec.shutdown?.name).toBe(what);
      expect(b.dom.exec.shutdown?.detail).toBeUndefined();
    }, 30_000);
  }
});

describe('xenolite shell: fuzzed console input', () => {
  it('2,000 seeded random bytes crash neither the guest nor the host', async () => {
    const b = await bootToPrompt('fuzz');
    let seed = 0x2545f491;
    const rnd = (): number => {
      seed ^= seed << 13;
      seed ^= seed >>> 17;
      seed ^= seed << 5;
      return seed >>> 0;
    };
    const bytes = Buffer.alloc(2000);
    for (let i = 0; i < bytes.length; i++) bytes[i] = rnd() & 0xff;
    for (let off = 0; off < bytes.length; off += 100) {
      b.dom.exec.console.input.write(bytes.subarray(off, off + 100));
      // Bounded budget per chunk; the guest may be idle, busy or still echoing.
      expect(() => b.host.run(10_000_000)).not.toThrow();
      await new Promise((res) => setImmediate(res));
      expect(b.dom.exec.shutdown, b.out().slice(-400)).toBeUndefined();
    }
    // Interrupt whatever may be running, abandon the line, then ask for a sign of life.
    const before = b.out().length;
    b.dom.exec.console.input.write('\x03');
    await runUntil(b.host, () => b.out().slice(before).includes(PROMPT), 50_000_000);
    b.dom.exec.console.input.write('\x15\n');
    await runUntil(b.host, () => false, 10_000_000);
    expect(b.dom.exec.shutdown).toBeUndefined();
    expect(b.host.logLines.filter((l) => /internal error/.test(l))).toEqual([]);
    expect((await cmd(b, 'echo alive', 50_000_000)).trim()).toBe('alive');
  }, 60_000);
});
