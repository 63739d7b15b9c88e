/**
 * npm run bench:cpu — the integer interpreter's speed on gcc -O2 code.
 *
 * Runs fixed freestanding workloads (guests/test-programs/bench/*.c: no libc, no SSE, output through one
 * write system call) natively and on x86-core through the user-mode runner (64-bit long mode, CPL 3,
 * 4-level paging on), checks that both produce the same output, and prints per workload: instructions
 * executed (the emulator's count), emulated MIPS, native and emulated wall time, slowdown. The same
 * figures go to a JSON file. Everything is measured in this one run; nothing is carried over.
 *
 *   node dist/tools/bench/cpu-bench.js [--scale=F] [--runs=N] [--json=PATH] [--only=name,name] [--no-tune-v8]
 *
 * It calls tuneV8() (V8's inlining budget, see engine/v8-tuning.ts) before any guest code runs, as a
 * host process running guests is meant to; --no-tune-v8 measures V8's defaults. The flags are
 * process-wide, so the two settings can only be compared across two runs.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { tuneV8 } from '../../libs/x86-core/src/engine/v8-tuning';
import { run } from '../x86-user/runner';
import { x86CoreMachine } from '../x86-user/x86-core-machine';

const ROOT = resolve(__dirname, __dirname.includes(`${join('dist', 'tools')}`) ? '../../..' : '../..');
const BIN = join(ROOT, 'guests/test-programs/bin');

export interface Workload {
  readonly name: string;
  readonly binary: string;
  /** Arguments before the repeat count: the problem size. */
  readonly size: readonly number[];
  /** Repeat count at scale 1 (passes/rounds), the last argument. */
  readonly rounds: number;
  /** What the arguments mean, for the table. */
  readonly describe: (size: readonly number[], rounds: number) => string;
}

/**
 * Sized so that the whole bench takes about 1.5 minutes at ~45 MIPS (3.5 G instructions); each native
 * run takes 0.1–0.3 s, long enough that exec() is noise.
 */
export const WORKLOADS: readonly Workload[] = [
  { name: 'crc32', binary: 'bench-crc32', size: [], rounds: 100, describe: (_, r) => `${r} x 1 MiB` },
  {
    name: 'sort',
    binary: 'bench-sort',
    size: [1_000_000],
    rounds: 4,
    describe: ([n], r) => `${r} x ${n} ints`,
  },
  { name: 'lz', binary: 'bench-lz', size: [2048], rounds: 8, describe: ([k], r) => `${r} x ${k} KiB` },
  {
    name: 'sieve',
    binary: 'bench-sieve',
    size: [10_000_000],
    rounds: 6,
    describe: ([n], r) => `${r} x 1..${n}`,
  },
];

export interface WorkloadResult {
  readonly name: string;
  readonly args: readonly string[];
  readonly work: string;
  readonly instructions: number;
  readonly emulatedSeconds: number;
  readonly emulatedMips: number;
  /** CPU time this process spent on the emulated run: on a shared machine, the figure that is not
   * diluted by other load. */
  readonly emulatedCpuSeconds: number;
  readonly emulatedCpuMips: number;
  readonly nativeSeconds: number;
  readonly slowdown: number;
  readonly output: string;
}

interface BenchOptions {
  scale: number;
  runs: number;
  json: string;
  only?: readonly string[];
  tuneV8: boolean;
}

function parseArgs(args: readonly string[]): BenchOptions {
  const options: BenchOptions = {
    scale: 1,
    runs: 5,
    json: join(ROOT, 'test-artifacts/bench/cpu-bench.json'),
    tuneV8: true,
  };
  for (const arg of args) {
    const [name, value = ''] = arg.split('=', 2);
    if (name === '--scale' && Number(value) > 0) options.scale = Number(value);
    else if (name === '--runs' && Number.isInteger(Number(value)) && Number(value) > 0)
      options.runs = Number(value);
    else if (name === '--json' && value) options.json = resolve(value);
    else if (name === '--only' && value) options.only = value.split(',');
    else if (arg === '--no-tune-v8') options.tuneV8 = false;
    else
      throw new Error(
        `cpu-bench: bad argument ${arg} (--scale=F --runs=N --json=PATH --only=a,b --no-tune-v8)`,
      );
  }
  return options;
}

/** Best of `runs` native executions (wall time including exec, which is well under 1% here). */
function runNative(path: string, args: string[], runs: number): { seconds: number; output: string } {
  let best = Number.POSITIVE_INFINITY;
  let output = '';
  for (let i = 0; i < runs; i++) {
    const started = process.hrtime.bigint();
    const child = spawnSync(path, args, { encoding: 'utf8' });
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    if (child.status !== 0)
      throw new Error(`${path} ${args.join(' ')} failed natively: ${child.status} ${child.stderr}`);
    best = Math.min(best, seconds);
    output = child.stdout;
  }
  return { seconds: best, output };
}

function runEmulated(path: string, args: string[]) {
  const chunks: Uint8Array[] = [];
  const cpuBefore = process.cpuUsage();
  const result = run(x86CoreMachine(256 * 1024 * 1024), {
    elf: new Uint8Array(readFileSync(path)),
    exePath: path,
    argv: [path, ...args],
    envp: [],
    deterministic: true,
    io: { readStdin: () => new Uint8Array(0), write: (_fd, bytes) => chunks.push(bytes) > 0 },
  });
  const cpu = process.cpuUsage(cpuBefore);
  return {
    result,
    cpuSeconds: (cpu.user + cpu.system) / 1e6,
    output: Buffer.concat(chunks).toString('utf8'),
  };
}

export function runWorkload(workload: Workload, scale: number, runs: number): WorkloadResult {
  const path = join(BIN, workload.binary);
  const rounds = Math.max(1, Math.round(workload.rounds * scale));
  const args = [...workload.size, rounds].map(String);
  const native = runNative(path, args, runs);
  const emulated = runEmulated(path, args);
  if (emulated.result.status !== 0 || emulated.output !== native.output) {
    throw new Error(
      `${workload.name}: emulated run differs from native — status ${emulated.result.status}` +
        `${emulated.result.message ? ` (${emulated.result.message})` : ''}, output ${JSON.stringify(emulated.output)}` +
        ` vs ${JSON.stringify(native.output)}`,
    );
  }
  const { instructions, seconds } = emulated.result;
  return {
    name: workload.name,
    args,
    work: workload.describe(workload.size, rounds),
    instructions,
    emulatedSeconds: seconds,
    emulatedMips: instructions / seconds / 1e6,
    emulatedCpuSeconds: emulated.cpuSeconds,
    emulatedCpuMips: instructions / emulated.cpuSeconds / 1e6,
    nativeSeconds: native.seconds,
    slowdown: seconds / native.seconds,
    output: native.output.trim(),
  };
}

function gitCommit(): string {
  try {
    const commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], {
      cwd: ROOT,
      encoding: 'utf8',
    }).trim();
    const dirty =
      execFileSync('git', ['status', '--porcelain'], { cwd: ROOT, encoding: 'utf8' }).trim() !== '';
    return dirty ? `${commit} (with uncommitted changes)` : commit;
  } catch {
    return 'unknown';
  }
}

const pad = (text: string, width: number) => text.padStart(width);

export function formatTable(results: readonly WorkloadResult[]): string {
  const header = [
    'workload',
    'work',
    'instructions',
    'MIPS',
    'MIPS (cpu)',
    'native s',
    'emulated s',
    'slowdown',
  ];
  const rows = results.map((r) => [
    r.name,
    r.work,
    r.instructions.toLocaleString('en-US'),
    r.emulatedMips.toFixed(1),
    r.emulatedCpuMips.toFixed(1),
    r.nativeSeconds.toFixed(4),
    r.emulatedSeconds.toFixed(2),
    `${r.slowdown.toFixed(0)}x`,
  ]);
  const total = results.reduce(
    (t, r) => ({
      i: t.i + r.instructions,
      e: t.e + r.emulatedSeconds,
      c: t.c + r.emulatedCpuSeconds,
      n: t.n + r.nativeSeconds,
    }),
    { i: 0, e: 0, c: 0, n: 0 },
  );
  rows.push([
    'total',
    '',
    total.i.toLocaleString('en-US'),
    (total.i / total.e / 1e6).toFixed(1),
    (total.i / total.c / 1e6).toFixed(1),
    total.n.toFixed(4),
    total.e.toFixed(2),
    `${(total.e / total.n).toFixed(0)}x`,
  ]);
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((row) => row[c].length)));
  const line = (cells: string[]) =>
    cells.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]) : pad(cell, widths[c])));
  return [line(header).join('  '), ...rows.map((row) => line(row).join('  '))].join('\n');
}

export function main(args: readonly string[]): void {
  const options = parseArgs(args);
  // Before the first guest instruction: V8 compiles the hot handlers and blocks with the flags
  // in force at that moment.
  const v8Tuned = options.tuneV8 && tuneV8();
  const selected = WORKLOADS.filter((w) => !options.only || options.only.includes(w.name));
  const started = Date.now();
  const loadBefore = loadavg()[0];
  const results: WorkloadResult[] = [];
  for (const workload of selected) {
    process.stderr.write(`cpu-bench: ${workload.name}...\n`);
    results.push(runWorkload(workload, options.scale, options.runs));
  }
  const machine = {
    cpu: cpus()[0]?.model ?? 'unknown',
    cores: cpus().length,
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
    /** 1-minute load average before and after: other work on the machine slows the wall-clock figures. */
    loadAverage: [loadBefore, loadavg()[0]],
  };
  const report = {
    date: new Date().toISOString(),
    commit: gitCommit(),
    machine,
    v8Tuned,
    scale: options.scale,
    nativeRuns: options.runs,
    totalSeconds: (Date.now() - started) / 1000,
    results,
  };
  console.log(
    `x86-core interpreter, user mode with paging — ${machine.cpu}, ${machine.cores} cores, ${machine.node}, ` +
      `load average ${machine.loadAverage.map((l) => l.toFixed(2)).join(' -> ')}, ` +
      `V8 ${v8Tuned ? 'tuned (tuneV8)' : 'defaults'}`,
  );
  console.log(formatTable(results));
  mkdirSync(dirname(options.json), { recursive: true });
  writeFileSync(options.json, `${JSON.stringify(report, null, 2)}\n`);
  console.log(`\nwrote ${options.json} (${report.totalSeconds.toFixed(0)} s in all)`);
}

if (typeof require !== 'undefined' && require.main === module) main(process.argv.slice(2));
