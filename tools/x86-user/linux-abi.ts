/**
 * The slice of the x86-64 Linux user ABI the runner implements: system call numbers, errno values, auxv
 * tags and the flag bits of the calls we accept. Values are those of linux/arch/x86/entry/syscalls/
 * syscall_64.tbl and include/uapi; names follow the kernel headers.
 */

/** x86-64 system call numbers (only the ones the runner names; everything else is -ENOSYS). */
export const SYS = {
  read: 0,
  write: 1,
  open: 2,
  close: 3,
  stat: 4,
  fstat: 5,
  lstat: 6,
  lseek: 8,
  mmap: 9,
  mprotect: 10,
  munmap: 11,
  brk: 12,
  rt_sigaction: 13,
  rt_sigprocmask: 14,
  ioctl: 16,
  readv: 19,
  writev: 20,
  access: 21,
  sched_yield: 24,
  mremap: 25,
  madvise: 28,
  getpid: 39,
  exit: 60,
  kill: 62,
  uname: 63,
  fcntl: 72,
  readlink: 89,
  gettimeofday: 96,
  getrlimit: 97,
  sysinfo: 99,
  getuid: 102,
  getgid: 104,
  geteuid: 107,
  getegid: 108,
  getppid: 110,
  getpgrp: 111,
  sigaltstack: 131,
  arch_prctl: 158,
  gettid: 186,
  tkill: 200,
  time: 201,
  futex: 202,
  set_tid_address: 218,
  clock_gettime: 228,
  clock_getres: 229,
  exit_group: 231,
  tgkill: 234,
  openat: 257,
  newfstatat: 262,
  readlinkat: 267,
  set_robust_list: 273,
  prlimit64: 302,
  getrandom: 318,
  statx: 332,
  rseq: 334,
} as const;

/** Reverse map for traces: number → name. */
export const SYSCALL_NAMES: ReadonlyMap<number, string> = new Map(
  Object.entries(SYS).map(([name, nr]) => [nr, name] as [number, string]),
);

export const ERRNO = {
  EPERM: 1,
  ENOENT: 2,
  ESRCH: 3,
  EBADF: 9,
  EAGAIN: 11,
  ENOMEM: 12,
  EACCES: 13,
  EFAULT: 14,
  EEXIST: 17,
  ENODEV: 19,
  EINVAL: 22,
  ENOTTY: 25,
  ESPIPE: 29,
  EPIPE: 32,
  ERANGE: 34,
  ENOSYS: 38,
  ETIMEDOUT: 110,
} as const;

export const SIGNAL = {
  SIGILL: 4,
  SIGTRAP: 5,
  SIGABRT: 6,
  SIGBUS: 7,
  SIGFPE: 8,
  SIGKILL: 9,
  SIGSEGV: 11,
  SIGPIPE: 13,
  SIGTERM: 15,
} as const;

/** Auxiliary vector tags (include/uapi/linux/auxvec.h, arch/x86/include/uapi/asm/auxvec.h). */
export const AT = {
  NULL: 0,
  PHDR: 3,
  PHENT: 4,
  PHNUM: 5,
  PAGESZ: 6,
  BASE: 7,
  FLAGS: 8,
  ENTRY: 9,
  UID: 11,
  EUID: 12,
  GID: 13,
  EGID: 14,
  PLATFORM: 15,
  HWCAP: 16,
  CLKTCK: 17,
  SECURE: 23,
  RANDOM: 25,
  HWCAP2: 26,
  EXECFN: 31,
} as const;

export const PROT = { NONE: 0, READ: 1, WRITE: 2, EXEC: 4 } as const;

export const MAP = {
  SHARED: 0x01,
  PRIVATE: 0x02,
  FIXED: 0x10,
  ANONYMOUS: 0x20,
  FIXED_NOREPLACE: 0x100000,
} as const;

export const MADV_DONTNEED = 4;
export const ARCH_SET_FS = 0x1002;
export const ARCH_GET_FS = 0x1003;
export const AT_EMPTY_PATH = 0x1000;
export const TCGETS = 0x5401;
export const RLIM_INFINITY = 0xffff_ffff_ffff_ffffn;

export const PAGE_SIZE = 4096;
export const PAGE_SHIFT = 12;

/** Highest user address + 1 with 4-level paging (TASK_SIZE_MAX), where the initial stack ends. */
export const STACK_TOP = 0x7fff_ffff_f000;
/** Where the kernel loads an ET_DYN executable when address randomisation is off (ELF_ET_DYN_BASE). */
export const ET_DYN_BASE = 0x5555_5555_4000;
/** The top of the mmap area without randomisation, just below the 128 MiB stack gap. */
export const MMAP_TOP = 0x7fff_f7ff_f000;
/** The stack rlimit we report and the size of the stack mapping (8 MiB, Linux's default). */
export const STACK_LIMIT = 8 * 1024 * 1024;
