import { PGT_l4_page_table } from './frame-table';
import type { MmContext } from './pv-mmu';

/** new_guest_cr3() (MMUEXT_NEW_BASEPTR, CR3 writes): install a new kernel root. */
export function newGuestCr3(ctx: MmContext, mfn: number): number {
  const { mmu, domain, vcpu } = ctx;
  const old = vcpu.guestTable;
  if (old === mfn && mfn !== 0) {
    ctx.effects.push({ kind: 'baseptr', vcpu: vcpu.id, mfn, user: false });
    return 0;
  }
  const rc = mmu.types.getPageAndType(mfn, domain.id, PGT_l4_page_table);
  if (rc !== 0) return rc;
  if (!domain.m2pStrict()) mmu.types.fillRoMpt(mfn);
  vcpu.guestTable = mfn;
  ctx.effects.push({ kind: 'baseptr', vcpu: vcpu.id, mfn, user: false });
  if (old !== 0) mmu.types.putPageAndType(old);
  return 0;
}

/** MMUEXT_NEW_USER_BASEPTR: the root used in guest-user mode (0 = none). */
export function newUserBaseptr(ctx: MmContext, mfn: number): number {
  const { mmu, domain, vcpu } = ctx;
  const old = vcpu.guestTableUser;
  if (old === mfn) return 0;
  if (mfn !== 0) {
    const rc = mmu.types.getPageAndType(mfn, domain.id, PGT_l4_page_table);
    if (rc !== 0) return rc;
    if (domain.m2pStrict()) mmu.types.zapRoMpt(mfn);
  }
  vcpu.guestTableUser = mfn;
  ctx.effects.push({ kind: 'baseptr', vcpu: vcpu.id, mfn, user: true });
  if (old !== 0) mmu.types.putPageAndType(old);
  return 0;
}

/** Drop a vCPU's root references (domain teardown). */
export function releaseBaseptrs(ctx: MmContext): void {
  const { mmu, vcpu } = ctx;
  for (const mfn of [vcpu.guestTable, vcpu.guestTableUser]) if (mfn !== 0) mmu.types.putPageAndType(mfn);
  vcpu.guestTable = 0;
  vcpu.guestTableUser = 0;
}
