/**
 * x86-user: run a static x86-64 Linux executable on x86-core, like qemu-user.
 *
 *   node dist/tools/x86-user/main.js [options] <elf> [args...]      (npm run x86-user -- ...)
 *
 * The exit status is the guest's; a guest killed by a signal exits with 128 + signal (139 for SIGSEGV)
 * after a one-line report on stderr. 124: instruction limit; 126: not a runnable ELF; 127: no such
 * file; 70: emulator failure; 2: bad command line.
 */
import { readFileSync, readSync, realpathSync, writeSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseCli, USAGE, UsageError } from './cli-options';
import { ElfError } from './elf';
import { GuestIo } from './process';
import { run, RunResult } from './runner';
import { syscallName } from './syscalls';
import { x86CoreMachine } from './x86-core-machine';

/** Writes everything; false if the reader went away (EPIPE). */
function writeAll(fd: number, bytes: Uint8Array): boolean {
  for (let done = 0; done < bytes.length;) {
    try {
      done += writeSync(fd, bytes, done, bytes.length - done);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'EPIPE') return false;
      if (code !== 'EAGAIN') throw error; // EAGAIN: a full non-blocking pipe, try again
    }
  }
  return true;
}

/** This process's standard streams, which the guest shares. */
export const hostIo: GuestIo = {
  readStdin(max) {
    const buffer = Buffer.alloc(max);
    for (;;) {
      try {
        return buffer.subarray(0, readSync(0, buffer, 0, max, null));
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (code === 'EOF') return buffer.subarray(0, 0);
        if (code !== 'EAGAIN') throw error;
      }
    }
  },
  write: (fd, bytes) => writeAll(fd, bytes),
};

function report(say: (line: string) => void, result: RunResult, stats: boolean, traceUnknown: boolean): void {
  if (result.message) say(result.message);
  if (traceUnknown) {
    const calls = [...result.unknownSyscalls].map(([nr, n]) => `${syscallName(nr)} (${nr}) x${n}`);
    say(`unimplemented system calls: ${calls.length ? calls.join(', ') : 'none'}`);
  }
  if (stats) {
    const mips = result.instructions / result.seconds / 1e6;
    say(
      `${result.instructions} instructions in ${result.seconds.toFixed(3)} s = ${mips.toFixed(2)} MIPS, ` +
        `${result.framesUsed * 4} KiB of guest memory, exit status ${result.status}`,
    );
  }
}

/** Runs the command line `args`; returns the exit status. `io` is the host side of the guest's streams. */
export function main(args: readonly string[], io: GuestIo = hostIo): number {
  const say = (line: string) => void io.write(2, Buffer.from(`x86-user: ${line}\n`));
  let options;
  try {
    options = parseCli(args);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    say(error.message);
    io.write(2, Buffer.from(`${USAGE}\n`));
    return 2;
  }
  if (options === 'help') {
    io.write(1, Buffer.from(`${USAGE}\n`));
    return 0;
  }
  let elf: Uint8Array;
  let exePath: string;
  try {
    exePath = realpathSync(resolve(options.elfPath));
    elf = new Uint8Array(readFileSync(exePath));
  } catch (error) {
    say(`${options.elfPath}: ${(error as Error).message}`);
    return 127;
  }
  const hostEnv = options.clearEnv ? [] : Object.entries(process.env).map(([k, v]) => `${k}=${v}`);
  try {
    const result = run(x86CoreMachine(options.memoryMiB * 1024 * 1024), {
      elf,
      exePath,
      execfn: options.elfPath,
      argv: [options.argv0 ?? options.elfPath, ...options.guestArgs],
      identity: {
        uid: process.getuid!(),
        euid: process.geteuid!(),
        gid: process.getgid!(),
        egid: process.getegid!(),
      },
      envp: [...hostEnv, ...options.env],
      io,
      deterministic: options.deterministic,
      seed: options.seed,
      populate: options.populate,
      instructionLimit: options.maxInstructions,
      traceSyscalls: options.strace ? say : undefined,
    });
    report(say, result, options.stats, options.traceUnknown);
    return result.status;
  } catch (error) {
    if (error instanceof ElfError) {
      say(`${options.elfPath}: cannot execute: ${error.message}`);
      return 126;
    }
    say(`emulator failure: ${(error as Error).stack ?? String(error)}`);
    return 70;
  }
}

if (typeof require !== 'undefined' && require.main === module) process.exitCode = main(process.argv.slice(2));
