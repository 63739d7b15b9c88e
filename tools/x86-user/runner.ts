/**
 * The user-mode runner: exec() a static x86-64 Linux executable into a fresh emulated machine and act as
 * its kernel — system calls, demand paging and fatal faults — until it exits. The CPU runs the guest at
 * CPL 3 on page tables this file's helpers build; every event that needs the kernel comes back here.
 */
import { AddressSpace } from './address-space';
import { hostClock, hostEntropy, deterministicClock, seededEntropy } from './clock';
import { parseElf, readSymbols, symbolize } from './elf';
import { loadElf } from './elf-loader';
import { FrameAllocator, PhysicalMemoryExhausted, Ram } from './frame-allocator';
import { CpuEvent, GuestCpu, PF_ERR, VECTOR } from './guest-cpu';
import { describeFault, pageFaultAccess, signalName } from './guest-fault';
import { layoutInitialStack, ProcessIdentity } from './initial-stack';
import { PROT, SIGNAL, STACK_LIMIT, STACK_TOP } from './linux-abi';
import { USER_ADDRESS_LIMIT } from './page-table';
import { GuestIo, Process, ProcessEnd } from './process';
import { dispatchSyscall } from './syscalls';

/** Physical memory below this is left to the machine (descriptor tables and the like). */
export const FIRST_FRAME = 0x10_0000;

/** Where the guest starts: what the machine must load into the CPU before the first run(). */
export interface BootState {
  readonly cr3: number;
  readonly rip: number;
  readonly rsp: number;
}

/** An emulated computer to run one process on. */
export interface Machine {
  readonly ram: Ram;
  /** AT_HWCAP: CPUID.01H:EDX of the emulated processor. */
  readonly hwcap: number;
  boot(state: BootState): GuestCpu;
}

export interface RunOptions {
  /** Contents of the executable. */
  readonly elf: Uint8Array;
  /** Absolute path of the executable: what readlink("/proc/self/exe") gives. */
  readonly exePath: string;
  /** The path as handed to exec (AT_EXECFN); defaults to argv[0]. */
  readonly execfn?: string;
  readonly argv: readonly string[];
  readonly envp: readonly string[];
  readonly io: GuestIo;
  /** Fixed clock (1 ns per instruction from 2024-01-01) and seeded randomness instead of the host's. */
  readonly deterministic?: boolean;
  readonly seed?: bigint;
  /** Materialise anonymous memory at mmap/brk time instead of on first touch. */
  readonly populate?: boolean;
  /** Stop (status 124, like timeout(1)) after this many instructions. */
  readonly instructionLimit?: number;
  /** Instructions per CPU run() call between checks of the limit. */
  readonly slice?: number;
  readonly identity?: ProcessIdentity;
  /** One line per system call (strace-like). */
  readonly traceSyscalls?: (line: string) => void;
}

export interface RunResult {
  /** What a shell would see: the exit status, or 128 + signal number. */
  readonly status: number;
  readonly signal?: number;
  /** Why the process died, for anything but a normal exit. */
  readonly message?: string;
  readonly instructions: number;
  /** Seconds spent running the guest (after loading). */
  readonly seconds: number;
  /** Unimplemented system calls the program made: number → times. */
  readonly unknownSyscalls: ReadonlyMap<number, number>;
  readonly framesUsed: number;
}

/** The emulator, not the guest, could not go on. */
export class RunnerError extends Error {
  override readonly name = 'RunnerError';
}

export const DEFAULT_PID = 1000;
const DEFAULT_SLICE = 1 << 24;

/** exec(): a process and its CPU, ready to run. */
export function exec(machine: Machine, options: RunOptions) {
  const image = parseElf(options.elf);
  const frames = new FrameAllocator(machine.ram, FIRST_FRAME);
  const space = new AddressSpace(machine.ram, frames);
  const populate = options.populate ?? false;
  const program = loadElf(image, space, populate);
  space.initBrk(program.end);
  const stackProt = PROT.READ | PROT.WRITE | (program.execStack ? PROT.EXEC : 0);
  space.map(STACK_TOP - STACK_LIMIT, STACK_TOP, stackProt, 'stack', populate);

  const identity = options.identity ?? { uid: 1000, euid: 1000, gid: 1000, egid: 1000 };
  const entropy = options.deterministic ? seededEntropy(options.seed ?? 0n) : hostEntropy();
  const random = new Uint8Array(16);
  entropy.fill(random);
  const stack = layoutInitialStack(STACK_TOP, {
    argv: options.argv,
    envp: options.envp,
    execfn: options.execfn ?? options.argv[0] ?? options.exePath,
    random,
    hwcap: machine.hwcap,
    phdr: program.phdr,
    phent: program.phent,
    phnum: program.phnum,
    entry: program.entry,
    identity,
  });
  space.initialize(stack.sp, stack.bytes);

  const cpu = machine.boot({ cr3: space.pageTable.root, rip: program.entry, rsp: stack.sp });
  space.invalidate = (start, end) => cpu.invalidatePages(start, end);
  const process: Process = {
    space,
    regs: cpu,
    io: options.io,
    clock: options.deterministic ? deterministicClock(() => cpu.instructionsRetired) : hostClock(),
    entropy,
    identity,
    pid: DEFAULT_PID,
    exePath: options.exePath,
    physicalBytes: machine.ram.u8.length,
    populate,
    signalActions: new Map(),
    signalMask: 0n,
    clearChildTid: 0n,
  };
  return { cpu, process, program, frames, symbols: readSymbols(options.elf) };
}

/** Runs an executable to completion on `machine`. */
export function run(machine: Machine, options: RunOptions): RunResult {
  const { cpu, process, program, frames, symbols } = exec(machine, options);
  const unknownSyscalls = new Map<number, number>();
  const traceOptions = {
    trace: options.traceSyscalls,
    onUnknown: (nr: number) => unknownSyscalls.set(nr, (unknownSyscalls.get(nr) ?? 0) + 1),
  };
  const where = () => {
    const name = symbolize(symbols, cpu.rip - program.loadBias);
    return `rip=0x${cpu.rip.toString(16)}${name ? ` <${name}>` : ''}`;
  };
  const started = performance.now();
  const end = runLoop(cpu, process, options, traceOptions, where);
  const seconds = (performance.now() - started) / 1000;
  const base = {
    instructions: cpu.instructionsRetired,
    seconds,
    unknownSyscalls,
    framesUsed: frames.framesInUse,
  };
  if (end.kind === 'exit') return { ...base, status: end.status };
  return { ...base, status: end.status, signal: end.signal, message: end.message };
}

type LoopEnd =
  { kind: 'exit'; status: number } | { kind: 'killed'; status: number; signal?: number; message: string };

function killedBy(signal: number, message: string): LoopEnd {
  return { kind: 'killed', status: 128 + signal, signal, message };
}

function fromProcessEnd(end: ProcessEnd, where: string): LoopEnd {
  if (end.kind === 'exit') return end;
  return killedBy(end.signal, `${signalName(end.signal)} at ${where}: ${end.detail}`);
}

function runLoop(
  cpu: GuestCpu,
  process: Process,
  options: RunOptions,
  traceOptions: Parameters<typeof dispatchSyscall>[1],
  where: () => string,
): LoopEnd {
  const slice = options.slice ?? DEFAULT_SLICE;
  const limit = options.instructionLimit ?? Number.POSITIVE_INFINITY;
  try {
    for (;;) {
      const remaining = limit - cpu.instructionsRetired;
      if (remaining <= 0) {
        return { kind: 'killed', status: 124, message: `instruction limit (${limit}) reached at ${where()}` };
      }
      const event: CpuEvent = cpu.run(Math.min(slice, remaining));
      if (event.kind === 'budget') continue;
      if (event.kind === 'stopped') throw new RunnerError(`the CPU stopped (${event.reason}) at ${where()}`);
      if (event.kind === 'syscall') {
        const end = dispatchSyscall(process, traceOptions);
        if (end) return fromProcessEnd(end, where());
        continue;
      }
      const address = event.address < BigInt(USER_ADDRESS_LIMIT) ? Number(event.address) : -1;
      if (isDemandFault(event) && process.space.handleFault(address, pageFaultAccess(event.errorCode))) {
        continue;
      }
      const mapped = process.space.vmaAt(address) !== undefined;
      const report = describeFault(event.vector, event.errorCode, event.address, where(), mapped);
      // For #UD the bytes say which instruction the CPU did not know.
      const bytes = event.vector === VECTOR.UD ? ` [${codeBytes(process.space, cpu.rip)}]` : '';
      return killedBy(report.signal, report.message + bytes);
    }
  } catch (error) {
    if (error instanceof PhysicalMemoryExhausted)
      return killedBy(SIGNAL.SIGKILL, `${error.message} at ${where()}`);
    throw error;
  }
}

/** Up to 8 bytes of code at `rip`, in hex, as far as they are readable. */
function codeBytes(space: AddressSpace, rip: number): string {
  const bytes: string[] = [];
  for (let i = 0; i < 8; i++) {
    const byte = space.read(rip + i, 1);
    if (!byte) break;
    bytes.push(byte[0].toString(16).padStart(2, '0'));
  }
  return bytes.join(' ');
}

function isDemandFault(event: CpuEvent & { kind: 'exception' }): boolean {
  return event.vector === VECTOR.PF && (event.errorCode & (PF_ERR.PRESENT | PF_ERR.RSVD)) === 0;
}
