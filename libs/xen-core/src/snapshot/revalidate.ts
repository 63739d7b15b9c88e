/**
 * Re-establishing a restored domain's references through the paths a guest's own hypercalls take,
 * so that nothing a snapshot says becomes live without the PV MMU's (and the CPU invariants')
 * checks: table pins (MMUEXT_PIN_Ln_TABLE), page-table roots (new_guest_cr3), GDT frames (set_gdt),
 * vcpu_info's writable reference, shadow LDT pages (the LDT fault path), and the CPU context.
 */
import { GDT_LIMIT } from '../exec/abi';
import { mapLdtShadowPage, setGdt } from '../exec/descriptor-tables';
import type { ExecDomain } from '../exec/exec-domain';
import type { PvHost } from '../exec/pv-host';
import type { ArchVcpu } from '../exec/vcpu-arch';
import { sanitizePvState } from '../exec/x86/pv-cpu';
import { newGuestCr3, newUserBaseptr } from '../mm/baseptr';
import { PGT_l1_page_table, PGT_writable_page, type PageType } from '../mm/frame-table';
import { GuestAccess } from '../mm/guest-access';
import { mmuextOp } from '../mm/mmuext-op';
import type { MmContext } from '../mm/pv-mmu';
import { PAGE_SIZE } from '../public/page';
import { MMUEXT_PIN_L1_TABLE } from '../public/xen';
import { SnapshotError } from './codec';
import type { FrameResolver } from './frame-names';
import type { SavedPage } from './memory-section';

function mmContext(host: PvHost, d: ExecDomain['domain'], vcpu = d.vcpus[0]): MmContext {
  const { mem, frames } = host.sys.host;
  return {
    mmu: host.sys.mmu,
    domain: d,
    vcpu,
    guest: new GuestAccess(mem, frames.nrFrames, () => 0),
    effects: [],
  };
}

/**
 * Pin every table the guest had pinned, through MMUEXT_PIN_Ln_TABLE: validation is the PV MMU's
 * own. Pins whose validation needs another table validated first (read-only linear entries) are
 * retried until no pin makes progress; what is left does not validate → BAD_SNAPSHOT.
 */
export function pinTables(
  host: PvHost,
  d: ExecDomain['domain'],
  pages: readonly SavedPage[],
  resolver: FrameResolver,
): void {
  const ctx = mmContext(host, d);
  let todo = pages.filter((p) => p.pinned);
  let lastRc = 0;
  while (todo.length > 0) {
    const left: SavedPage[] = [];
    for (const p of todo) {
      const cmd = MMUEXT_PIN_L1_TABLE + ((p.type as PageType) - PGT_l1_page_table);
      const rc = mmuextOp(ctx, { cmd, arg1: BigInt(resolver.mfn(p.pfn)), arg2: 0n });
      if (rc !== 0) {
        left.push(p);
        lastRc = rc;
      }
    }
    if (left.length === todo.length)
      throw new SnapshotError(`page table at pfn ${left[0].pfn} does not validate (${lastRc})`);
    todo = left;
  }
}

/**
 * readVcpu copied the frame fields without references. Take them through the paths a guest uses
 * (new_guest_cr3 / NEW_USER_BASEPTR validate the roots, set_gdt types the GDT frames seg_desc,
 * vcpu_info gets its writable reference) so a frame the PV MMU would refuse is refused here, then
 * make the CPU context one the hypervisor could have produced.
 */
export function takeVcpuReferences(host: PvHost, v: ArchVcpu): void {
  const vc = v.vcpu;
  const want = {
    guestTable: vc.guestTable,
    guestTableUser: vc.guestTableUser,
    gdt: v.gdtFrames,
    gdtEnts: v.gdtEnts,
    info: v.vcpuInfoMfn,
  };
  vc.guestTable = 0;
  vc.guestTableUser = 0;
  v.gdtFrames = [];
  v.gdtEnts = 0;
  v.vcpuInfoMfn = 0;
  const where = `vCPU ${v.id}`;
  const infoMaddr = vc.vcpuInfoMaddr;
  if (
    (infoMaddr === undefined) !== (want.info === 0) ||
    (infoMaddr !== undefined && Math.floor(infoMaddr / PAGE_SIZE) !== want.info)
  ) {
    vc.vcpuInfoMaddr = undefined;
    throw new SnapshotError(`${where}: vcpu_info placement and frame disagree`);
  }
  vc.vcpuInfoMaddr = undefined;
  if (v.initialised && (want.guestTable === 0 || (!vc.inKernel && want.guestTableUser === 0)))
    throw new SnapshotError(`${where}: initialised without the root its mode needs`);
  const ctx = mmContext(host, v.dom.domain, vc);
  let rc = want.guestTable ? newGuestCr3(ctx, want.guestTable) : 0;
  if (rc !== 0) throw new SnapshotError(`${where}: kernel root does not validate (${rc})`);
  rc = want.guestTableUser ? newUserBaseptr(ctx, want.guestTableUser) : 0;
  if (rc !== 0) throw new SnapshotError(`${where}: user root does not validate (${rc})`);
  if (want.gdt.length > 0 || want.gdtEnts > 0) {
    rc = setGdt(host, v, want.gdt.map(BigInt), want.gdtEnts);
    if (rc !== 0) throw new SnapshotError(`${where}: GDT frames refused (${rc})`);
  }
  if (want.info) {
    rc = host.sys.mmu.types.getPageAndType(want.info, v.dom.id, PGT_writable_page);
    if (rc !== 0) throw new SnapshotError(`${where}: vcpu_info frame refused (${rc})`);
    v.vcpuInfoMfn = want.info;
    vc.vcpuInfoMaddr = infoMaddr;
  }
  const why = sanitizePvState(v.cpuState, {
    vcr0Ts: v.vcr0Ts,
    vcr4: v.vcr4,
    gdtBase: v.dom.area.gdtVa(v.id),
    gdtLimit: GDT_LIMIT,
    ldtBase: v.dom.area.ldtVa(v.id),
    ldtEnts: vc.ldtEnts,
  });
  if (why) throw new SnapshotError(`${where}: ${why}`);
}

/** Map shadow LDT pages again (as the vCPU's next LDT accesses would); false if one cannot be. */
export function remapLdt(host: PvHost, v: ArchVcpu, pages: readonly number[]): boolean {
  let ok = true;
  for (const p of pages) ok = mapLdtShadowPage(host, v, p * 4096) && ok;
  if (pages.length > 0 && host.current === v) host.cpu.flushTlb();
  return ok;
}
