import type { Domain } from '../domain/domain';
import type { Vcpu } from '../domain/vcpu';
import type { GuestPhysicalMemory } from '../mem/guest-physical-memory';
import {
  SH_EVTCHN_MASK,
  SH_EVTCHN_PENDING,
  SH_VCPU_INFO,
  VCPU_INFO_SIZE,
  VI_EVTCHN_PENDING_SEL,
  VI_EVTCHN_UPCALL_MASK,
  VI_EVTCHN_UPCALL_PENDING,
} from '../public/layout';
import { PAGE_SIZE } from '../public/page';
import { XEN_LEGACY_MAX_VCPUS } from '../public/xen';
import { BITS_PER_EVTCHN_WORD } from './abi';

/**
 * The hypervisor side of the 2-level event protocol (ABI §7.3, Xen's event_2l.c) on a domain's
 * shared_info and vcpu_info in guest memory. Bitmaps are little-endian, so bit n lives in byte n>>3:
 * every test-and-set is a byte read-modify-write. xen-core runs hypercalls on the thread that also
 * runs the vCPUs, so these are atomic with respect to the guest; a multi-threaded CPU would need
 * Atomics here (the same assumption as the rest of xen-core).
 */

/** Machine address of `vcpu`'s vcpu_info: the registered copy, else shared_info.vcpu_info[id]. */
export function vcpuInfoAddress(domain: Domain, vcpu: Vcpu): number | undefined {
  if (vcpu.vcpuInfoMaddr !== undefined) return vcpu.vcpuInfoMaddr;
  if (domain.sharedInfoMfn === 0 || vcpu.id >= XEN_LEGACY_MAX_VCPUS) return undefined;
  return domain.sharedInfoMfn * PAGE_SIZE + SH_VCPU_INFO + vcpu.id * VCPU_INFO_SIZE;
}

function testBit(mem: GuestPhysicalMemory, base: number, bit: number): boolean {
  return (mem.readU8(base + (bit >>> 3)) & (1 << (bit & 7))) !== 0;
}

/** test_and_set_bit(): returns the old value. */
function testAndSetBit(mem: GuestPhysicalMemory, base: number, bit: number): boolean {
  const a = base + (bit >>> 3);
  const m = 1 << (bit & 7);
  const v = mem.readU8(a);
  if (v & m) return true;
  mem.writeU8(a, v | m);
  return false;
}

/** test_and_clear_bit(): returns the old value. */
function testAndClearBit(mem: GuestPhysicalMemory, base: number, bit: number): boolean {
  const a = base + (bit >>> 3);
  const m = 1 << (bit & 7);
  const v = mem.readU8(a);
  if (!(v & m)) return false;
  mem.writeU8(a, v & ~m);
  return true;
}

/** What the protocol needs to tell the outside world. */
export interface TwoLevelSignals {
  /** vcpu_kick(): upcall_pending went 0 → 1. */
  kick(domain: Domain, vcpu: Vcpu): void;
  /** evtchn_check_pollers(): the port became pending (mask ignored). */
  portPending(domain: Domain, port: number): void;
}

/** The 2-level port operations of one host memory. */
export class TwoLevelEvents {
  constructor(
    private readonly mem: GuestPhysicalMemory,
    private readonly signals: TwoLevelSignals,
  ) {}

  private shared(domain: Domain): number | undefined {
    return domain.sharedInfoMfn === 0 ? undefined : domain.sharedInfoMfn * PAGE_SIZE;
  }

  /** vcpu_mark_events_pending(): set evtchn_upcall_pending, kicking the vCPU on 0 → 1. */
  markEventsPending(domain: Domain, vcpu: Vcpu): void {
    const vi = vcpuInfoAddress(domain, vcpu);
    if (vi === undefined) return;
    if (testAndSetBit(this.mem, vi + VI_EVTCHN_UPCALL_PENDING, 0)) return;
    this.signals.kick(domain, vcpu);
  }

  /**
   * evtchn_2l_set_pending(), in Xen's strict order: pending bit (edge lost if already set), then —
   * only if unmasked — the vCPU's pending_sel word bit, and only on its 0 → 1 transition
   * upcall_pending (+ kick). Pollers are told in every case.
   */
  setPending(domain: Domain, vcpu: Vcpu, port: number): void {
    const sh = this.shared(domain);
    if (sh === undefined) return;
    if (testAndSetBit(this.mem, sh + SH_EVTCHN_PENDING, port)) return;
    const vi = vcpuInfoAddress(domain, vcpu);
    if (
      vi !== undefined &&
      !testBit(this.mem, sh + SH_EVTCHN_MASK, port) &&
      !testAndSetBit(this.mem, vi + VI_EVTCHN_PENDING_SEL, Math.floor(port / BITS_PER_EVTCHN_WORD))
    ) {
      this.markEventsPending(domain, vcpu);
    }
    this.signals.portPending(domain, port);
  }

  /** evtchn_2l_clear_pending() (a freed port must not fire on re-bind). */
  clearPending(domain: Domain, port: number): void {
    const sh = this.shared(domain);
    if (sh !== undefined) testAndClearBit(this.mem, sh + SH_EVTCHN_PENDING, port);
  }

  /** evtchn_2l_unmask(): clear the mask; if it was set and the port is pending, re-raise on `vcpu`. */
  unmask(domain: Domain, vcpu: Vcpu, port: number): void {
    const sh = this.shared(domain);
    if (sh === undefined) return;
    const vi = vcpuInfoAddress(domain, vcpu);
    if (
      testAndClearBit(this.mem, sh + SH_EVTCHN_MASK, port) &&
      testBit(this.mem, sh + SH_EVTCHN_PENDING, port) &&
      vi !== undefined &&
      !testAndSetBit(this.mem, vi + VI_EVTCHN_PENDING_SEL, Math.floor(port / BITS_PER_EVTCHN_WORD))
    ) {
      this.markEventsPending(domain, vcpu);
    }
  }

  isPending(domain: Domain, port: number): boolean {
    const sh = this.shared(domain);
    return sh !== undefined && testBit(this.mem, sh + SH_EVTCHN_PENDING, port);
  }

  isMasked(domain: Domain, port: number): boolean {
    const sh = this.shared(domain);
    return sh !== undefined && testBit(this.mem, sh + SH_EVTCHN_MASK, port);
  }

  /** The return-to-guest test (§0, §7.3): upcall_pending != 0 && upcall_mask == 0. */
  hasDeliverableUpcall(domain: Domain, vcpu: Vcpu): boolean {
    const vi = vcpuInfoAddress(domain, vcpu);
    if (vi === undefined) return false;
    return (
      this.mem.readU8(vi + VI_EVTCHN_UPCALL_PENDING) !== 0 &&
      this.mem.readU8(vi + VI_EVTCHN_UPCALL_MASK) === 0
    );
  }
}
