/**
 * Whole-program tests: every guest test program runs natively on this (x86-64 Linux) host and on
 * x86-core through the runner; standard output and exit status must match byte for byte. A program
 * killed by a signal counts as 128 + signal on both sides, so fault reporting is compared too.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { constants } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { run } from './runner';
import { x86CoreMachine } from './x86-core-machine';

const BIN = resolve(__dirname, '../../guests/test-programs/bin');
/** A generous cap so that an emulator bug that loops forever fails the test instead of hanging it. */
const INSTRUCTION_LIMIT = 3_000_000_000;

interface Case {
  readonly program: string;
  readonly args?: readonly string[];
  readonly stdin?: string;
  readonly env?: readonly string[];
  /** Run with demand paging off (every page materialised at mmap/brk/exec time). */
  readonly populate?: boolean;
  /** Extra check on the runner's report (signals). */
  readonly message?: RegExp;
  /**
   * Exact instruction count of the native run, from `make -C guests/test-programs count RUN="..."`
   * (ptrace single-stepping; valgrind's lackey over-counts some of these by up to 1%). The emulator's
   * count must agree. Only for the freestanding workloads: glibc's start-up takes different paths on
   * different CPUs (CPUID-selected string functions).
   */
  readonly instructions?: number;
}

const FILTER_INPUT =
  'The quick brown fox\njumps over\n\tthe lazy dog.\n\nABC xyz 0123456789 ~!@#\nno newline at end';

const CASES: readonly Case[] = [
  { program: 'hello' },
  { program: 'hello-pie' },
  { program: 'printf' },
  { program: 'printf-float' },
  { program: 'strings' },
  { program: 'qsort' },
  { program: 'sha256' },
  { program: 'malloc' },
  { program: 'malloc', populate: true },
  { program: 'recursion' },
  { program: 'arith64' },
  { program: 'libm' },
  { program: 'cxx' },
  {
    program: 'args',
    args: ['one', 'two words', '', 'ünïcödé'],
    env: ['XENO_GREETING=hello there', 'HOME=/'],
  },
  { program: 'filter', stdin: FILTER_INPUT },
  {
    program: 'faults',
    args: ['null-read'],
    message: /^SIGSEGV at rip=0x[0-9a-f]+ <main\+0x[0-9a-f]+>, addr=0x0: address not mapped \(read\)$/,
  },
  { program: 'faults', args: ['null-write'], message: /addr=0x8: address not mapped \(write\)$/ },
  { program: 'faults', args: ['rodata-write'], message: /: write to a read-only page$/ },
  { program: 'faults', args: ['stack-exec'], message: /: instruction fetch from a non-executable page$/ },
  { program: 'faults', args: ['divide-by-zero'], message: /^SIGFPE at .*divide error \(#DE\)$/ },
  {
    program: 'faults',
    args: ['ud2'],
    message:
      /^SIGILL at rip=0x[0-9a-f]+ <main[.+][0-9a-z]+>: invalid opcode \(#UD\) \[0f 0b( [0-9a-f]{2}){6}\]$/,
  },
  { program: 'faults', args: ['exit-42'] },
  { program: 'bench-crc32', args: ['1'], instructions: 16_797_867 },
  { program: 'bench-sort', args: ['20000'], instructions: 3_164_926 },
  { program: 'bench-lz', args: ['64'], instructions: 3_534_501 },
  { program: 'bench-sieve', args: ['300000'], instructions: 3_988_496 },
];

function runNative(path: string, c: Case) {
  const child = spawnSync(path, c.args ?? [], {
    argv0: path,
    input: c.stdin ?? '',
    env: Object.fromEntries(
      (c.env ?? []).map((e) => [e.slice(0, e.indexOf('=')), e.slice(e.indexOf('=') + 1)]),
    ),
  });
  if (child.error) throw child.error;
  const status = child.signal ? 128 + constants.signals[child.signal] : child.status!;
  return { stdout: child.stdout, status };
}

function runEmulated(path: string, c: Case) {
  const stdout: Uint8Array[] = [];
  let stdin = Buffer.from(c.stdin ?? '');
  const result = run(x86CoreMachine(256 * 1024 * 1024), {
    elf: new Uint8Array(readFileSync(path)),
    exePath: path,
    argv: [path, ...(c.args ?? [])],
    envp: c.env ?? [],
    deterministic: true,
    populate: c.populate,
    instructionLimit: INSTRUCTION_LIMIT,
    io: {
      readStdin(max) {
        const chunk = stdin.subarray(0, max);
        stdin = stdin.subarray(chunk.length);
        return chunk;
      },
      write: (fd, bytes) => (fd === 1 && stdout.push(bytes), true),
    },
  });
  return { stdout: Buffer.concat(stdout), result };
}

describe('guest programs: native vs x86-core', () => {
  for (const c of CASES) {
    it(`${[c.program, ...(c.args ?? [])].join(' ')}${c.populate ? ' (--populate)' : ''}`, () => {
      const path = join(BIN, c.program);
      const native = runNative(path, c);
      const emulated = runEmulated(path, c);
      const why = emulated.result.message ?? '';
      expect({ status: emulated.result.status, why }).toEqual({
        status: native.status,
        why: c.message ? why : '',
      });
      expect(emulated.stdout.toString('utf8')).toBe(native.stdout.toString('utf8'));
      expect(Buffer.compare(emulated.stdout, native.stdout)).toBe(0);
      if (c.message) expect(why).toMatch(c.message);
      expect([...emulated.result.unknownSyscalls.keys()]).toEqual([]);
      if (c.instructions !== undefined) expect(emulated.result.instructions).toBe(c.instructions);
      else expect(emulated.result.instructions).toBeGreaterThan(0);
    });
  }
});
