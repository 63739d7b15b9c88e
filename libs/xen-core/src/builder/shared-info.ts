import type { GuestPhysicalMemory } from '../mem/guest-physical-memory';
import { SH_VCPU_INFO, VCPU_INFO_SIZE, VI_EVTCHN_UPCALL_MASK } from '../public/layout';
import { PAGE_SIZE } from '../public/page';
import { XEN_LEGACY_MAX_VCPUS } from '../public/xen';

/** Initial shared_info (ABI §3.5): all zero, every vcpu_info's events masked. */
export function initSharedInfo(mem: GuestPhysicalMemory, mfn: number): void {
  const b = mfn * PAGE_SIZE;
  mem.fill(b, PAGE_SIZE, 0);
  for (let i = 0; i < XEN_LEGACY_MAX_VCPUS; i++)
    mem.writeU8(b + SH_VCPU_INFO + i * VCPU_INFO_SIZE + VI_EVTCHN_UPCALL_MASK, 1);
}
