/** Memory system calls: brk, mmap (anonymous only), munmap, mprotect, mremap, madvise. */
import { MMAP_MIN_ADDR, pageUp } from './address-space';
import { ERRNO, MADV_DONTNEED, MAP, PAGE_SIZE, PROT, SYS } from './linux-abi';
import { USER_ADDRESS_LIMIT } from './page-table';
import { count, fail, int, pointer, Process, SyscallArgs, SyscallTable } from './process';

const PROT_ALL = PROT.READ | PROT.WRITE | PROT.EXEC;
const MAP_TYPE = 0x03;
const MAP_SHARED_VALIDATE = 0x03;

/** [start, start + pageUp(length)) if it is a non-empty, page-aligned user range. */
function range(startArg: bigint, lengthArg: bigint): [number, number] | undefined {
  const start = pointer(startArg);
  const length = count(lengthArg);
  if (start < 0 || start % PAGE_SIZE !== 0 || length === 0) return undefined;
  const end = start + pageUp(length);
  return end <= USER_ADDRESS_LIMIT ? [start, end] : undefined;
}

function brk(p: Process, [addr]: SyscallArgs): bigint {
  return BigInt(p.space.setBrk(pointer(addr)));
}

function mmap(p: Process, [addrArg, lengthArg, protArg, flagsArg, fdArg, offsetArg]: SyscallArgs): bigint {
  const prot = int(protArg);
  const flags = int(flagsArg);
  const length = count(lengthArg);
  if (length === 0 || offsetArg % BigInt(PAGE_SIZE) !== 0n || prot & ~PROT_ALL) return fail(ERRNO.EINVAL);
  const type = flags & MAP_TYPE;
  if (type !== MAP.PRIVATE && type !== MAP.SHARED && type !== MAP_SHARED_VALIDATE) return fail(ERRNO.EINVAL);
  if (!(flags & MAP.ANONYMOUS)) {
    const fd = int(fdArg);
    return fail(fd >= 0 && fd <= 2 ? ERRNO.ENODEV : ERRNO.EBADF); // no files to map
  }
  const size = pageUp(length);
  if (size >= USER_ADDRESS_LIMIT) return fail(ERRNO.ENOMEM);
  const hint = pointer(addrArg);
  let start: number;
  if (flags & (MAP.FIXED | MAP.FIXED_NOREPLACE)) {
    if (hint < 0 || hint % PAGE_SIZE !== 0) return fail(ERRNO.EINVAL);
    if (hint < MMAP_MIN_ADDR) return fail(ERRNO.EPERM);
    if (hint + size > USER_ADDRESS_LIMIT) return fail(ERRNO.ENOMEM);
    if (!(flags & MAP.FIXED) && p.space.overlaps(hint, hint + size)) return fail(ERRNO.EEXIST);
    start = hint;
  } else {
    const found = p.space.findFree(size, hint > 0 ? hint - (hint % PAGE_SIZE) : 0);
    if (found === undefined) return fail(ERRNO.ENOMEM);
    start = found;
  }
  p.space.map(start, start + size, prot, 'mmap', p.populate);
  return BigInt(start);
}

function munmap(p: Process, [addr, length]: SyscallArgs): bigint {
  const r = range(addr, length);
  if (!r) return fail(ERRNO.EINVAL);
  p.space.unmap(r[0], r[1]);
  return 0n;
}

function mprotect(p: Process, [addr, length, protArg]: SyscallArgs): bigint {
  const prot = int(protArg);
  if (prot & ~PROT_ALL) return fail(ERRNO.EINVAL);
  if (length === 0n && pointer(addr) % PAGE_SIZE === 0) return 0n;
  const r = range(addr, length);
  if (!r) return fail(ERRNO.EINVAL);
  return p.space.protect(r[0], r[1], prot) ? 0n : fail(ERRNO.ENOMEM);
}

const MREMAP_MAYMOVE = 1;
const MREMAP_FIXED = 2;

/** mremap: shrink in place, grow in place when the pages above are free, otherwise move the pages. */
function mremap(p: Process, [oldArg, oldSizeArg, newSizeArg, flagsArg, newArg]: SyscallArgs): bigint {
  const flags = int(flagsArg);
  const old = pointer(oldArg);
  const oldLength = pageUp(count(oldSizeArg));
  const newLength = pageUp(count(newSizeArg));
  if (old < 0 || old % PAGE_SIZE || flags & ~(MREMAP_MAYMOVE | MREMAP_FIXED)) return fail(ERRNO.EINVAL);
  if ((flags & MREMAP_FIXED && !(flags & MREMAP_MAYMOVE)) || oldLength === 0 || newLength === 0) {
    return fail(ERRNO.EINVAL); // (old_size 0 duplicates shared mappings; there are none)
  }
  if (newLength >= USER_ADDRESS_LIMIT) return fail(ERRNO.ENOMEM);
  const vma = p.space.vmaAt(old);
  if (!vma || vma.end < old + oldLength) return fail(ERRNO.EFAULT);
  const { prot, kind } = vma;
  let target: number;
  if (flags & MREMAP_FIXED) {
    target = pointer(newArg);
    if (target < 0 || target % PAGE_SIZE || target + newLength > USER_ADDRESS_LIMIT)
      return fail(ERRNO.EINVAL);
    if (target < old + oldLength && old < target + newLength) return fail(ERRNO.EINVAL);
    p.space.unmap(target, target + newLength);
  } else {
    if (newLength <= oldLength) {
      p.space.unmap(old + newLength, old + oldLength);
      return BigInt(old);
    }
    if (old + newLength <= USER_ADDRESS_LIMIT && !p.space.overlaps(old + oldLength, old + newLength)) {
      p.space.map(old + oldLength, old + newLength, prot, kind, p.populate);
      return BigInt(old);
    }
    if (!(flags & MREMAP_MAYMOVE)) return fail(ERRNO.ENOMEM);
    const found = p.space.findFree(newLength);
    if (found === undefined) return fail(ERRNO.ENOMEM);
    target = found;
  }
  const kept = Math.min(oldLength, newLength);
  p.space.unmap(old + kept, old + oldLength);
  p.space.move(old, old + kept, target);
  if (newLength > kept) p.space.map(target + kept, target + newLength, prot, kind, p.populate);
  return BigInt(target);
}

function madvise(p: Process, [addr, length, advice]: SyscallArgs): bigint {
  if (length === 0n && pointer(addr) % PAGE_SIZE === 0) return 0n;
  const r = range(addr, length);
  if (!r) return fail(ERRNO.EINVAL);
  if (int(advice) === MADV_DONTNEED) p.space.discard(r[0], r[1]); // anonymous private: reads back zeros
  return 0n;
}

export const memorySyscalls: SyscallTable = {
  [SYS.brk]: brk,
  [SYS.mmap]: mmap,
  [SYS.munmap]: munmap,
  [SYS.mprotect]: mprotect,
  [SYS.madvise]: madvise,
  [SYS.mremap]: mremap,
};
