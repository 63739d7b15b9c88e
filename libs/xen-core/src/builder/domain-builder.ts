import type { Domain } from '../domain/domain';
import { BuildError, XenCoreError } from '../errors';
import { newGuestCr3 } from '../mm/baseptr';
import { destroyDomainMemory } from '../mm/domain-teardown';
import { GuestAccess } from '../mm/guest-access';
import type { MmEffect } from '../mm/mm-effects';
import { mmuextOp } from '../mm/mmuext-op';
import type { MmContext, PvMmu } from '../mm/pv-mmu';
import { MAX_GUEST_CMDLINE, XENCONS_CONNECTION } from '../public/layout';
import { PAGE_SIZE } from '../public/page';
import { MMUEXT_PIN_L4_TABLE, SIF_MOD_START_PFN, XENCONSOLE_DISCONNECTED } from '../public/xen';
import { hypercallPageBytes } from './hypercall-page';
import { initialVcpuState, InitialVcpuState } from './initial-vcpu-state';
import { BootLayout, planLayout, ptTotal } from './layout';
import { buildBootPagetables } from './page-table-builder';
import { initSharedInfo } from './shared-info';
import { writeStartInfo } from './start-info';
import { parseXenImage, XenImageInfo } from './xen-image';

export interface BuildOptions {
  image: Uint8Array;
  /** Module 0 (initrd). */
  ramdisk?: Uint8Array;
  cmdline?: string;
  /** Domain memory in pages; every page is populated. */
  nrPages: number;
  /** Ports the toolstack allocated (libxl: store 1, console 2; 0 = none). */
  storeEvtchn?: number;
  consoleEvtchn?: number;
}

export interface BuildResult {
  info: XenImageInfo;
  layout: BootLayout;
  /** pfn → mfn for every populated PFN. */
  p2m: number[];
  l4Mfn: number;
  startInfoMfn: number;
  startInfoVa: bigint;
  sharedInfoMfn: number;
  storeMfn: number;
  consoleMfn: number;
  regs: InitialVcpuState;
  effects: MmEffect[];
  warnings: string[];
}

const PAGE = BigInt(PAGE_SIZE);

function checkConfig(
  mmu: PvMmu,
  d: Domain,
  o: BuildOptions,
  layout: BootLayout,
  info: XenImageInfo,
): Uint8Array {
  const cmd = o.cmdline ?? '';
  if ([...cmd].some((c) => c.charCodeAt(0) > 0xff) || cmd.length > MAX_GUEST_CMDLINE - 1) {
    throw new BuildError(
      'BAD_CMDLINE',
      `command line must be at most ${MAX_GUEST_CMDLINE - 1} Latin-1 characters`,
    );
  }
  if (d.totPages !== 0 || d.vcpus[0].guestTable !== 0)
    throw new BuildError('BAD_CONFIG', 'domain already built');
  if (o.nrPages > d.maxPages)
    throw new BuildError('BAD_CONFIG', `nr_pages ${o.nrPages} > max_pages ${d.maxPages}`);
  if (mmu.host.allocator.freeFrames < o.nrPages + 1) {
    throw new BuildError('OUT_OF_MEMORY', `host has ${mmu.host.allocator.freeFrames} free frames`);
  }
  const hc = info.hypercallPage;
  if (
    hc !== undefined &&
    (hc < layout.virtBase || hc >= layout.virtBase + BigInt(layout.mappedPages) * PAGE)
  ) {
    throw new BuildError('HYPERCALL_PAGE_OUT_OF_RANGE', 'HYPERCALL_PAGE outside the initial mapping');
  }
  return Buffer.from(cmd, 'latin1');
}

/**
 * Build a PV domU the way Xen's toolstack does: parse and check the image,
 * plan the layout, and only then populate memory, load, write the boot
 * structures and page tables, pin the L4 and install it as vCPU0's CR3.
 * Any BuildError is thrown before a single frame is allocated.
 */
export function buildDomain(mmu: PvMmu, d: Domain, o: BuildOptions): BuildResult {
  if (!Number.isSafeInteger(o.nrPages) || o.nrPages <= 0)
    throw new BuildError('BAD_CONFIG', 'nr_pages must be > 0');
  const info = parseXenImage(o.image);
  const modLen = o.ramdisk?.length ?? 0;
  const layout = planLayout(info, o.nrPages, modLen);
  const cmdline = checkConfig(mmu, d, o, layout, info);

  // ---- from here on memory is touched; failures are invariant violations ----
  const { host } = mmu;
  const mem = host.mem;
  const p2m: number[] = [];
  for (let pfn = 0; pfn < o.nrPages; pfn++) {
    const mfn = host.allocDomainFrames(d.id);
    if (mfn === undefined)
      throw new XenCoreError('BUILDER_INVARIANT', 'allocation failed after the memory check');
    p2m.push(mfn);
    d.p2m.set(pfn, mfn);
    host.m2p.set(mfn, BigInt(pfn));
  }
  const sharedInfoMfn = host.allocSpecialFrame(d.id);
  if (sharedInfoMfn === undefined) throw new XenCoreError('BUILDER_INVARIANT', 'no frame for shared_info');
  d.sharedInfoMfn = sharedInfoMfn;

  const writePfnBytes = (byteOffset: number, data: Uint8Array): void => {
    for (let done = 0; done < data.length;) {
      const at = byteOffset + done;
      const n = Math.min(data.length - done, PAGE_SIZE - (at % PAGE_SIZE));
      mem.writeBytes(
        p2m[Math.floor(at / PAGE_SIZE)] * PAGE_SIZE + (at % PAGE_SIZE),
        data.subarray(done, done + n),
      );
      done += n;
    }
  };
  const img = info.elfImage.data;
  for (const s of info.segments) {
    const dest = layout.kernelPfn * PAGE_SIZE + Number(s.paddr - info.pstart);
    writePfnBytes(dest, img.subarray(s.fileOffset, s.fileOffset + s.filesz));
  }
  if (layout.module && o.ramdisk) writePfnBytes(layout.module.pfn * PAGE_SIZE, o.ramdisk);

  const p2mFirstPfn = layout.p2mWindow ? layout.p2mWindow.pfn : layout.p2mPfn!;
  const p2mBytes = new Uint8Array(o.nrPages * 8);
  const dv = new DataView(p2mBytes.buffer);
  p2m.forEach((mfn, pfn) => dv.setBigUint64(pfn * 8, BigInt(mfn), true));
  writePfnBytes(p2mFirstPfn * PAGE_SIZE, p2mBytes);

  const va = (pfn: number): bigint => layout.virtBase + BigInt(pfn) * PAGE;
  const w = layout.p2mWindow;
  const mod = layout.module;
  writeStartInfo(mem, p2m[layout.startInfoPfn], {
    nrPages: o.nrPages,
    sharedInfoMaddr: sharedInfoMfn * PAGE_SIZE,
    flags: mod && !mod.mapped ? SIF_MOD_START_PFN : 0,
    storeMfn: p2m[layout.storePfn],
    storeEvtchn: o.storeEvtchn ?? 1,
    consoleMfn: p2m[layout.consolePfn],
    consoleEvtchn: o.consoleEvtchn ?? 2,
    ptBase: va(layout.ptPfn),
    nrPtFrames: ptTotal(layout.pt),
    mfnList: w ? w.va : va(layout.p2mPfn!),
    modStart: !mod ? 0n : mod.mapped ? va(mod.pfn) : BigInt(mod.pfn),
    modLen: !mod ? 0n : BigInt(mod.mapped ? mod.length : mod.pages * PAGE_SIZE),
    cmdLine: cmdline,
    firstP2mPfn: w ? w.pfn : 0,
    nrP2mFrames: w ? w.p2mPages + ptTotal(w.pt) : 0,
  });
  mem.writeU8(p2m[layout.consolePfn] * PAGE_SIZE + XENCONS_CONNECTION, XENCONSOLE_DISCONNECTED);
  buildBootPagetables(mem, layout, p2m);
  if (info.hypercallPage !== undefined) {
    const pfn = Number((info.hypercallPage - layout.virtBase) / PAGE);
    mem.writeBytes(p2m[pfn] * PAGE_SIZE, hypercallPageBytes());
  }
  initSharedInfo(mem, sharedInfoMfn);

  const l4Mfn = p2m[layout.ptPfn];
  const vcpu = d.vcpus[0];
  const ctx: MmContext = {
    mmu,
    domain: d,
    vcpu,
    guest: new GuestAccess(mem, host.frames.nrFrames, () => vcpu.guestTable),
    effects: [],
  };
  const rc = mmuextOp(ctx, { cmd: MMUEXT_PIN_L4_TABLE, arg1: BigInt(l4Mfn), arg2: 0n });
  const rc2 = rc === 0 ? newGuestCr3(ctx, l4Mfn) : rc;
  if (rc2 !== 0) {
    destroyDomainMemory(mmu, d);
    throw new XenCoreError('BUILDER_INVARIANT', `bootstrap page tables failed validation (${rc2})`);
  }
  const stackTop = va(layout.stackPfn + 1);
  return {
    info,
    layout,
    p2m,
    l4Mfn,
    startInfoMfn: p2m[layout.startInfoPfn],
    startInfoVa: va(layout.startInfoPfn),
    sharedInfoMfn,
    storeMfn: p2m[layout.storePfn],
    consoleMfn: p2m[layout.consolePfn],
    regs: initialVcpuState(info.entry, stackTop, va(layout.startInfoPfn), l4Mfn),
    effects: ctx.effects,
    warnings: info.warnings,
  };
}
