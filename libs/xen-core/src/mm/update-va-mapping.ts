import { XEN_EFAULT, XEN_EINVAL } from '../public/errno';
import { UVMF_ALL, UVMF_FLUSHTYPE_MASK, UVMF_INVLPG, UVMF_LOCAL, UVMF_TLB_FLUSH } from '../public/xen';
import { PGT_l1_page_table } from './frame-table';
import { findL1Slot } from './l1-lookup';
import { ALL, FlushTarget, LOCAL } from './mm-effects';
import { readVcpuMask } from './mmuext-op';
import { pteFromBigInt } from './pte';
import { modL1Entry } from './pt-update';
import { addrOk, MmContext } from './pv-mmu';

/**
 * __do_update_va_mapping(): a validated update of the L1 entry that maps `va`
 * in the current page tables, then the TLB maintenance `flags` ask for.
 */
export function updateVaMapping(
  ctx: MmContext,
  va: bigint,
  val: bigint,
  flags: bigint,
  pgOwner: number,
): number {
  const { host, types } = ctx.mmu;
  const f = host.frames;
  if (!addrOk(va)) return -XEN_EINVAL;
  const loc = findL1Slot(host.mem, f.nrFrames, ctx.vcpu.activeRoot, va);
  if (!loc || !host.getPage(loc.l1Mfn, ctx.domain.id)) return -XEN_EINVAL;
  const m = loc.l1Mfn;
  if (!(f.typeCount[m] > 0 && f.validated[m] && f.type[m] === PGT_l1_page_table)) {
    host.putPage(m);
    return -XEN_EINVAL;
  }
  const rc = modL1Entry(types, host.mem, m, loc.slot, pteFromBigInt(val), ctx.domain, pgOwner, false);
  host.putPage(m);
  if (rc !== 0) return rc;

  const kind = Number(flags & BigInt(UVMF_FLUSHTYPE_MASK));
  if (kind !== UVMF_TLB_FLUSH && kind !== UVMF_INVLPG) return 0;
  const bmap = flags & ~BigInt(UVMF_FLUSHTYPE_MASK);
  let target: FlushTarget;
  if (bmap === BigInt(UVMF_LOCAL)) target = LOCAL;
  else if (bmap === BigInt(UVMF_ALL)) target = ALL;
  else {
    const vcpus = readVcpuMask(ctx, bmap);
    if (!vcpus) return -XEN_EFAULT;
    target = { kind: 'vcpus', vcpus };
  }
  ctx.effects.push(kind === UVMF_TLB_FLUSH ? { kind: 'tlb-flush', target } : { kind: 'invlpg', va, target });
  return 0;
}
