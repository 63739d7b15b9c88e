/**
 * The state of the one emulated Linux process and the ports through which its system calls reach the
 * host: user memory, registers, standard streams, clocks and entropy. The system call handlers
 * (syscalls-*.ts) are functions of this state.
 */
import { AddressSpace } from './address-space';
import { ProcessIdentity } from './initial-stack';

/** General-purpose register numbers in encoding order (RAX=0 … R15=15). */
export const REG = {
  RAX: 0,
  RCX: 1,
  RDX: 2,
  RBX: 3,
  RSP: 4,
  RBP: 5,
  RSI: 6,
  RDI: 7,
  R8: 8,
  R9: 9,
  R10: 10,
  R11: 11,
} as const;

/** What a system call handler can see of the CPU. */
export interface UserRegisters {
  get(reg: number): bigint;
  set(reg: number, value: bigint): void;
  getFsBase(): bigint;
  setFsBase(value: bigint): void;
}

/** Standard streams. Only fds 0, 1 and 2 exist. */
export interface GuestIo {
  /** Up to `max` bytes of standard input; an empty array is end of file. */
  readStdin(max: number): Uint8Array;
  /** False when the reader has gone away (EPIPE). */
  write(fd: 1 | 2, bytes: Uint8Array): boolean;
}

/** Clocks in nanoseconds. */
export interface Clock {
  realtime(): bigint;
  monotonic(): bigint;
  cpuTime(): bigint;
}

export interface Entropy {
  fill(bytes: Uint8Array): void;
}

/** How a process ends: exit_group, or a signal whose default action terminates (status 128 + signal). */
export type ProcessEnd =
  | { readonly kind: 'exit'; readonly status: number }
  | { readonly kind: 'signal'; readonly signal: number; readonly detail: string };

export interface Process {
  readonly space: AddressSpace;
  readonly regs: UserRegisters;
  readonly io: GuestIo;
  readonly clock: Clock;
  readonly entropy: Entropy;
  readonly identity: ProcessIdentity;
  readonly pid: number;
  /** Absolute path of the executable: what readlink("/proc/self/exe") returns. */
  readonly exePath: string;
  /** Emulated RAM size, reported by sysinfo. */
  readonly physicalBytes: number;
  /** Whether anonymous mappings get their frames at mmap time rather than on first touch. */
  readonly populate: boolean;
  /** struct kernel_sigaction (32 bytes) per signal, as last set. Nothing is ever delivered. */
  readonly signalActions: Map<number, Uint8Array>;
  signalMask: bigint;
  clearChildTid: bigint;
}

export type SyscallArgs = readonly [bigint, bigint, bigint, bigint, bigint, bigint];
/** A handler returns the value for RAX (negative errno on failure) or the end of the process. */
export type SyscallHandler = (process: Process, args: SyscallArgs) => bigint | ProcessEnd;
export type SyscallTable = Readonly<Record<number, SyscallHandler>>;

/** -errno as a RAX value. */
export const fail = (errno: number): bigint => BigInt(-errno);

/** A user pointer argument as a number; non-canonical or kernel addresses become -1 (always EFAULT). */
export function pointer(arg: bigint): number {
  return arg < 0x8000_0000_0000n ? Number(arg) : -1;
}

/** A length/count argument, clamped so that absurd values stay absurd but representable. */
export function count(arg: bigint): number {
  return arg > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(arg);
}

/** An `int` argument (the low 32 bits, signed). */
export function int(arg: bigint): number {
  return Number(BigInt.asIntN(32, arg));
}
