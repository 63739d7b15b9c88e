/**
 * Hypervisor-side accessors for `struct vcpu_info` (§4.3) and the 2-level event bits of
 * `struct shared_info` (§4.4, §7.3), at machine addresses. vcpu_info may have been moved by
 * VCPUOP_register_vcpu_info: callers always pass the vCPU's current location.
 */
import type { GuestPhysicalMemory } from '../mem/guest-physical-memory';
import {
  SH_EVTCHN_MASK,
  SH_EVTCHN_PENDING,
  SH_WC_NSEC,
  SH_WC_SEC,
  SH_WC_SEC_HI,
  SH_WC_VERSION,
  VI_ARCH_CR2,
  VI_EVTCHN_PENDING_SEL,
  VI_EVTCHN_UPCALL_MASK,
  VI_EVTCHN_UPCALL_PENDING,
  VI_TIME,
} from '../public/layout';

export function upcallPending(mem: GuestPhysicalMemory, vi: number): boolean {
  return mem.readU8(vi + VI_EVTCHN_UPCALL_PENDING) !== 0;
}

export function setUpcallPending(mem: GuestPhysicalMemory, vi: number, on: boolean): void {
  mem.writeU8(vi + VI_EVTCHN_UPCALL_PENDING, on ? 1 : 0);
}

export function upcallMask(mem: GuestPhysicalMemory, vi: number): boolean {
  return mem.readU8(vi + VI_EVTCHN_UPCALL_MASK) !== 0;
}

export function setUpcallMask(mem: GuestPhysicalMemory, vi: number, on: boolean): void {
  mem.writeU8(vi + VI_EVTCHN_UPCALL_MASK, on ? 1 : 0);
}

/** test_and_set of bit `word` in evtchn_pending_sel; returns the old bit. */
export function testAndSetPendingSel(mem: GuestPhysicalMemory, vi: number, word: number): boolean {
  const a = vi + VI_EVTCHN_PENDING_SEL + (word >> 3);
  const bit = 1 << (word & 7);
  const old = mem.readU8(a);
  mem.writeU8(a, old | bit);
  return (old & bit) !== 0;
}

export function setCr2(mem: GuestPhysicalMemory, vi: number, cr2: bigint): void {
  mem.writeU64(vi + VI_ARCH_CR2, cr2);
}

/** Event upcall deliverable: pending and not masked. */
export function eventDeliverable(mem: GuestPhysicalMemory, vi: number): boolean {
  return upcallPending(mem, vi) && !upcallMask(mem, vi);
}

// ---- shared_info 2-level bitmaps ------------------------------------------------------------------

function bitAddr(base: number, port: number): [number, number] {
  return [base + (port >> 3), 1 << (port & 7)];
}

export function testAndSetEvtchnPending(
  mem: GuestPhysicalMemory,
  sharedMaddr: number,
  port: number,
): boolean {
  const [a, bit] = bitAddr(sharedMaddr + SH_EVTCHN_PENDING, port);
  const old = mem.readU8(a);
  mem.writeU8(a, old | bit);
  return (old & bit) !== 0;
}

export function evtchnPending(mem: GuestPhysicalMemory, sharedMaddr: number, port: number): boolean {
  const [a, bit] = bitAddr(sharedMaddr + SH_EVTCHN_PENDING, port);
  return (mem.readU8(a) & bit) !== 0;
}

export function evtchnMasked(mem: GuestPhysicalMemory, sharedMaddr: number, port: number): boolean {
  const [a, bit] = bitAddr(sharedMaddr + SH_EVTCHN_MASK, port);
  return (mem.readU8(a) & bit) !== 0;
}

export function testAndClearEvtchnMask(mem: GuestPhysicalMemory, sharedMaddr: number, port: number): boolean {
  const [a, bit] = bitAddr(sharedMaddr + SH_EVTCHN_MASK, port);
  const old = mem.readU8(a);
  mem.writeU8(a, old & ~bit);
  return (old & bit) !== 0;
}

// ---- time ------------------------------------------------------------------------------------------

/**
 * The guest TSC runs at TSC_KHZ and system time is the TSC in nanoseconds (x86-core's TSC is the
 * retired-instruction count): pvclock multiplier 0.5 (32.32) with shift +1 gives ns = tsc exactly.
 */
export const TSC_KHZ = 1_000_000;
export const PVCLOCK_MUL = 0x80000000;
export const PVCLOCK_SHIFT = 1;
export const PVCLOCK_TSC_STABLE = 1;

/** Rewrite vcpu_info.time (§4.2) with the version protocol: odd while updating. */
/** pvclock at TSC `tsc`; `systemTime` differs from it only for a restored domain (ExecDomain.timeOffsetNs). */
export function writePvclock(mem: GuestPhysicalMemory, vi: number, tsc: bigint, systemTime = tsc): void {
  const t = vi + VI_TIME;
  const version = mem.readU32(t);
  mem.writeU32(t, (version + 1) | 1);
  mem.writeU64(t + 0x08, tsc);
  mem.writeU64(t + 0x10, BigInt.asUintN(64, systemTime));
  mem.writeU32(t + 0x18, PVCLOCK_MUL);
  mem.writeU8(t + 0x1c, PVCLOCK_SHIFT);
  mem.writeU8(t + 0x1d, PVCLOCK_TSC_STABLE);
  mem.writeU32(t, ((version | 1) + 1) >>> 0);
}

/** shared_info wallclock: UTC at system time 0 (§4.4). */
export function writeWallclock(mem: GuestPhysicalMemory, sharedMaddr: number, epochNs: bigint): void {
  const version = mem.readU32(sharedMaddr + SH_WC_VERSION);
  mem.writeU32(sharedMaddr + SH_WC_VERSION, (version + 1) | 1);
  const sec = epochNs / 1_000_000_000n;
  mem.writeU32(sharedMaddr + SH_WC_SEC, Number(sec & 0xffffffffn));
  mem.writeU32(sharedMaddr + SH_WC_NSEC, Number(epochNs % 1_000_000_000n));
  mem.writeU32(sharedMaddr + SH_WC_SEC_HI, Number((sec >> 32n) & 0xffffffffn));
  mem.writeU32(sharedMaddr + SH_WC_VERSION, ((version | 1) + 1) >>> 0);
}
