import { expect } from 'vitest';
import type { BuildResult } from '../../src/builder/domain-builder';
import { hypercallPageBytes } from '../../src/builder/hypercall-page';
import { ptTotal } from '../../src/builder/layout';
import { walkGuest } from '../../src/mm/guest-walk';
import * as L from '../../src/public/layout';
import { _PAGE_RW } from '../../src/public/page';
import type { XenSystem } from '../../src/xen-system';
import { expectSound } from './system';

/** The start-of-day contract (xen.h) and our builder's promises, checked on any built domain. */
export function checkBootInvariants(sys: XenSystem, b: BuildResult): void {
  const l = b.layout;
  const mem = sys.host.mem;
  const order = [
    l.kernelPfn,
    l.module?.mapped ? l.module.pfn : l.kernelPfn,
    l.p2mPfn ?? l.kernelPfn,
    l.startInfoPfn,
    l.storePfn,
    l.consolePfn,
    l.ptPfn,
    l.stackPfn,
  ];
  for (let i = 1; i < order.length; i++) expect(order[i]).toBeGreaterThanOrEqual(order[i - 1]);
  const endVa = l.virtBase + BigInt(l.mappedPages) * 4096n;
  expect(endVa % (4n << 20n)).toBe(0n);
  expect(l.mappedPages - l.stackPfn - 1).toBeGreaterThanOrEqual(128);
  const ptEnd = l.ptPfn + ptTotal(l.pt);
  for (let pfn = 0; pfn < l.mappedPages; pfn++) {
    const w = walkGuest(mem, sys.host.frames.nrFrames, b.l4Mfn, l.virtBase + BigInt(pfn) * 4096n, {
      write: false,
      user: true,
    });
    if (!w.ok) throw new Error(`pfn ${pfn} not mapped`);
    expect(w.maddr).toBe(b.p2m[pfn] * 4096);
    expect(Boolean(w.pte.flags & _PAGE_RW)).toBe(!(pfn >= l.ptPfn && pfn < ptEnd));
  }
  const si = b.startInfoMfn * 4096;
  expect(Buffer.from(mem.readBytes(si, 14)).toString('latin1')).toBe('xen-3.0-x86_64');
  expect(mem.readU64(si + L.SI_NR_PAGES)).toBe(BigInt(l.nrPages));
  expect(mem.readU64(si + L.SI_PT_BASE)).toBe(l.virtBase + BigInt(l.ptPfn) * 4096n);
  expect(mem.readU64(si + L.SI_NR_PT_FRAMES)).toBe(BigInt(ptTotal(l.pt)));
  expect(b.regs.rsi).toBe(l.virtBase + BigInt(l.startInfoPfn) * 4096n);
  expect(b.regs.rsp).toBe(l.virtBase + BigInt(l.stackPfn + 1) * 4096n);
  if (b.info.hypercallPage !== undefined) {
    const pfn = Number((b.info.hypercallPage - l.virtBase) / 4096n);
    expect(mem.readBytes(b.p2m[pfn] * 4096, 4096)).toEqual(hypercallPageBytes());
  }
  expectSound(sys);
}
