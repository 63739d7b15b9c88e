/**
 * System call dispatch: reads the number and arguments from the registers (RAX; RDI, RSI, RDX, R10, R8,
 * R9), runs the handler and puts the result in RAX. Anything without a handler returns -ENOSYS and is
 * recorded, so that a run can list the calls a program wanted and did not get.
 */
import { ERRNO, SYSCALL_NAMES } from './linux-abi';
import { fail, Process, ProcessEnd, REG, SyscallArgs, SyscallTable } from './process';
import { ioSyscalls } from './syscalls-io';
import { memorySyscalls } from './syscalls-memory';
import { processSyscalls } from './syscalls-process';
import { timeSyscalls } from './syscalls-time';

export const SYSCALLS: SyscallTable = {
  ...ioSyscalls,
  ...memorySyscalls,
  ...processSyscalls,
  ...timeSyscalls,
};

export interface SyscallTraceOptions {
  /** Called with one strace-like line per system call. */
  readonly trace?: (line: string) => void;
  /** Called once per call that had no handler (-ENOSYS). */
  readonly onUnknown?: (nr: number, args: SyscallArgs) => void;
}

const hex = (v: bigint) => (v < 0n ? `-0x${(-v).toString(16)}` : `0x${v.toString(16)}`);

export function syscallName(nr: number): string {
  return SYSCALL_NAMES.get(nr) ?? `syscall_${nr}`;
}

/** Handles the system call the process just made; returns how the process ended, if it did. */
export function dispatchSyscall(process: Process, options: SyscallTraceOptions = {}): ProcessEnd | undefined {
  const { regs } = process;
  const nr = Number(BigInt.asUintN(32, regs.get(REG.RAX)));
  const args: SyscallArgs = [
    regs.get(REG.RDI),
    regs.get(REG.RSI),
    regs.get(REG.RDX),
    regs.get(REG.R10),
    regs.get(REG.R8),
    regs.get(REG.R9),
  ];
  const handler = Object.prototype.hasOwnProperty.call(SYSCALLS, nr) ? SYSCALLS[nr] : undefined;
  if (!handler) options.onUnknown?.(nr, args);
  const result = handler ? handler(process, args) : fail(ERRNO.ENOSYS);
  if (options.trace) {
    const shown = typeof result === 'bigint' ? hex(result) : `? (${result.kind})`;
    options.trace(`${syscallName(nr)}(${args.slice(0, 4).map(hex).join(', ')}) = ${shown}`);
  }
  if (typeof result !== 'bigint') return result;
  regs.set(REG.RAX, BigInt.asUintN(64, result));
  return undefined;
}
