import { XEN_EACCES, XEN_EINVAL, XEN_ENOSYS, XEN_EOPNOTSUPP } from '../public/errno';
import { PAGE_SIZE } from '../public/page';
import * as X from '../public/xen';
import { newGuestCr3, newUserBaseptr } from './baseptr';
import { PageType, PGT_l1_page_table, PGT_writable_page } from './frame-table';
import { ALL, FlushTarget, LOCAL } from './mm-effects';
import { addrOk, MmContext, toMfn } from './pv-mmu';

/** `struct mmuext_op`, decoded. arg2 is nr_ents / vcpumask pointer / src_mfn depending on cmd. */
export interface MmuextOp {
  cmd: number;
  arg1: bigint;
  arg2: bigint;
}

/** Max LDT entries (8192 descriptors = 64 KiB). */
export const LDT_ENTRIES_MAX = 8192;

/** vcpumask_to_pcpumask(): read the guest's vCPU bitmap; undefined on fault. */
export function readVcpuMask(ctx: MmContext, ptr: bigint): number[] | undefined {
  const vcpus: number[] = [];
  const n = ctx.domain.vcpus.length;
  for (let word = 0; word * 64 < n; word++) {
    const bits = ctx.guest.readU64(ptr + BigInt(word * 8));
    if (bits === undefined) return undefined;
    for (let b = 0; b < 64 && word * 64 + b < n; b++) if ((bits >> BigInt(b)) & 1n) vcpus.push(word * 64 + b);
  }
  return vcpus;
}

function pin(ctx: MmContext, mfn: number, type: PageType): number {
  const { host, types } = ctx.mmu;
  if (!host.getPage(mfn, ctx.domain.id)) return -XEN_EINVAL;
  const rc = types.getPageType(mfn, type);
  if (rc !== 0) {
    host.putPage(mfn);
    return rc;
  }
  if (host.frames.pinned[mfn]) {
    types.putPageAndType(mfn);
    return -XEN_EINVAL;
  }
  host.frames.pinned[mfn] = 1;
  return 0;
}

function unpin(ctx: MmContext, mfn: number): number {
  const { host, types } = ctx.mmu;
  if (!host.getPage(mfn, ctx.domain.id)) return -XEN_EINVAL;
  if (!host.frames.pinned[mfn]) {
    host.putPage(mfn);
    return -XEN_EINVAL;
  }
  host.frames.pinned[mfn] = 0;
  types.putPageAndType(mfn);
  host.putPage(mfn);
  return 0;
}

function withWritable(ctx: MmContext, mfn: number, body: () => void): boolean {
  const { host, types } = ctx.mmu;
  if (!host.getPage(mfn, ctx.domain.id)) return false;
  if (types.getPageType(mfn, PGT_writable_page) !== 0) {
    host.putPage(mfn);
    return false;
  }
  body();
  types.putPageAndType(mfn);
  return true;
}

function flushMulti(ctx: MmContext, op: MmuextOp, invlpg: boolean): number {
  const vcpus = readVcpuMask(ctx, op.arg2);
  if (!vcpus) return -XEN_EINVAL;
  const target: FlushTarget = { kind: 'vcpus', vcpus };
  if (!invlpg) ctx.effects.push({ kind: 'tlb-flush', target });
  else if (addrOk(op.arg1)) ctx.effects.push({ kind: 'invlpg', va: op.arg1, target });
  return 0;
}

/**
 * One mmuext_op for the calling domain (the caller has already refused a
 * foreign owner with -EPERM, as XSM does for an unprivileged domain).
 */
export function mmuextOp(ctx: MmContext, op: MmuextOp): number {
  const { host } = ctx.mmu;
  const mfn = toMfn(op.arg1);
  switch (op.cmd) {
    case X.MMUEXT_PIN_L1_TABLE:
    case X.MMUEXT_PIN_L2_TABLE:
    case X.MMUEXT_PIN_L3_TABLE:
    case X.MMUEXT_PIN_L4_TABLE:
      return pin(ctx, mfn, (PGT_l1_page_table + op.cmd - X.MMUEXT_PIN_L1_TABLE) as PageType);
    case X.MMUEXT_UNPIN_TABLE:
      return unpin(ctx, mfn);
    case X.MMUEXT_NEW_BASEPTR:
      return newGuestCr3(ctx, mfn);
    case X.MMUEXT_NEW_USER_BASEPTR:
      return newUserBaseptr(ctx, mfn);
    case X.MMUEXT_TLB_FLUSH_LOCAL:
      ctx.effects.push({ kind: 'tlb-flush', target: LOCAL });
      return 0;
    case X.MMUEXT_INVLPG_LOCAL:
      if (addrOk(op.arg1)) ctx.effects.push({ kind: 'invlpg', va: op.arg1, target: LOCAL });
      return 0;
    case X.MMUEXT_TLB_FLUSH_MULTI:
      return flushMulti(ctx, op, false);
    case X.MMUEXT_INVLPG_MULTI:
      return flushMulti(ctx, op, true);
    case X.MMUEXT_TLB_FLUSH_ALL:
      ctx.effects.push({ kind: 'tlb-flush', target: ALL });
      return 0;
    case X.MMUEXT_INVLPG_ALL:
      if (addrOk(op.arg1)) ctx.effects.push({ kind: 'invlpg', va: op.arg1, target: ALL });
      return 0;
    case X.MMUEXT_FLUSH_CACHE:
      return -XEN_EACCES;
    case X.MMUEXT_FLUSH_CACHE_GLOBAL:
      return -XEN_EINVAL;
    case X.MMUEXT_SET_LDT: {
      const ents = Number(op.arg2 & 0xffffffffn);
      const base = ents ? BigInt.asUintN(64, op.arg1) : 0n;
      if (base & 0xfffn || !addrOk(base) || ents > LDT_ENTRIES_MAX) return -XEN_EINVAL;
      const v = ctx.vcpu;
      if (v.ldtBase !== base || v.ldtEnts !== ents) {
        v.ldtBase = base;
        v.ldtEnts = ents;
        ctx.effects.push({ kind: 'ldt', vcpu: v.id, base, ents });
      }
      return 0;
    }
    case X.MMUEXT_CLEAR_PAGE:
      return withWritable(ctx, mfn, () => host.mem.fill(mfn * PAGE_SIZE, PAGE_SIZE, 0)) ? 0 : -XEN_EINVAL;
    case X.MMUEXT_COPY_PAGE: {
      const src = toMfn(op.arg2);
      if (!host.getPage(src, ctx.domain.id)) return -XEN_EINVAL;
      const ok = withWritable(ctx, mfn, () => host.mem.copy(mfn * PAGE_SIZE, src * PAGE_SIZE, PAGE_SIZE));
      host.putPage(src);
      return ok ? 0 : -XEN_EINVAL;
    }
    case X.MMUEXT_MARK_SUPER:
    case X.MMUEXT_UNMARK_SUPER:
      return -XEN_EOPNOTSUPP;
    default:
      return -XEN_ENOSYS;
  }
}
