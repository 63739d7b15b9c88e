/**
 * I/O system calls over the three standard streams (there is no file system): read, write, writev,
 * close, lseek, ioctl, fstat/newfstatat, readlink of /proc/self/exe.
 */
import { AT_EMPTY_PATH, ERRNO, SIGNAL, SYS } from './linux-abi';
import { count, fail, int, pointer, Process, ProcessEnd, SyscallArgs, SyscallTable } from './process';

const SIG_IGN = 1n;

const MAX_IO = 0x7fff_f000; // MAX_RW_COUNT
const MAX_READ_CHUNK = 1 << 16;
const IOV_MAX = 1024;
const S_IFIFO = 0o010000;
const STAT_SIZE = 144;

const isStdFd = (fd: number) => fd >= 0 && fd <= 2;

function read(p: Process, [fdArg, buf, countArg]: SyscallArgs): bigint {
  const fd = int(fdArg);
  if (fd !== 0) return fail(ERRNO.EBADF); // 1 and 2 are write-only, nothing else is open
  const want = Math.min(count(countArg), MAX_READ_CHUNK);
  if (want === 0) return 0n;
  const data = p.io.readStdin(want);
  if (!p.space.write(pointer(buf), data)) return fail(ERRNO.EFAULT);
  return BigInt(data.length);
}

/**
 * Writes to stdout/stderr. A write to a pipe nobody reads raises SIGPIPE, whose default action ends
 * the process; -EPIPE only reaches a program that ignores SIGPIPE (signals are never delivered here).
 */
function writeTo(p: Process, fd: number, bytes: Uint8Array): bigint | ProcessEnd {
  if (p.io.write(fd as 1 | 2, bytes)) return BigInt(bytes.length);
  const action = p.signalActions.get(SIGNAL.SIGPIPE);
  if (action && new DataView(action.buffer).getBigUint64(0, true) === SIG_IGN) return fail(ERRNO.EPIPE);
  return { kind: 'signal', signal: SIGNAL.SIGPIPE, detail: 'write to a pipe with no reader' };
}

function write(p: Process, [fdArg, buf, countArg]: SyscallArgs): bigint | ProcessEnd {
  const fd = int(fdArg);
  if (fd !== 1 && fd !== 2) return fail(ERRNO.EBADF);
  const bytes = p.space.read(pointer(buf), Math.min(count(countArg), MAX_IO));
  return bytes ? writeTo(p, fd, bytes) : fail(ERRNO.EFAULT);
}

function writev(p: Process, [fdArg, iovArg, iovcntArg]: SyscallArgs): bigint | ProcessEnd {
  const fd = int(fdArg);
  const iovcnt = int(iovcntArg);
  if (fd !== 1 && fd !== 2) return fail(ERRNO.EBADF);
  if (iovcnt < 0 || iovcnt > IOV_MAX) return fail(ERRNO.EINVAL);
  const table = p.space.read(pointer(iovArg), iovcnt * 16);
  if (!table) return fail(ERRNO.EFAULT);
  const view = new DataView(table.buffer);
  const parts: Uint8Array[] = [];
  let total = 0;
  for (let i = 0; i < iovcnt; i++) {
    const length = count(view.getBigUint64(i * 16 + 8, true));
    if (total + length > MAX_IO) return fail(ERRNO.EINVAL);
    const part = p.space.read(pointer(view.getBigUint64(i * 16, true)), length);
    if (!part) return fail(ERRNO.EFAULT);
    parts.push(part);
    total += length;
  }
  return writeTo(p, fd, Buffer.concat(parts));
}

function close(_p: Process, [fd]: SyscallArgs): bigint {
  return isStdFd(int(fd)) ? 0n : fail(ERRNO.EBADF);
}

function lseek(_p: Process, [fd]: SyscallArgs): bigint {
  return isStdFd(int(fd)) ? fail(ERRNO.ESPIPE) : fail(ERRNO.EBADF);
}

/** TCGETS (isatty) and every other request: the standard streams are pipes, not terminals. */
function ioctl(_p: Process, [fd]: SyscallArgs): bigint {
  return isStdFd(int(fd)) ? fail(ERRNO.ENOTTY) : fail(ERRNO.EBADF);
}

/** struct stat for a standard stream: a pipe owned by the process's user, block size 4096. */
function writeStat(p: Process, fd: number, buf: bigint): bigint {
  if (!isStdFd(fd)) return fail(ERRNO.EBADF);
  const st = new Uint8Array(STAT_SIZE);
  const view = new DataView(st.buffer);
  view.setBigUint64(0, 0xcn, true); // st_dev: pipefs
  view.setBigUint64(8, BigInt(1000 + fd), true); // st_ino
  view.setBigUint64(16, 1n, true); // st_nlink
  view.setUint32(24, S_IFIFO | 0o600, true); // st_mode
  view.setUint32(28, p.identity.uid, true);
  view.setUint32(32, p.identity.gid, true);
  view.setBigInt64(56, 4096n, true); // st_blksize
  return p.space.write(pointer(buf), st) ? 0n : fail(ERRNO.EFAULT);
}

function fstat(p: Process, [fd, buf]: SyscallArgs): bigint {
  return writeStat(p, int(fd), buf);
}

function newfstatat(p: Process, [dirfd, pathArg, buf, flags]: SyscallArgs): bigint {
  const path = p.space.readCString(pointer(pathArg));
  if (path === undefined) return fail(ERRNO.EFAULT);
  if (path === '' && int(flags) & AT_EMPTY_PATH) return writeStat(p, int(dirfd), buf);
  return fail(ERRNO.ENOENT);
}

function readlinkPath(p: Process, pathArg: bigint, buf: bigint, sizeArg: bigint): bigint {
  const path = p.space.readCString(pointer(pathArg));
  if (path === undefined) return fail(ERRNO.EFAULT);
  const size = int(sizeArg);
  if (size <= 0) return fail(ERRNO.EINVAL);
  if (path !== '/proc/self/exe') return fail(ERRNO.ENOENT);
  const target = Buffer.from(p.exePath, 'utf8').subarray(0, size); // no NUL, silently truncated
  return p.space.write(pointer(buf), target) ? BigInt(target.length) : fail(ERRNO.EFAULT);
}

export const ioSyscalls: SyscallTable = {
  [SYS.read]: read,
  [SYS.write]: write,
  [SYS.writev]: writev,
  [SYS.close]: close,
  [SYS.lseek]: lseek,
  [SYS.ioctl]: ioctl,
  [SYS.fstat]: fstat,
  [SYS.newfstatat]: newfstatat,
  [SYS.readlink]: (p, [path, buf, size]) => readlinkPath(p, path, buf, size),
  [SYS.readlinkat]: (p, [, path, buf, size]) => readlinkPath(p, path, buf, size),
};
