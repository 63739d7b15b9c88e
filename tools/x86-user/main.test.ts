import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from './main';
import { GuestIo } from './process';

const BIN = resolve(__dirname, '../../guests/test-programs/bin');

function capture(stdin = '') {
  const out: Record<1 | 2, Uint8Array[]> = { 1: [], 2: [] };
  let input = Buffer.from(stdin);
  const io: GuestIo = {
    readStdin(max) {
      const chunk = input.subarray(0, max);
      input = input.subarray(chunk.length);
      return chunk;
    },
    write: (fd, bytes) => out[fd].push(Uint8Array.from(bytes)) > 0,
  };
  const text = (fd: 1 | 2) => Buffer.concat(out[fd]).toString('utf8');
  return { io, text };
}

describe('x86-user command line', () => {
  it('runs a program with its arguments and returns its status; --stats reports the work done', () => {
    const { io, text } = capture();
    const status = main(
      ['--stats', '--trace-unknown', '--clear-env', '--env=XENO_GREETING=hi', join(BIN, 'args'), 'x'],
      io,
    );
    expect(status).toBe(2); // args exits with argc
    expect(text(1)).toContain('argv[1]="x" (1 bytes)\n');
    expect(text(1)).toContain('env XENO_GREETING=hi\n');
    expect(text(2)).toMatch(/^x86-user: unimplemented system calls: none\n/);
    expect(text(2)).toMatch(
      /x86-user: \d+ instructions in \d+\.\d{3} s = \d+\.\d\d MIPS, \d+ KiB of guest memory, exit status 2\n$/,
    );
  });

  it('feeds standard input and traces system calls with --strace', () => {
    const { io, text } = capture('abc\n');
    expect(main(['--strace', join(BIN, 'filter')], io)).toBe(0);
    expect(text(1)).toBe('nop\n\n1 lines, 1 words, 4 bytes\n');
    expect(text(2)).toMatch(/^x86-user: read\(0x0, 0x[0-9a-f]+, 0x25, 0x[0-9a-f]+\) = 0x4$/m);
    expect(text(2)).toMatch(/^x86-user: exit_group\(0x0, .*\) = \? \(exit\)$/m);
  });

  it('reports a guest fault on stderr and exits with 128 + signal', () => {
    const { io, text } = capture();
    expect(main([join(BIN, 'faults'), 'null-write'], io)).toBe(139);
    expect(text(2)).toMatch(
      /^x86-user: SIGSEGV at rip=0x[0-9a-f]+ <main\+0x[0-9a-f]+>, addr=0x8: address not mapped \(write\)\n$/,
    );
  });

  it('stops at --max-instructions with 124', () => {
    const { io, text } = capture();
    expect(main(['--max-instructions=1000', join(BIN, 'hello')], io)).toBe(124);
    expect(text(2)).toMatch(/instruction limit \(1000\) reached at rip=0x/);
  });

  it('distinguishes usage errors (2), missing files (127) and files it cannot run (126)', () => {
    const usage = capture();
    expect(main(['--frobnicate', 'x'], usage.io)).toBe(2);
    expect(usage.text(2)).toMatch(/unknown option --frobnicate[\s\S]*usage: x86-user/);
    const missing = capture();
    expect(main(['/no/such/program'], missing.io)).toBe(127);
    expect(missing.text(2)).toMatch(/\/no\/such\/program: ENOENT/);
    const notElf = join(tmpdir(), `x86-user-not-elf-${process.pid}`);
    writeFileSync(notElf, '#!/bin/sh\necho hi\n');
    const script = capture();
    expect(main([notElf], script.io)).toBe(126);
    expect(script.text(2)).toMatch(/cannot execute: not an ELF file \(bad magic\)/);
    const help = capture();
    expect(main(['--help'], help.io)).toBe(0);
    expect(help.text(1)).toMatch(/^usage: x86-user/);
  });
});
