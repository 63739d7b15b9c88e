/**
 * npm run demo:pv -- <elf> [options] — boot any 64-bit PV ELF image (Xen ELF notes) on a fresh
 * emulated host and stream its console (console_io and the PV console ring) to the terminal. When
 * stdin is a TTY it is put in raw mode and keystrokes go to the guest's console ring; Ctrl-] quits.
 * Piped stdin is forwarded too. At the end the shutdown reason and instruction count are printed.
 *
 *   node dist/tools/demo-pv/main.js <elf> [--memory MiB] [--max-memory MiB] [--vcpus N]
 *        [--cmdline "..."] [--ramdisk FILE] [--max-instructions N] [--trace]
 *
 * Exit status: 0 poweroff, 1 crash, 2 another shutdown reason, 3 stopped (Ctrl-] or instruction
 * limit), 64 usage, 65 image refused.
 */
import { readFileSync } from 'node:fs';
import { PvHost } from '../../libs/xen-core/src/exec/pv-host';
import { XenCoreError } from '../../libs/xen-core/src/errors';

const CTRL_RIGHT_BRACKET = 0x1d;
const SLICE = 20_000_000;

interface Options {
  image: string;
  memoryMiB: number;
  maxMemoryMiB?: number;
  vcpus: number;
  cmdline: string;
  ramdisk?: string;
  maxInstructions: number;
  trace: boolean;
}

const USAGE =
  'usage: demo-pv <elf> [--memory MiB] [--max-memory MiB] [--vcpus N] [--cmdline "..."] ' +
  '[--ramdisk FILE] [--max-instructions N] [--trace]';

function parseArgs(argv: string[]): Options | string {
  const o: Partial<Options> = {
    memoryMiB: 64,
    vcpus: 1,
    cmdline: '',
    maxInstructions: Infinity,
    trace: false,
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const [flag, inline] =
      a.startsWith('--') && a.includes('=')
        ? [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)]
        : [a, undefined];
    const value = (): string => {
      const v = inline ?? argv[++i];
      if (v === undefined) throw new Error(`${flag} needs a value`);
      return v;
    };
    const num = (): number => {
      const v = Number(value());
      if (!Number.isFinite(v) || v <= 0) throw new Error(`${flag} needs a positive number`);
      return v;
    };
    switch (flag) {
      case '--memory':
        o.memoryMiB = num();
        break;
      case '--max-memory':
        o.maxMemoryMiB = num();
        break;
      case '--vcpus':
        o.vcpus = num();
        break;
      case '--cmdline':
        o.cmdline = value();
        break;
      case '--ramdisk':
        o.ramdisk = value();
        break;
      case '--max-instructions':
        o.maxInstructions = num();
        break;
      case '--trace':
        o.trace = true;
        break;
      case '-h':
      case '--help':
        return USAGE;
      default:
        if (a.startsWith('-')) return `unknown option ${a}\n${USAGE}`;
        if (o.image) return `one image only\n${USAGE}`;
        o.image = a;
    }
  }
  return o.image ? (o as Options) : USAGE;
}

async function main(): Promise<number> {
  let opts: Options | string;
  try {
    opts = parseArgs(process.argv.slice(2));
  } catch (e) {
    opts = `${(e as Error).message}\n${USAGE}`;
  }
  if (typeof opts === 'string') {
    process.stderr.write(`${opts}\n`);
    return 64;
  }
  const o = opts;
  const maxMiB = o.maxMemoryMiB ?? o.memoryMiB;
  const host = new PvHost({
    memoryMiB: Math.ceil(maxMiB + 16 + maxMiB / 64),
    log: (l) => process.stderr.write(`[xen] ${l}\r\n`),
    // Interactive: while every vCPU is blocked, guest time follows real time.
    idleTime: 'realtime',
    trace: o.trace ? (l) => process.stderr.write(`[trace] ${l}\r\n`) : undefined,
  });
  let dom;
  try {
    dom = host.createDomain({
      image: new Uint8Array(readFileSync(o.image)),
      memoryMiB: o.memoryMiB,
      maxMemoryMiB: o.maxMemoryMiB,
      vcpus: o.vcpus,
      cmdline: o.cmdline,
      ramdisk: o.ramdisk ? new Uint8Array(readFileSync(o.ramdisk)) : undefined,
    });
  } catch (e) {
    process.stderr.write(
      `demo-pv: ${e instanceof XenCoreError ? `${e.code}: ${e.message}` : (e as Error).message}\n`,
    );
    return 65;
  }
  const exec = dom.exec;
  exec.console.output.on('data', (b: Buffer) => process.stdout.write(b));

  let stop: string | undefined;
  const stdin = process.stdin;
  const tty = stdin.isTTY === true;
  if (tty) stdin.setRawMode(true);
  stdin.on('data', (b: Buffer) => {
    const quit = b.indexOf(CTRL_RIGHT_BRACKET);
    if (quit >= 0) {
      if (quit > 0) exec.console.input.write(b.subarray(0, quit));
      stop = 'stopped (Ctrl-])';
      host.wake();
      return;
    }
    exec.console.input.write(b);
  });
  stdin.on('end', () => undefined);
  stdin.resume();
  if (tty) process.stderr.write('[demo-pv] console attached; Ctrl-] to quit\r\n');

  const t0 = Date.now();
  let instructions = 0;
  while (exec.shutdown === undefined && stop === undefined) {
    if (instructions >= o.maxInstructions) {
      stop = `stopped after ${instructions} instructions (--max-instructions)`;
      break;
    }
    const r = host.run(Math.min(SLICE, o.maxInstructions - instructions));
    instructions += r.instructions;
    if (r.reason === 'halted') break;
    if (r.reason === 'idle') {
      // Sleep until input/an event, or in real time until the earliest guest timer.
      const ms = r.sleepNs === undefined ? 1000 : Math.min(1000, Math.ceil(r.sleepNs / 1e6));
      await Promise.race([host.whenRunnable(), new Promise((res) => setTimeout(res, ms))]);
    } else await new Promise((res) => setImmediate(res));
  }
  const secs = (Date.now() - t0) / 1000;
  await new Promise((res) => setImmediate(res));
  if (tty) stdin.setRawMode(false);
  stdin.pause();
  const s = exec.shutdown;
  const why = s ? `shutdown: ${s.name}${s.detail ? ` (${s.detail})` : ''}` : (stop ?? 'no runnable vCPU');
  process.stderr.write(
    `\r\n[demo-pv] ${why}; ${instructions} instructions, ${exec.hypercalls} hypercalls, ` +
      `${exec.exits} exits in ${secs.toFixed(2)} s (${(instructions / secs / 1e6).toFixed(1)} MIPS)\r\n`,
  );
  host.destroyDomain(exec.id);
  if (!s) return 3;
  return s.name === 'poweroff' ? 0 : s.name === 'crash' ? 1 : 2;
}

main().then(
  (code) => process.exit(code),
  (e: Error) => {
    process.stderr.write(`demo-pv: ${e.stack ?? e}\n`);
    process.exit(70);
  },
);
