/**
 * A small PV guest for unit tests: a synthetic XTF-shaped image (VIRT_BASE 0, text at 1 MiB) built on
 * a fresh PvHost, with vCPU0 on the CPU. Tests place hand-encoded instructions at CODE_VA, point
 * trap-table vectors at `jmp .` landing pads, run a bounded number of instructions, and inspect the
 * registers, the bounce frames on the stack and the guest's memory.
 */
import { xtfImage } from '../../helpers/images';
import type { ArchVcpu } from '../../../src/exec/vcpu-arch';
import { PvHost, type BuiltPvDomain, type HostRunResult } from '../../../src/exec/pv-host';
import type { PvCpu } from '../../../src/exec/x86/pv-cpu';
import { newUserBaseptr } from '../../../src/mm/baseptr';

/** Where test code goes (third text page of the image) and the landing pads (a bss page). */
export const CODE_VA = 0x102000n;
/** User-mode code and stack used by enterUser(). */
export const USER_CODE = CODE_VA + 0x400n;
export const USER_STACK = 0x104ff0n;
export const PAD_VA = 0x103000n;
/** A spare data page inside the image (second bss page). */
export const DATA_VA = 0x104000n;

/** jmp . */
export const JMP_SELF = [0xeb, 0xfe];

export interface TestGuest {
  host: PvHost;
  dom: BuiltPvDomain;
  v: ArchVcpu;
  cpu: PvCpu;
  /** Boot stack top (a kernel-mode RSP with free space below). */
  stackTop: bigint;
  mfnOf(va: bigint): number;
  write(va: bigint, bytes: ArrayLike<number>): void;
  read(va: bigint, n: number): Uint8Array;
  readU64(va: bigint): bigint;
  /** Landing pad address for vector/callback `n` (a `jmp .`). */
  pad(n: number): bigint;
  /** Register trap-table vector `vec` at its pad with `flags` (DPL | 4 = mask events). */
  trap(vec: number, flags?: number): bigint;
  /** Put `code` at CODE_VA followed by `jmp .`, set RIP there and run `budget` instructions. */
  runCode(code: number[], budget?: number): HostRunResult;
  /** vcpu_info.evtchn_upcall_mask of vCPU0. */
  mask(): number;
  setMask(on: boolean): void;
}

export function makeGuest(opts: { hostMiB?: number; vcpus?: number; memoryMiB?: number } = {}): TestGuest {
  const host = new PvHost({ memoryMiB: opts.hostMiB ?? 24 });
  const dom = host.createDomain({
    image: xtfImage(),
    memoryMiB: opts.memoryMiB ?? 4,
    vcpus: opts.vcpus ?? 1,
  });
  const v = dom.exec.vcpus[0];
  host.enter(v);
  const mem = host.sys.host.mem;
  const p2m = dom.built.p2m;
  const mfnOf = (va: bigint): number => p2m[Number(va >> 12n)];
  const maddr = (va: bigint): number => mfnOf(va) * 4096 + Number(va & 0xfffn);
  const g: TestGuest = {
    host,
    dom,
    v,
    cpu: host.cpu,
    stackTop: dom.built.regs.rsp,
    mfnOf,
    write: (va, bytes) => mem.writeBytes(maddr(va), Uint8Array.from(bytes)),
    read: (va, n) => mem.readBytes(maddr(va), n),
    readU64: (va) => mem.readU64(maddr(va)),
    pad: (n) => PAD_VA + BigInt(n * 2),
    trap(vec, flags = 0) {
      v.trapAddr[vec] = g.pad(vec);
      v.trapFlags[vec] = flags;
      return g.pad(vec);
    },
    runCode(code, budget = 1000) {
      g.write(CODE_VA, [...code, ...JMP_SELF]);
      host.cpu.rip = CODE_VA;
      return host.run(budget);
    },
    mask: () => mem.readU8(v.vcpuInfoMaddr + 1),
    setMask: (on) => mem.writeU8(v.vcpuInfoMaddr + 1, on ? 1 : 0),
  };
  for (let n = 0; n < 512 * 2 && n < 2048; n++) g.write(g.pad(n), JMP_SELF);
  return g;
}

/** Little-endian bytes of a 64-bit value. */
export function le64(v: bigint): number[] {
  return Array.from({ length: 8 }, (_, i) => Number((BigInt.asUintN(64, v) >> BigInt(i * 8)) & 0xffn));
}

/** mov $imm64, %reg (REX.W B8+r). */
export function movImm64(reg: number, v: bigint): number[] {
  return [0x48 | (reg >= 8 ? 1 : 0), 0xb8 + (reg & 7), ...le64(v)];
}

/**
 * Enter guest user mode at USER_CODE (followed by `jmp .`) through the iret hypercall, with the
 * kernel root doubling as the user root (XTF style), and run `budget` instructions.
 */
export function enterUser(g: TestGuest, userCode: number[], budget = 200): HostRunResult {
  const ctx = g.host.sys.context(g.dom.exec.domain, g.v.vcpu);
  if (g.v.vcpu.guestTableUser === 0 && newUserBaseptr(ctx, g.v.vcpu.guestTable) !== 0) {
    throw new Error('NEW_USER_BASEPTR failed');
  }
  if (g.v.kernelSp === 0n) g.v.kernelSp = g.stackTop;
  g.write(USER_CODE, [...userCode, ...JMP_SELF]);
  const push32 = (v: bigint): number[] => [0x68, ...le64(v).slice(0, 4)];
  return g.runCode(
    [
      ...push32(0xe02bn), // push $0xe02b        (ss)
      ...push32(USER_STACK), // push $USER_STACK (rsp)
      ...push32(0x202n), // push $0x202          (rflags)
      ...push32(0xe033n), // push $0xe033        (cs, RPL 3: to user)
      ...push32(USER_CODE), // push $USER_CODE   (rip)
      ...[0x6a, 0x00], // push $0                     (flags)
      0x51, // push %rcx
      ...[0x41, 0x53], // push %r11
      0x50, // push %rax
      ...[0xb8, 0x17, 0x00, 0x00, 0x00], // mov $23, %eax
      ...[0x0f, 0x05], // syscall
    ],
    budget,
  );
}
