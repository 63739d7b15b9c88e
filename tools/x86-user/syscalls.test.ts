import { describe, expect, it } from 'vitest';
import { DETERMINISTIC_EPOCH_NS } from './clock';
import { ARCH_GET_FS, ARCH_SET_FS, AT_EMPTY_PATH, ERRNO, MAP, MMAP_TOP, PROT, SYS } from './linux-abi';
import { REG } from './process';
import { dispatchSyscall } from './syscalls';
import { fakeProcess, TestProcess } from './testing';

const SCRATCH = 0x10000;
const RW = PROT.READ | PROT.WRITE;

function setup() {
  const p = fakeProcess();
  p.space.map(SCRATCH, SCRATCH + 0x10000, RW, 'mmap');
  return p;
}

/** Makes system call `nr` with up to six arguments, as the guest would; returns RAX (signed). */
function call(p: TestProcess, nr: number, ...args: Array<number | bigint>) {
  const regs = [REG.RDI, REG.RSI, REG.RDX, REG.R10, REG.R8, REG.R9];
  p.regs.set(REG.RAX, BigInt(nr));
  args.forEach((a, i) => p.regs.set(regs[i], BigInt.asUintN(64, BigInt(a))));
  const end = dispatchSyscall(p);
  if (end) return end;
  return BigInt.asIntN(64, p.regs.get(REG.RAX));
}

const errno = (e: number) => BigInt(-e);
const put = (p: TestProcess, addr: number, text: string) => p.space.write(addr, Buffer.from(`${text}\0`));
const u64At = (p: TestProcess, addr: number) =>
  new DataView(p.space.read(addr, 8)!.buffer).getBigUint64(0, true);
const text = (chunks: Uint8Array[]) => Buffer.concat(chunks).toString('utf8');

describe('I/O system calls', () => {
  it('write and writev copy guest memory to the standard streams', () => {
    const p = setup();
    put(p, SCRATCH, 'hello, ');
    put(p, SCRATCH + 0x100, 'world\n');
    expect(call(p, SYS.write, 1, SCRATCH, 7)).toBe(7n);
    const iov = new DataView(new ArrayBuffer(32));
    iov.setBigUint64(0, BigInt(SCRATCH + 0x100), true);
    iov.setBigUint64(8, 6n, true);
    iov.setBigUint64(16, BigInt(SCRATCH), true);
    iov.setBigUint64(24, 5n, true);
    p.space.write(SCRATCH + 0x200, new Uint8Array(iov.buffer));
    expect(call(p, SYS.writev, 1, SCRATCH + 0x200, 2)).toBe(11n);
    expect(call(p, SYS.write, 2, SCRATCH, 5)).toBe(5n);
    expect(text(p.stdout)).toBe('hello, world\nhello');
    expect(text(p.stderr)).toBe('hello');
  });

  it('write reports EBADF, EFAULT and EINVAL like Linux', () => {
    const p = setup();
    expect(call(p, SYS.write, 0, SCRATCH, 1)).toBe(errno(ERRNO.EBADF));
    expect(call(p, SYS.write, 7, SCRATCH, 1)).toBe(errno(ERRNO.EBADF));
    expect(call(p, SYS.write, 1, 0x1234_0000, 1)).toBe(errno(ERRNO.EFAULT));
    expect(call(p, SYS.write, 1, -1n, 1)).toBe(errno(ERRNO.EFAULT));
    expect(call(p, SYS.writev, 1, SCRATCH, -1)).toBe(errno(ERRNO.EINVAL));
    expect(call(p, SYS.write, 1, SCRATCH, 0)).toBe(0n);
  });

  it('a write to a closed pipe raises SIGPIPE, or fails with EPIPE when SIGPIPE is ignored', () => {
    const p = setup();
    p.stdoutClosed = true;
    expect(call(p, SYS.write, 1, SCRATCH, 1)).toMatchObject({ kind: 'signal', signal: 13 });
    p.space.write(SCRATCH + 0x100, Uint8Array.of(1, 0, 0, 0, 0, 0, 0, 0)); // sa_handler = SIG_IGN
    expect(call(p, SYS.rt_sigaction, 13, SCRATCH + 0x100, 0, 8)).toBe(0n);
    expect(call(p, SYS.write, 1, SCRATCH, 1)).toBe(errno(ERRNO.EPIPE));
  });

  it('read drains standard input in pieces and then reports end of file', () => {
    const p = setup();
    p.stdin = Buffer.from('abcdefgh');
    expect(call(p, SYS.read, 0, SCRATCH, 5)).toBe(5n);
    expect(call(p, SYS.read, 0, SCRATCH + 5, 100)).toBe(3n);
    expect(call(p, SYS.read, 0, SCRATCH, 100)).toBe(0n);
    expect(Buffer.from(p.space.read(SCRATCH, 8)!).toString()).toBe('abcdefgh');
    expect(call(p, SYS.read, 1, SCRATCH, 1)).toBe(errno(ERRNO.EBADF));
    p.stdin = Buffer.from('x');
    expect(call(p, SYS.read, 0, 0x40, 1)).toBe(errno(ERRNO.EFAULT));
  });

  it('fstat and newfstatat(AT_EMPTY_PATH) describe stdout as a pipe; isatty fails with ENOTTY', () => {
    const p = setup();
    expect(call(p, SYS.fstat, 1, SCRATCH)).toBe(0n);
    const mode = new DataView(p.space.read(SCRATCH + 24, 4)!.buffer).getUint32(0, true);
    expect(mode & 0o170000).toBe(0o010000);
    expect(u64At(p, SCRATCH + 56)).toBe(4096n);
    put(p, SCRATCH + 0x400, '');
    expect(call(p, SYS.newfstatat, 1, SCRATCH + 0x400, SCRATCH + 0x800, AT_EMPTY_PATH)).toBe(0n);
    expect(Buffer.compare(p.space.read(SCRATCH, 144)!, p.space.read(SCRATCH + 0x800, 144)!)).toBe(0);
    expect(call(p, SYS.fstat, 5, SCRATCH)).toBe(errno(ERRNO.EBADF));
    put(p, SCRATCH + 0x400, '/etc/passwd');
    expect(call(p, SYS.newfstatat, -100, SCRATCH + 0x400, SCRATCH, 0)).toBe(errno(ERRNO.ENOENT));
    expect(call(p, SYS.ioctl, 1, 0x5401, SCRATCH)).toBe(errno(ERRNO.ENOTTY));
    expect(call(p, SYS.ioctl, 9, 0x5401, SCRATCH)).toBe(errno(ERRNO.EBADF));
    expect(call(p, SYS.lseek, 0, 0, 0)).toBe(errno(ERRNO.ESPIPE));
    expect(call(p, SYS.close, 2)).toBe(0n);
  });

  it('readlink("/proc/self/exe") returns the executable path without a NUL, truncated to the buffer', () => {
    const p = setup();
    put(p, SCRATCH, '/proc/self/exe');
    expect(call(p, SYS.readlink, SCRATCH, SCRATCH + 0x100, 4096)).toBe(BigInt(p.exePath.length));
    expect(Buffer.from(p.space.read(SCRATCH + 0x100, p.exePath.length)!).toString()).toBe(p.exePath);
    expect(call(p, SYS.readlinkat, -100, SCRATCH, SCRATCH + 0x200, 3)).toBe(3n);
    put(p, SCRATCH, '/proc/self/cwd');
    expect(call(p, SYS.readlink, SCRATCH, SCRATCH + 0x100, 4096)).toBe(errno(ERRNO.ENOENT));
  });
});

describe('memory system calls', () => {
  it('brk queries, grows and refuses to shrink below the start', () => {
    const p = setup();
    p.space.initBrk(0x60_0000);
    expect(call(p, SYS.brk, 0)).toBe(0x60_0000n);
    expect(call(p, SYS.brk, 0x60_2100)).toBe(0x60_2100n);
    expect(p.space.write(0x60_2000, Uint8Array.of(1))).toBe(true);
    expect(call(p, SYS.brk, 0x10_0000)).toBe(0x60_2100n);
  });

  it('mmap picks addresses top-down, honours MAP_FIXED and MAP_FIXED_NOREPLACE', () => {
    const p = setup();
    const anon = MAP.PRIVATE | MAP.ANONYMOUS;
    const a = call(p, SYS.mmap, 0, 10000, RW, anon, -1, 0);
    expect(a).toBe(BigInt(MMAP_TOP - 12288));
    const b = call(p, SYS.mmap, 0, 4096, PROT.READ, anon, -1, 0);
    expect(b).toBe(BigInt(MMAP_TOP - 16384));
    expect(call(p, SYS.mmap, 0x5000_0000, 4096, RW, anon | MAP.FIXED, -1, 0)).toBe(0x5000_0000n);
    expect(call(p, SYS.mmap, 0x5000_0000, 4096, RW, anon | MAP.FIXED_NOREPLACE, -1, 0)).toBe(
      errno(ERRNO.EEXIST),
    );
    expect(call(p, SYS.mmap, 0x5000_0001, 4096, RW, anon | MAP.FIXED, -1, 0)).toBe(errno(ERRNO.EINVAL));
    expect(call(p, SYS.mmap, 0x1000, 4096, RW, anon | MAP.FIXED, -1, 0)).toBe(errno(ERRNO.EPERM));
    expect(call(p, SYS.mmap, 0, 0, RW, anon, -1, 0)).toBe(errno(ERRNO.EINVAL));
    expect(call(p, SYS.mmap, 0, 4096, RW, MAP.ANONYMOUS, -1, 0)).toBe(errno(ERRNO.EINVAL)); // no type
    expect(call(p, SYS.mmap, 0, 4096, RW, MAP.PRIVATE, 3, 0)).toBe(errno(ERRNO.EBADF)); // files: none
    expect(call(p, SYS.mmap, 0, 4096, 8, anon, -1, 0)).toBe(errno(ERRNO.EINVAL));
    // the memory is zeroed and usable
    expect(p.space.read(Number(a), 10000)!.every((x) => x === 0)).toBe(true);
    expect(p.space.write(Number(a) + 9000, Uint8Array.of(1))).toBe(true);
    expect(p.space.write(Number(b), Uint8Array.of(1))).toBe(false); // PROT_READ
  });

  it('munmap and mprotect validate their ranges', () => {
    const p = setup();
    expect(call(p, SYS.mprotect, SCRATCH, 0x1000, PROT.READ)).toBe(0n);
    expect(p.space.write(SCRATCH, Uint8Array.of(1))).toBe(false);
    expect(call(p, SYS.mprotect, SCRATCH + 1, 0x1000, PROT.READ)).toBe(errno(ERRNO.EINVAL));
    expect(call(p, SYS.mprotect, 0x7000_0000, 0x1000, PROT.READ)).toBe(errno(ERRNO.ENOMEM));
    expect(call(p, SYS.munmap, SCRATCH, 0x2000)).toBe(0n);
    expect(p.space.read(SCRATCH, 1)).toBeUndefined();
    expect(call(p, SYS.munmap, SCRATCH, 0)).toBe(errno(ERRNO.EINVAL));
    expect(call(p, SYS.munmap, SCRATCH + 3, 0x1000)).toBe(errno(ERRNO.EINVAL));
  });

  it('mremap shrinks and grows in place, moves the pages when blocked, and honours MREMAP_FIXED', () => {
    const p = setup();
    const anon = MAP.PRIVATE | MAP.ANONYMOUS;
    const a = Number(call(p, SYS.mmap, 0, 0x4000, RW, anon, -1, 0));
    p.space.write(a, Buffer.from('first page'));
    p.space.write(a + 0x3000, Buffer.from('last page'));
    expect(call(p, SYS.mremap, a, 0x4000, 0x2000, 0)).toBe(BigInt(a)); // shrink
    expect(p.space.read(a + 0x3000, 1)).toBeUndefined();
    expect(call(p, SYS.mremap, a, 0x2000, 0x3000, 0)).toBe(BigInt(a)); // the page above is free again
    const blocker = Number(call(p, SYS.mmap, a + 0x3000, 0x1000, RW, anon | MAP.FIXED, -1, 0));
    expect(blocker).toBe(a + 0x3000);
    expect(call(p, SYS.mremap, a, 0x3000, 0x8000, 0)).toBe(errno(ERRNO.ENOMEM)); // blocked, may not move
    const moved = Number(call(p, SYS.mremap, a, 0x3000, 0x8000, 1)); // MREMAP_MAYMOVE
    expect(moved).not.toBe(a);
    expect(Buffer.from(p.space.read(moved, 10)!).toString()).toBe('first page');
    expect(p.space.read(moved + 0x7000, 1)).toEqual(Uint8Array.of(0)); // the new tail is zeroed
    expect(p.space.read(a, 1)).toBeUndefined(); // the old range is gone
    expect(p.space.vmaAt(moved)).toMatchObject({ start: moved, end: moved + 0x8000, prot: RW });
    const fixed = 0x6000_0000;
    expect(call(p, SYS.mremap, moved, 0x8000, 0x1000, 3, fixed)).toBe(BigInt(fixed));
    expect(Buffer.from(p.space.read(fixed, 10)!).toString()).toBe('first page');
    expect(p.space.read(moved, 1)).toBeUndefined();
    expect(call(p, SYS.mremap, fixed, 0x1000, 0x1000, 2, 0x7000_0000)).toBe(errno(ERRNO.EINVAL)); // FIXED alone
    expect(call(p, SYS.mremap, 0x7000_0000, 0x1000, 0x2000, 1)).toBe(errno(ERRNO.EFAULT));
    expect(call(p, SYS.mremap, fixed + 1, 0x1000, 0x2000, 1)).toBe(errno(ERRNO.EINVAL));
  });

  it('madvise(MADV_DONTNEED) zeroes anonymous memory', () => {
    const p = setup();
    p.space.write(SCRATCH + 0x3000, Uint8Array.of(9));
    expect(call(p, SYS.madvise, SCRATCH + 0x3000, 0x1000, 4)).toBe(0n);
    expect(p.space.read(SCRATCH + 0x3000, 1)).toEqual(Uint8Array.of(0));
  });
});

describe('process system calls', () => {
  it('exit_group and exit end the process with the low 8 bits of the status', () => {
    expect(call(setup(), SYS.exit_group, 300)).toEqual({ kind: 'exit', status: 44 });
    expect(call(setup(), SYS.exit, 3)).toEqual({ kind: 'exit', status: 3 });
  });

  it('arch_prctl sets and reads the FS base', () => {
    const p = setup();
    expect(call(p, SYS.arch_prctl, ARCH_SET_FS, 0x4a_0380)).toBe(0n);
    expect(p.regs.fsBase).toBe(0x4a_0380n);
    expect(call(p, SYS.arch_prctl, ARCH_GET_FS, SCRATCH)).toBe(0n);
    expect(u64At(p, SCRATCH)).toBe(0x4a_0380n);
    expect(call(p, SYS.arch_prctl, ARCH_SET_FS, 0xffff_8000_0000_0000n)).toBe(errno(ERRNO.EPERM));
    expect(call(p, SYS.arch_prctl, 0x3001, SCRATCH)).toBe(errno(ERRNO.EINVAL));
  });

  it('answers the start-up calls of static glibc', () => {
    const p = setup();
    expect(call(p, SYS.set_tid_address, SCRATCH)).toBe(4242n);
    expect(call(p, SYS.set_robust_list, SCRATCH, 24)).toBe(0n);
    expect(call(p, SYS.set_robust_list, SCRATCH, 8)).toBe(errno(ERRNO.EINVAL));
    expect(call(p, SYS.rseq, SCRATCH, 32, 0, 0x53053053)).toBe(errno(ERRNO.ENOSYS));
    expect(call(p, SYS.prlimit64, 0, 3, 0, SCRATCH)).toBe(0n);
    expect([u64At(p, SCRATCH), u64At(p, SCRATCH + 8)]).toEqual([8n * 1024n * 1024n, 0xffff_ffff_ffff_ffffn]);
    expect(call(p, SYS.prlimit64, 99, 3, 0, SCRATCH)).toBe(errno(ERRNO.ESRCH));
    expect(call(p, SYS.getrlimit, 40, SCRATCH)).toBe(errno(ERRNO.EINVAL));
    expect([call(p, SYS.getpid), call(p, SYS.gettid), call(p, SYS.getuid), call(p, SYS.getegid)]).toEqual([
      4242n,
      4242n,
      1000n,
      100n,
    ]);
  });

  it('uname fills six 65-byte fields', () => {
    const p = setup();
    expect(call(p, SYS.uname, SCRATCH)).toBe(0n);
    const field = (i: number) => p.space.readCString(SCRATCH + 65 * i);
    expect([field(0), field(4)]).toEqual(['Linux', 'x86_64']);
    expect(field(2)).toMatch(/^6\.1\.0/);
  });

  it('rt_sigaction remembers actions; rt_sigprocmask maintains the mask', () => {
    const p = setup();
    const act = Uint8Array.from({ length: 32 }, (_, i) => i + 1);
    p.space.write(SCRATCH, act);
    expect(call(p, SYS.rt_sigaction, 10, SCRATCH, 0, 8)).toBe(0n);
    expect(call(p, SYS.rt_sigaction, 10, 0, SCRATCH + 0x100, 8)).toBe(0n);
    expect(p.space.read(SCRATCH + 0x100, 32)).toEqual(act);
    expect(call(p, SYS.rt_sigaction, 9, SCRATCH, 0, 8)).toBe(errno(ERRNO.EINVAL)); // SIGKILL
    expect(call(p, SYS.rt_sigaction, 10, SCRATCH, 0, 16)).toBe(errno(ERRNO.EINVAL));
    p.space.write(SCRATCH, Uint8Array.of(0xff, 0xff, 0, 0, 0, 0, 0, 0));
    expect(call(p, SYS.rt_sigprocmask, 0, SCRATCH, 0, 8)).toBe(0n);
    expect(p.signalMask).toBe(0xfeffn); // SIGKILL cannot be blocked
    expect(call(p, SYS.rt_sigprocmask, 2, 0, SCRATCH + 8, 8)).toBe(0n);
    expect(u64At(p, SCRATCH + 8)).toBe(0xfeffn);
    expect(call(p, SYS.rt_sigprocmask, 7, SCRATCH, 0, 8)).toBe(errno(ERRNO.EINVAL));
  });

  it('a signal to ourselves runs its default action: abort() ends with SIGABRT', () => {
    const p = setup();
    expect(call(p, SYS.tgkill, 4242, 4242, 0)).toBe(0n);
    expect(call(p, SYS.tgkill, 4242, 4242, 17)).toBe(0n); // SIGCHLD: ignored by default
    expect(call(p, SYS.kill, 1, 6)).toBe(errno(ERRNO.ESRCH));
    expect(call(p, SYS.tgkill, 4242, 4242, 6)).toMatchObject({ kind: 'signal', signal: 6 });
  });

  it('futex: wake finds nobody, a wait that would block forever ends the process', () => {
    const p = setup();
    p.space.write(SCRATCH, Uint8Array.of(1, 0, 0, 0));
    expect(call(p, SYS.futex, SCRATCH, 0x81, 1)).toBe(0n); // FUTEX_WAKE_PRIVATE
    expect(call(p, SYS.futex, SCRATCH, 0x80, 2, 0)).toBe(errno(ERRNO.EAGAIN)); // value changed
    expect(call(p, SYS.futex, SCRATCH, 0x80, 1, SCRATCH + 64)).toBe(errno(ERRNO.ETIMEDOUT));
    expect(call(p, SYS.futex, SCRATCH, 0x80, 1, 0)).toMatchObject({ kind: 'signal', signal: 9 });
  });

  it('getrandom fills the buffer; sysinfo reports the RAM size', () => {
    const p = setup();
    expect(call(p, SYS.getrandom, SCRATCH, 64, 1)).toBe(64n);
    expect(p.space.read(SCRATCH, 64)!.some((x) => x !== 0)).toBe(true);
    expect(call(p, SYS.sysinfo, SCRATCH)).toBe(0n);
    expect(u64At(p, SCRATCH + 32)).toBe(BigInt(p.physicalBytes));
  });
});

describe('time system calls', () => {
  it('read the deterministic clock', () => {
    const p = setup();
    p.instructions = 2_500_000_000;
    expect(call(p, SYS.clock_gettime, 0, SCRATCH)).toBe(0n);
    const ns = DETERMINISTIC_EPOCH_NS + 2_500_000_000n;
    expect([u64At(p, SCRATCH), u64At(p, SCRATCH + 8)]).toEqual([ns / 1_000_000_000n, ns % 1_000_000_000n]);
    expect(call(p, SYS.clock_gettime, 1, SCRATCH)).toBe(0n);
    expect(u64At(p, SCRATCH)).toBe(3n);
    expect(call(p, SYS.gettimeofday, SCRATCH, 0)).toBe(0n);
    expect(u64At(p, SCRATCH + 8)).toBe(500_000n);
    expect(call(p, SYS.time, SCRATCH + 64)).toBe(ns / 1_000_000_000n);
    expect(u64At(p, SCRATCH + 64)).toBe(ns / 1_000_000_000n);
    expect(call(p, SYS.clock_gettime, 99, SCRATCH)).toBe(errno(ERRNO.EINVAL));
    expect(call(p, SYS.clock_gettime, 0, 0x40)).toBe(errno(ERRNO.EFAULT));
  });
});

describe('dispatch', () => {
  it('returns -ENOSYS for unknown calls and reports them', () => {
    const p = setup();
    const unknown: number[] = [];
    const trace: string[] = [];
    p.regs.set(REG.RAX, 57n); // fork
    expect(
      dispatchSyscall(p, { onUnknown: (nr) => unknown.push(nr), trace: (l) => trace.push(l) }),
    ).toBeUndefined();
    expect(BigInt.asIntN(64, p.regs.get(REG.RAX))).toBe(errno(ERRNO.ENOSYS));
    expect(unknown).toEqual([57]);
    expect(trace).toEqual(['syscall_57(0x0, 0x0, 0x0, 0x0) = -0x26']);
  });

  it('preserves every register but RAX', () => {
    const p = setup();
    for (let r = 1; r < 16; r++) p.regs.set(r, BigInt(r * 0x1111));
    call(p, SYS.getpid);
    for (let r = 1; r < 16; r++) expect(p.regs.get(r)).toBe(BigInt(r * 0x1111));
  });
});
