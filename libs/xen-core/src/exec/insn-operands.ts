/**
 * Operand helpers for the hypervisor's instruction emulation: fetch the faulting instruction's bytes
 * through the guest's active page tables, decode it, compute its memory operand's linear address and
 * read/write sized register operands — the same semantics as x86-core's interpreter (operand.ts).
 */
import { walkGuest } from '../mm/guest-walk';
import { PAGE_SIZE } from '../public/page';
import type { ExecEnv } from './env';
import { activeRoot } from './mode';
import type { ArchVcpu } from './vcpu-arch';
import { decodeInsn, type DecodedInsn } from './x86/decode';
import type { PvCpu } from './x86/pv-cpu';

const MAX_INSN = 15;

/** Read up to 15 code bytes at the current RIP (stopping at the first unreadable page). */
export function fetchInsnBytes(env: ExecEnv, v: ArchVcpu): Uint8Array {
  const { mem, frames } = env.sys.host;
  const out: number[] = [];
  let va = BigInt.asUintN(64, env.cpu.rip);
  const root = activeRoot(v);
  while (out.length < MAX_INSN) {
    const w = walkGuest(mem, frames.nrFrames, root, va, { write: false, user: true });
    if (!w.ok) break;
    const n = Math.min(MAX_INSN - out.length, PAGE_SIZE - Number(va & 0xfffn));
    out.push(...mem.readBytes(w.maddr, n));
    va += BigInt(n);
  }
  return Uint8Array.from(out);
}

/** Decode the instruction at RIP (64-bit code unless CS is a compatibility-mode segment). */
export function decodeAtRip(env: ExecEnv, v: ArchVcpu, long = true): DecodedInsn | undefined {
  const bytes = fetchInsnBytes(env, v);
  return bytes.length === 0 ? undefined : decodeInsn(bytes, env.cpu.rip, long ? 64 : 32);
}

const mask = (bytes: number): bigint => (bytes >= 8 ? 0xffffffffffffffffn : (1n << BigInt(bytes * 8)) - 1n);

/** Linear address of the memory operand (base + index·scale + disp, FS/GS base, address size). */
export function effectiveAddress(cpu: PvCpu, i: DecodedInsn): bigint {
  let ea = i.disp;
  if (i.base >= 0 && i.base < 16) ea += cpu.reg(i.base);
  if (i.index >= 0) ea += cpu.reg(i.index) << BigInt(i.scale);
  ea = BigInt.asUintN(i.as * 8, ea);
  if (i.segBase >= 0) ea += cpu.segBase(i.segBase);
  return BigInt.asUintN(64, ea);
}

/** A general register operand of `os` bytes (byte registers honour AH..BH without REX). */
export function readGpr(cpu: PvCpu, r: number, os: number, byteHigh = false): bigint {
  if (os === 1 && byteHigh) return (cpu.reg(r - 4) >> 8n) & 0xffn;
  return cpu.reg(r) & mask(os);
}

/** Write a register operand: 32-bit writes zero-extend, 8/16-bit writes merge (as the hardware does). */
export function writeGpr(cpu: PvCpu, r: number, os: number, value: bigint, byteHigh = false): void {
  if (os === 1 && byteHigh) {
    const cur = cpu.reg(r - 4);
    cpu.setReg(r - 4, (cur & ~0xff00n) | ((value & 0xffn) << 8n));
    return;
  }
  if (os === 8 || os === 4) {
    cpu.setReg(r, value & mask(os));
    return;
  }
  const cur = cpu.reg(r);
  cpu.setReg(r, (cur & ~mask(os)) | (value & mask(os)));
}

/** Sign-extend an immediate already held as 64-bit two's complement to the operand size. */
export function immediate(i: DecodedInsn): bigint {
  return i.imm & mask(i.os);
}

export { mask as operandMask };
