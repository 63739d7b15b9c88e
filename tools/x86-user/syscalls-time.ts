/** Time system calls: clock_gettime, clock_getres, gettimeofday, time — all from the process's Clock. */
import { ERRNO, SYS } from './linux-abi';
import { fail, int, pointer, Process, SyscallArgs, SyscallTable } from './process';

const NS_PER_S = 1_000_000_000n;

/** Nanoseconds on clock `id`, or undefined for a clock Linux does not have. */
function readClock(p: Process, id: number): bigint | undefined {
  switch (id) {
    case 0: // CLOCK_REALTIME
    case 5: // CLOCK_REALTIME_COARSE
    case 11: // CLOCK_TAI (no leap-second offset here)
      return p.clock.realtime();
    case 1: // CLOCK_MONOTONIC
    case 4: // CLOCK_MONOTONIC_RAW
    case 6: // CLOCK_MONOTONIC_COARSE
    case 7: // CLOCK_BOOTTIME
      return p.clock.monotonic();
    case 2: // CLOCK_PROCESS_CPUTIME_ID
    case 3: // CLOCK_THREAD_CPUTIME_ID
      return p.clock.cpuTime();
    default:
      return undefined;
  }
}

/** Writes {seconds, fraction} as two 64-bit words (timespec / timeval). */
function writePair(p: Process, addr: bigint, seconds: bigint, fraction: bigint): boolean {
  const out = new Uint8Array(16);
  const view = new DataView(out.buffer);
  view.setBigInt64(0, seconds, true);
  view.setBigInt64(8, fraction, true);
  return p.space.write(pointer(addr), out);
}

function clockGettime(p: Process, [clockId, tp]: SyscallArgs): bigint {
  const ns = readClock(p, int(clockId));
  if (ns === undefined) return fail(ERRNO.EINVAL);
  return writePair(p, tp, ns / NS_PER_S, ns % NS_PER_S) ? 0n : fail(ERRNO.EFAULT);
}

function clockGetres(p: Process, [clockId, res]: SyscallArgs): bigint {
  if (readClock(p, int(clockId)) === undefined) return fail(ERRNO.EINVAL);
  if (res === 0n) return 0n;
  return writePair(p, res, 0n, 1n) ? 0n : fail(ERRNO.EFAULT);
}

function gettimeofday(p: Process, [tv, tz]: SyscallArgs): bigint {
  const ns = p.clock.realtime();
  if (tv !== 0n && !writePair(p, tv, ns / NS_PER_S, (ns % NS_PER_S) / 1000n)) return fail(ERRNO.EFAULT);
  if (tz !== 0n && !p.space.write(pointer(tz), new Uint8Array(8))) return fail(ERRNO.EFAULT); // UTC
  return 0n;
}

function time(p: Process, [tloc]: SyscallArgs): bigint {
  const seconds = p.clock.realtime() / NS_PER_S;
  if (tloc !== 0n) {
    const out = new Uint8Array(8);
    new DataView(out.buffer).setBigInt64(0, seconds, true);
    if (!p.space.write(pointer(tloc), out)) return fail(ERRNO.EFAULT);
  }
  return seconds;
}

export const timeSyscalls: SyscallTable = {
  [SYS.clock_gettime]: clockGettime,
  [SYS.clock_getres]: clockGetres,
  [SYS.gettimeofday]: gettimeofday,
  [SYS.time]: time,
};
