/**
 * Test fixtures for the runner's unit tests: RAM without a CPU, a register file without a CPU, and a
 * process wired to both. Lives beside the code it serves; nothing in the runner imports it.
 */
import { AddressSpace } from './address-space';
import { deterministicClock, seededEntropy } from './clock';
import { FrameAllocator, Ram } from './frame-allocator';
import { Process, UserRegisters } from './process';

export function fakeRam(bytes: number): Ram & { writes: Array<[number, number]> } {
  const writes: Array<[number, number]> = [];
  return {
    u8: new Uint8Array(bytes),
    notifyWrite: (addr, length) => void writes.push([addr, length]),
    writes,
  };
}

export class FakeRegisters implements UserRegisters {
  readonly gpr = new Array<bigint>(16).fill(0n);
  fsBase = 0n;
  get(reg: number): bigint {
    return this.gpr[reg];
  }
  set(reg: number, value: bigint): void {
    this.gpr[reg] = BigInt.asUintN(64, value);
  }
  getFsBase(): bigint {
    return this.fsBase;
  }
  setFsBase(value: bigint): void {
    this.fsBase = value;
  }
}

export interface TestProcess extends Process {
  readonly regs: FakeRegisters;
  readonly stdout: Uint8Array[];
  readonly stderr: Uint8Array[];
  stdin: Uint8Array;
  instructions: number;
  /** Makes writes fail as if the reading end of the pipe had been closed. */
  stdoutClosed: boolean;
}

export function fakeProcess(ramBytes = 16 * 1024 * 1024): TestProcess {
  const ram = fakeRam(ramBytes);
  const space = new AddressSpace(ram, new FrameAllocator(ram));
  const state = {
    stdout: [] as Uint8Array[],
    stderr: [] as Uint8Array[],
    stdin: new Uint8Array(0),
    instructions: 0,
    stdoutClosed: false,
  };
  const process: TestProcess = Object.assign(state, {
    space,
    regs: new FakeRegisters(),
    io: {
      readStdin(max: number) {
        const chunk = state.stdin.subarray(0, max);
        state.stdin = state.stdin.subarray(chunk.length);
        return chunk;
      },
      write(fd: 1 | 2, bytes: Uint8Array) {
        (fd === 1 ? state.stdout : state.stderr).push(bytes);
        return !state.stdoutClosed;
      },
    },
    clock: deterministicClock(() => state.instructions),
    entropy: seededEntropy(1n),
    identity: { uid: 1000, euid: 1000, gid: 100, egid: 100 },
    pid: 4242,
    exePath: '/guests/hello',
    physicalBytes: ramBytes,
    populate: false,
    signalActions: new Map<number, Uint8Array>(),
    signalMask: 0n,
    clearChildTid: 0n,
  });
  return process;
}
