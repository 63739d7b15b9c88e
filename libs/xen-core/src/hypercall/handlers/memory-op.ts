import { XEN_EACCES, XEN_EFAULT, XEN_EINVAL, XEN_ENOSYS } from '../../public/errno';
import { SH_ARCH_MAX_PFN } from '../../public/layout';
import * as M from '../../public/memory';
import { PAGE_SIZE } from '../../public/page';
import {
  __HYPERVISOR_memory_op,
  MACH2PHYS_NR_ENTRIES,
  MACH2PHYS_VIRT_END,
  MACH2PHYS_VIRT_START,
} from '../../public/xen';
import type { HypercallContext } from '../context';
import { defineHypercall } from '../table';
import { reservationOp } from './reservation';
import { targetDomain } from './target-domain';
import { addToPhysmap } from '../../grants/add-to-physmap';

function reservationQuery(ctx: HypercallContext, arg: bigint, which: 'current' | 'maximum' | 'gpfn'): number {
  const domid = ctx.guest.read(arg, 2);
  if (!domid) return -XEN_EFAULT;
  const d = targetDomain(ctx, domid[0] | (domid[1] << 8));
  if (typeof d === 'number') return d;
  if (which === 'current') return d.totPages;
  if (which === 'maximum') return d.maxPages;
  // domain_get_maximum_gpfn() for PV: the guest-written shared_info.arch.max_pfn.
  const maxPfn = ctx.mmu.host.mem.readU64(d.sharedInfoMfn * PAGE_SIZE + SH_ARCH_MAX_PFN);
  return Number(BigInt.asUintN(52, (maxPfn === 0n ? 1n : maxPfn) - 1n));
}

function machphysMfnList(ctx: HypercallContext, arg: bigint): number {
  const hdr = ctx.guest.read(arg, 24);
  if (!hdr) return -XEN_EFAULT;
  const dv = new DataView(hdr.buffer);
  const max = dv.getUint32(0, true);
  const list = dv.getBigUint64(8, true);
  const chunks = ctx.mmu.host.m2p.chunkMfns;
  const n = Math.min(max, chunks.length);
  for (let i = 0; i < n; i++)
    if (!ctx.guest.writeU64(list + BigInt(i * 8), BigInt(chunks[i]))) return -XEN_EFAULT;
  return ctx.guest.writeU32(arg + 16n, n) ? 0 : -XEN_EFAULT;
}

function memoryMap(ctx: HypercallContext, arg: bigint): number {
  const hdr = ctx.guest.read(arg, 16);
  if (!hdr) return -XEN_EFAULT;
  const e820 = ctx.domain.e820;
  if (!e820 || e820.length === 0) return -XEN_ENOSYS;
  const dv = new DataView(hdr.buffer);
  const n = Math.min(dv.getUint32(0, true), e820.length);
  const buf = new Uint8Array(n * M.E820_ENTRY_SIZE);
  const out = new DataView(buf.buffer);
  e820.slice(0, n).forEach((e, i) => {
    out.setBigUint64(i * M.E820_ENTRY_SIZE, e.addr, true);
    out.setBigUint64(i * M.E820_ENTRY_SIZE + 8, e.size, true);
    out.setUint32(i * M.E820_ENTRY_SIZE + 16, e.type, true);
  });
  if (!ctx.guest.write(dv.getBigUint64(8, true), buf)) return -XEN_EFAULT;
  return ctx.guest.writeU32(arg, n) ? 0 : -XEN_EFAULT;
}

function machphysMapping(ctx: HypercallContext, arg: bigint): number {
  const b = new Uint8Array(24);
  const dv = new DataView(b.buffer);
  dv.setBigUint64(0, MACH2PHYS_VIRT_START, true);
  dv.setBigUint64(8, MACH2PHYS_VIRT_END, true);
  dv.setBigUint64(16, BigInt(MACH2PHYS_NR_ENTRIES - 1), true);
  return ctx.guest.write(arg, b) ? 0 : -XEN_EFAULT;
}

/** memory_op(cmd, arg) (§9.5): low 6 bits sub-op, the rest the continuation start extent. */
export function memoryOp(ctx: HypercallContext, cmd: bigint, arg: bigint): number | bigint | undefined {
  const op = Number(cmd & BigInt(M.MEMOP_CMD_MASK));
  const startExtent = cmd >> BigInt(M.MEMOP_EXTENT_SHIFT);
  switch (op) {
    case M.XENMEM_increase_reservation:
    case M.XENMEM_decrease_reservation:
    case M.XENMEM_populate_physmap:
      return reservationOp(ctx, op, arg, startExtent);
    default:
      break;
  }
  if (startExtent !== 0n) return -XEN_EINVAL;
  switch (op) {
    case M.XENMEM_maximum_ram_page:
      return ctx.mmu.host.maxPage;
    case M.XENMEM_current_reservation:
      return reservationQuery(ctx, arg, 'current');
    case M.XENMEM_maximum_reservation:
      return reservationQuery(ctx, arg, 'maximum');
    case M.XENMEM_maximum_gpfn:
      return reservationQuery(ctx, arg, 'gpfn');
    case M.XENMEM_machphys_mfn_list:
      return machphysMfnList(ctx, arg);
    case M.XENMEM_machphys_mapping:
      return machphysMapping(ctx, arg);
    case M.XENMEM_memory_map:
      return memoryMap(ctx, arg);
    case M.XENMEM_add_to_physmap:
      return addToPhysmap(ctx, arg);
    case M.XENMEM_add_to_physmap_batch:
      return -XEN_EACCES;
    default:
      return -XEN_ENOSYS;
  }
}

export const memoryOpHypercall = defineHypercall({
  nr: __HYPERVISOR_memory_op,
  name: 'memory_op',
  args: ['ulong', 'ptr'],
  handler: memoryOp,
});
