import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CpuEvent, GuestCpu } from './guest-cpu';
import { STACK_TOP, SYS } from './linux-abi';
import { REG } from './process';
import { BootState, FIRST_FRAME, Machine, run, RunOptions } from './runner';
import { FakeRegisters, fakeRam } from './testing';

const HELLO = join(__dirname, '../../guests/test-programs/bin/hello');

type Step = (cpu: ScriptedCpu) => CpuEvent;

/** A CPU that, instead of decoding instructions, plays a script of events (one per run() call). */
class ScriptedCpu extends FakeRegisters implements GuestCpu {
  rip: number;
  instructionsRetired = 0;
  readonly invalidated: Array<[number, number]> = [];
  readonly budgets: number[] = [];
  constructor(
    readonly boot: BootState,
    private readonly script: Step[],
  ) {
    super();
    this.rip = boot.rip;
    this.set(REG.RSP, BigInt(boot.rsp));
  }
  run(budget: number): CpuEvent {
    this.budgets.push(budget);
    const step = this.script.shift();
    if (!step) throw new Error('script ran out');
    this.instructionsRetired += 10;
    return step(this);
  }
  invalidatePages(start: number, end: number): void {
    this.invalidated.push([start, end]);
  }
}

function scriptedMachine(script: Step[]) {
  const ram = fakeRam(64 * 1024 * 1024);
  const machine: Machine & { cpu?: ScriptedCpu } = {
    ram,
    hwcap: 0x178bfbff,
    boot(state) {
      this.cpu = new ScriptedCpu(state, script);
      return this.cpu;
    },
  };
  return machine;
}

/** Reads guest-virtual memory by walking the page tables from CR3, as the CPU would. */
function readVirtual(machine: ReturnType<typeof scriptedMachine>, vaddr: number, length: number): Uint8Array {
  const view = new DataView(machine.ram.u8.buffer);
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++) {
    let table = machine.cpu!.boot.cr3;
    const a = vaddr + i;
    for (const shift of [39, 30, 21, 12]) {
      const entry = view.getUint32(table + (Math.floor(a / 2 ** shift) % 512) * 8, true);
      if (!(entry & 1)) throw new Error(`0x${a.toString(16)} not present`);
      table = entry & ~0xfff;
    }
    out[i] = machine.ram.u8[table + (a % 4096)];
  }
  return out;
}

function options(out: Uint8Array[] = []): RunOptions {
  return {
    elf: new Uint8Array(readFileSync(HELLO)),
    exePath: HELLO,
    argv: ['hello', 'arg'],
    envp: ['A=B'],
    deterministic: true,
    io: { readStdin: () => new Uint8Array(0), write: (_fd, bytes) => out.push(bytes) > 0 },
  };
}

/** A step that performs system call `nr` with the given arguments. */
const syscall =
  (nr: number, ...args: bigint[]): Step =>
  (cpu) => {
    cpu.set(REG.RAX, BigInt(nr));
    [REG.RDI, REG.RSI, REG.RDX, REG.R10, REG.R8, REG.R9].forEach((r, i) => cpu.set(r, args[i] ?? 0n));
    return { kind: 'syscall' };
  };
const pageFault =
  (address: number, errorCode: number): Step =>
  () => ({
    kind: 'exception',
    vector: 14,
    errorCode,
    address: BigInt(address),
  });

describe('run (with a scripted CPU)', () => {
  it('boots at the entry point with the initial stack and page tables, and exits with the status', () => {
    const elf = readFileSync(HELLO);
    const machine = scriptedMachine([() => ({ kind: 'budget' }), syscall(SYS.exit_group, 7n)]);
    const result = run(machine, options());
    expect(result).toMatchObject({ status: 7, instructions: 20 });
    expect(result.signal).toBeUndefined();
    const { boot } = machine.cpu!;
    expect(boot.rip).toBe(Number(elf.readBigUInt64LE(24))); // e_entry
    expect(boot.rsp % 16).toBe(0);
    expect(boot.rsp).toBeLessThan(STACK_TOP);
    expect(boot.cr3).toBeGreaterThanOrEqual(FIRST_FRAME);
    // the CPU would fetch the entry point's bytes through CR3
    const entryOffset = Number(elf.readBigUInt64LE(24)) - 0x400000;
    expect(readVirtual(machine, boot.rip, 8)).toEqual(
      new Uint8Array(elf.subarray(entryOffset, entryOffset + 8)),
    );
  });

  it('serves system calls: the guest finds argv on its stack and writes it to stdout', () => {
    const out: Uint8Array[] = [];
    const machine = scriptedMachine([
      (cpu) => {
        const sp = cpu.boot.rsp;
        const argc = readVirtual(machine, sp, 8)[0];
        const argv1 = new DataView(readVirtual(machine, sp + 16, 8).buffer).getBigUint64(0, true);
        cpu.set(REG.RAX, BigInt(SYS.write));
        cpu.set(REG.RDI, 1n);
        cpu.set(REG.RSI, argv1);
        cpu.set(REG.RDX, BigInt(argc + 1)); // "arg" is 3 bytes long, argc is 2
        return { kind: 'syscall' };
      },
      (cpu) => {
        expect(cpu.get(REG.RAX)).toBe(3n);
        return syscall(SYS.exit_group, 0n)(cpu);
      },
    ]);
    expect(run(machine, options(out)).status).toBe(0);
    expect(Buffer.concat(out).toString()).toBe('arg');
  });

  it('maps a zero page on a not-present fault inside an area and retries the instruction', () => {
    const machine = scriptedMachine([pageFault(STACK_TOP - 7 * 1024 * 1024, 6), syscall(SYS.exit_group, 0n)]);
    const result = run(machine, options());
    expect(result.status).toBe(0);
    expect(result.framesUsed).toBeGreaterThan(0);
  });

  it('ends with SIGSEGV (139) and says where for a fault outside every area', () => {
    const machine = scriptedMachine([pageFault(0, 6)]);
    const result = run(machine, options());
    expect(result.status).toBe(139);
    expect(result.signal).toBe(11);
    expect(result.message).toMatch(
      /^SIGSEGV at rip=0x[0-9a-f]+ <_start>, addr=0x0: address not mapped \(write\)$/,
    );
  });

  it('reports protection faults: write to text, fetch from the stack', () => {
    const text = run(scriptedMachine([pageFault(0x401000, 7)]), options());
    expect(text.message).toMatch(/addr=0x401000: write to a read-only page$/);
    const stack = run(scriptedMachine([pageFault(STACK_TOP - 8, 0x15)]), options());
    expect(stack.message).toMatch(/instruction fetch from a non-executable page$/);
    expect(stack.status).toBe(139);
  });

  it('maps other exceptions to the signal Linux sends', () => {
    const cases: Array<[number, number, RegExp]> = [
      [0, 136, /^SIGFPE at rip=0x[0-9a-f]+ <_start>: divide error \(#DE\)$/],
      [6, 132, /^SIGILL at .*invalid opcode \(#UD\) \[([0-9a-f]{2} ){7}[0-9a-f]{2}\]$/],
      [13, 139, /^SIGSEGV at .*general protection fault \(#GP\), error code 0x0$/],
      [3, 133, /^SIGTRAP/],
    ];
    for (const [vector, status, message] of cases) {
      const step: Step = () => ({
        kind: 'exception',
        vector,
        errorCode: vector === 13 ? 0 : -1,
        address: 0n,
      });
      const result = run(scriptedMachine([step]), options());
      expect(result.status).toBe(status);
      expect(result.message).toMatch(message);
    }
  });

  it('stops at the instruction limit with status 124', () => {
    const steps: Step[] = Array.from({ length: 10 }, () => () => ({ kind: 'budget' }));
    const machine = scriptedMachine(steps);
    const result = run(machine, { ...options(), instructionLimit: 35, slice: 100 });
    expect(result.status).toBe(124);
    expect(result.message).toMatch(/instruction limit \(35\) reached/);
    expect(machine.cpu!.budgets).toEqual([35, 25, 15, 5]);
  });

  it('counts unknown system calls and turns abort() into SIGABRT', () => {
    const result = run(
      scriptedMachine([syscall(57), syscall(57), syscall(SYS.tgkill, 1000n, 1000n, 6n)]),
      options(),
    );
    expect([...result.unknownSyscalls]).toEqual([[57, 2]]);
    expect(result.status).toBe(134);
    expect(result.message).toMatch(/^SIGABRT at rip=.*: default action$/);
  });

  it('tells the CPU to drop translations when memory is unmapped', () => {
    const machine = scriptedMachine([
      syscall(SYS.mmap, 0n, 8192n, 3n, 0x22n, -1n, 0n),
      (cpu) => {
        const addr = cpu.get(REG.RAX);
        cpu.set(REG.RAX, BigInt(SYS.write));
        cpu.set(REG.RDI, 1n);
        cpu.set(REG.RSI, addr); // touches (and so maps) the first page
        cpu.set(REG.RDX, 1n);
        return { kind: 'syscall' };
      },
      (cpu) => {
        const addr = cpu.get(REG.RSI);
        cpu.set(REG.RAX, BigInt(SYS.munmap));
        cpu.set(REG.RDI, addr);
        cpu.set(REG.RSI, 8192n);
        return { kind: 'syscall' };
      },
      syscall(SYS.exit_group, 0n),
    ]);
    const out: Uint8Array[] = [];
    expect(run(machine, options(out)).status).toBe(0);
    expect(out).toEqual([Uint8Array.of(0)]);
    expect(machine.cpu!.invalidated).toHaveLength(1);
  });
});
