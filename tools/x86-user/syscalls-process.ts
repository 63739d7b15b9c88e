/**
 * Process, identity, signal and resource system calls of a single-threaded process: exit, arch_prctl,
 * set_tid_address, set_robust_list, rseq (-ENOSYS, so glibc does without), uname, get*id, rt_sigaction /
 * rt_sigprocmask (recorded, never delivered), kill/tgkill to self (default action: terminate),
 * prlimit64/getrlimit, sysinfo, futex (nobody else to wait for), getrandom.
 */
import { ARCH_GET_FS, ARCH_SET_FS, ERRNO, RLIM_INFINITY, SIGNAL, STACK_LIMIT, SYS } from './linux-abi';
import { USER_ADDRESS_LIMIT } from './page-table';
import { count, fail, int, pointer, Process, ProcessEnd, SyscallArgs, SyscallTable } from './process';

const SIGACTION_SIZE = 32;
const SIGSET_SIZE = 8;
const NSIG = 64;
const SIG_DFL = 0n;
const SIG_IGN = 1n;
/** Signals whose default action is to ignore them (SIGCHLD, SIGURG, SIGWINCH). */
const IGNORED_BY_DEFAULT = new Set([17, 23, 28]);
const UNBLOCKABLE = (1n << BigInt(SIGNAL.SIGKILL - 1)) | (1n << 18n); /* SIGKILL, SIGSTOP */
const RLIMIT_STACK = 3;
const RLIMIT_NOFILE = 7;
const RLIM_NLIMITS = 16;
const FUTEX_CMD_MASK = 0x7f;
const FUTEX_WAIT = 0;
const FUTEX_WAKE = 1;
const FUTEX_WAIT_BITSET = 9;
const FUTEX_WAKE_BITSET = 10;
const GETRANDOM_MAX = 33_554_431;

function exitGroup(_p: Process, [status]: SyscallArgs): ProcessEnd {
  return { kind: 'exit', status: int(status) & 0xff };
}

function archPrctl(p: Process, [code, addr]: SyscallArgs): bigint {
  switch (int(code)) {
    case ARCH_SET_FS:
      if (addr >= BigInt(USER_ADDRESS_LIMIT)) return fail(ERRNO.EPERM);
      p.regs.setFsBase(addr);
      return 0n;
    case ARCH_GET_FS: {
      const out = new Uint8Array(8);
      new DataView(out.buffer).setBigUint64(0, p.regs.getFsBase(), true);
      return p.space.write(pointer(addr), out) ? 0n : fail(ERRNO.EFAULT);
    }
    default:
      return fail(ERRNO.EINVAL);
  }
}

function utsField(text: string): Uint8Array {
  const field = new Uint8Array(65);
  field.set(Buffer.from(text, 'utf8').subarray(0, 64));
  return field;
}

function uname(p: Process, [buf]: SyscallArgs): bigint {
  const fields = ['Linux', 'xenoserver', '6.1.0-xenoserver', '#1 SMP x86-user', 'x86_64', '(none)'];
  const bytes = Buffer.concat(fields.map(utsField));
  return p.space.write(pointer(buf), bytes) ? 0n : fail(ERRNO.EFAULT);
}

function rtSigaction(p: Process, [sigArg, act, oldact, sigsetsize]: SyscallArgs): bigint {
  const sig = int(sigArg);
  if (sigsetsize !== BigInt(SIGSET_SIZE) || sig < 1 || sig > NSIG) return fail(ERRNO.EINVAL);
  if (act !== 0n && (sig === SIGNAL.SIGKILL || sig === 19)) return fail(ERRNO.EINVAL);
  let incoming: Uint8Array | undefined;
  if (act !== 0n) {
    incoming = p.space.read(pointer(act), SIGACTION_SIZE);
    if (!incoming) return fail(ERRNO.EFAULT);
  }
  if (oldact !== 0n) {
    const previous = p.signalActions.get(sig) ?? new Uint8Array(SIGACTION_SIZE);
    if (!p.space.write(pointer(oldact), previous)) return fail(ERRNO.EFAULT);
  }
  if (incoming) p.signalActions.set(sig, incoming);
  return 0n;
}

function rtSigprocmask(p: Process, [how, set, oldset, sigsetsize]: SyscallArgs): bigint {
  if (sigsetsize !== BigInt(SIGSET_SIZE)) return fail(ERRNO.EINVAL);
  let change: bigint | undefined;
  if (set !== 0n) {
    const bytes = p.space.read(pointer(set), SIGSET_SIZE);
    if (!bytes) return fail(ERRNO.EFAULT);
    change = new DataView(bytes.buffer).getBigUint64(0, true);
  }
  if (oldset !== 0n) {
    const out = new Uint8Array(SIGSET_SIZE);
    new DataView(out.buffer).setBigUint64(0, p.signalMask, true);
    if (!p.space.write(pointer(oldset), out)) return fail(ERRNO.EFAULT);
  }
  if (change === undefined) return 0n;
  switch (int(how)) {
    case 0: // SIG_BLOCK
      p.signalMask |= change;
      break;
    case 1: // SIG_UNBLOCK
      p.signalMask &= ~change;
      break;
    case 2: // SIG_SETMASK
      p.signalMask = change;
      break;
    default:
      return fail(ERRNO.EINVAL);
  }
  p.signalMask &= ~UNBLOCKABLE;
  return 0n;
}

/** A signal sent to ourselves: the default action happens at once, or nothing does. */
function raise(p: Process, target: number, sigArg: bigint): bigint | ProcessEnd {
  const sig = int(sigArg);
  if (target !== p.pid) return fail(ERRNO.ESRCH);
  if (sig < 0 || sig > NSIG) return fail(ERRNO.EINVAL);
  if (sig === 0) return 0n;
  const action = p.signalActions.get(sig);
  const handler = action ? new DataView(action.buffer).getBigUint64(0, true) : SIG_DFL;
  const blocked = (p.signalMask >> BigInt(sig - 1)) & 1n;
  if (blocked && sig !== SIGNAL.SIGKILL) return 0n; // stays pending forever: nothing is delivered
  if (handler === SIG_IGN || (handler === SIG_DFL && IGNORED_BY_DEFAULT.has(sig))) return 0n;
  const detail =
    handler === SIG_DFL
      ? 'default action'
      : `the program installed a handler at 0x${handler.toString(16)}, but the runner does not deliver signals`;
  return { kind: 'signal', signal: sig, detail };
}

function writeRlimit(p: Process, resource: number, buf: bigint): bigint {
  if (resource < 0 || resource >= RLIM_NLIMITS) return fail(ERRNO.EINVAL);
  const out = new Uint8Array(16);
  const view = new DataView(out.buffer);
  const [cur, max] =
    resource === RLIMIT_STACK
      ? [BigInt(STACK_LIMIT), RLIM_INFINITY]
      : resource === RLIMIT_NOFILE
        ? [1024n, 4096n]
        : [RLIM_INFINITY, RLIM_INFINITY];
  view.setBigUint64(0, cur, true);
  view.setBigUint64(8, max, true);
  return p.space.write(pointer(buf), out) ? 0n : fail(ERRNO.EFAULT);
}

function prlimit64(p: Process, [pid, resource, _newLimit, oldLimit]: SyscallArgs): bigint {
  if (pid !== 0n && pid !== BigInt(p.pid)) return fail(ERRNO.ESRCH);
  if (int(resource) < 0 || int(resource) >= RLIM_NLIMITS) return fail(ERRNO.EINVAL);
  // New limits are accepted and ignored: nothing here enforces them.
  return oldLimit === 0n ? 0n : writeRlimit(p, int(resource), oldLimit);
}

function sysinfo(p: Process, [buf]: SyscallArgs): bigint {
  const out = new Uint8Array(112);
  const view = new DataView(out.buffer);
  view.setBigInt64(0, p.clock.monotonic() / 1_000_000_000n, true); // uptime
  view.setBigUint64(32, BigInt(p.physicalBytes), true); // totalram
  view.setBigUint64(40, BigInt(p.physicalBytes), true); // freeram (the runner does not account)
  view.setUint16(80, 1, true); // procs
  view.setUint32(104, 1, true); // mem_unit
  return p.space.write(pointer(buf), out) ? 0n : fail(ERRNO.EFAULT);
}

function futex(p: Process, [uaddr, op, val, timeout]: SyscallArgs): bigint | ProcessEnd {
  switch (int(op) & FUTEX_CMD_MASK) {
    case FUTEX_WAKE:
    case FUTEX_WAKE_BITSET:
      return 0n; // no other thread can be waiting
    case FUTEX_WAIT:
    case FUTEX_WAIT_BITSET: {
      const word = p.space.read(pointer(uaddr), 4);
      if (!word) return fail(ERRNO.EFAULT);
      if (new DataView(word.buffer).getUint32(0, true) !== Number(BigInt.asUintN(32, val))) {
        return fail(ERRNO.EAGAIN);
      }
      if (timeout !== 0n) return fail(ERRNO.ETIMEDOUT); // nobody will wake us before it expires
      return {
        kind: 'signal',
        signal: SIGNAL.SIGKILL,
        detail: 'futex wait with no timeout in a single-threaded process would block forever',
      };
    }
    default:
      return fail(ERRNO.ENOSYS);
  }
}

function getrandom(p: Process, [buf, length]: SyscallArgs): bigint {
  const bytes = new Uint8Array(Math.min(count(length), GETRANDOM_MAX));
  p.entropy.fill(bytes);
  return p.space.write(pointer(buf), bytes) ? BigInt(bytes.length) : fail(ERRNO.EFAULT);
}

export const processSyscalls: SyscallTable = {
  [SYS.exit]: exitGroup, // single-threaded: ending the only thread ends the process
  [SYS.exit_group]: exitGroup,
  [SYS.arch_prctl]: archPrctl,
  [SYS.set_tid_address]: (p, [tidptr]) => {
    p.clearChildTid = tidptr;
    return BigInt(p.pid);
  },
  [SYS.set_robust_list]: (_p, [, length]) => (length === 24n ? 0n : fail(ERRNO.EINVAL)),
  [SYS.rseq]: () => fail(ERRNO.ENOSYS),
  [SYS.uname]: uname,
  [SYS.getpid]: (p) => BigInt(p.pid),
  [SYS.gettid]: (p) => BigInt(p.pid),
  [SYS.getppid]: (p) => BigInt(p.pid - 1),
  [SYS.getpgrp]: (p) => BigInt(p.pid),
  [SYS.getuid]: (p) => BigInt(p.identity.uid),
  [SYS.geteuid]: (p) => BigInt(p.identity.euid),
  [SYS.getgid]: (p) => BigInt(p.identity.gid),
  [SYS.getegid]: (p) => BigInt(p.identity.egid),
  [SYS.rt_sigaction]: rtSigaction,
  [SYS.rt_sigprocmask]: rtSigprocmask,
  [SYS.kill]: (p, [pid, sig]) => raise(p, int(pid), sig),
  [SYS.tkill]: (p, [tid, sig]) => raise(p, int(tid), sig),
  [SYS.tgkill]: (p, [tgid, tid, sig]) => (int(tgid) === p.pid ? raise(p, int(tid), sig) : fail(ERRNO.ESRCH)),
  [SYS.prlimit64]: prlimit64,
  [SYS.getrlimit]: (p, [resource, buf]) => writeRlimit(p, int(resource), buf),
  [SYS.sysinfo]: sysinfo,
  [SYS.futex]: futex,
  [SYS.sched_yield]: () => 0n,
  [SYS.getrandom]: getrandom,
};
