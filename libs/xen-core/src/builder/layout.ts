import { BuildError } from '../errors';
import { PAGE_SIZE } from '../public/page';
import { virtualRangeOk, XenImageInfo } from './xen-image';

const PAGE = BigInt(PAGE_SIZE);
const FOUR_MIB = 4n << 20n;
/** Free mapped padding the start-of-day contract guarantees after the boot stack (512 KiB). */
export const BOOT_EXTRA_PAGES = 128;

/** Page-table frames needed per level to map [from, to). */
export interface PtCounts {
  l4: number;
  l3: number;
  l2: number;
  l1: number;
}

export const ptTotal = (c: PtCounts): number => c.l4 + c.l3 + c.l2 + c.l1;

/** count_pgtables(): tables of each level covering [from, to) (to > from). */
export function countPagetables(from: bigint, to: bigint, withL4: boolean): PtCounts {
  const span = (shift: bigint): number => Number(((to - 1n) >> shift) - (from >> shift) + 1n);
  return { l4: withL4 ? 1 : 0, l3: span(39n), l2: span(30n), l1: span(21n) };
}

export interface ModuleLayout {
  pfn: number;
  pages: number;
  length: number;
  mapped: boolean;
}

export interface P2mWindowLayout {
  /** The window [va, va + p2mPages·4096) maps exactly the p2m pages. */
  va: bigint;
  /** First PFN of the p2m segment: the p2m pages, then the window's page tables (not mapped in it). */
  pfn: number;
  p2mPages: number;
  ptPfn: number;
  pt: PtCounts;
}

/** Where everything goes, in PFNs (VA = virtBase + pfn·4096 for the main mapping). */
export interface BootLayout {
  virtBase: bigint;
  nrPages: number;
  kernelPfn: number;
  kernelPages: number;
  module: ModuleLayout | undefined;
  /** p2m list inside the main mapping (undefined when INIT_P2M is used). */
  p2mPfn: number | undefined;
  p2mPages: number;
  startInfoPfn: number;
  storePfn: number;
  consolePfn: number;
  ptPfn: number;
  pt: PtCounts;
  stackPfn: number;
  /** PFNs [0, mappedPages) are mapped at virtBase; the mapping ends on a 4 MiB boundary. */
  mappedPages: number;
  p2mWindow: P2mWindowLayout | undefined;
  /** PFNs the layout consumes (≤ nrPages). */
  usedPages: number;
}

const pagesFor = (bytes: bigint): bigint => (bytes + PAGE - 1n) / PAGE;

/**
 * The allocation order of Xen's toolstack builder (xg_dom_x86.c), computed
 * without touching memory. Throws BuildError when it cannot fit.
 */
export function planLayout(info: XenImageInfo, nrPages: number, moduleLength: number): BootLayout {
  const vb = info.virtBase;
  const kernelPfnBig = (info.virtKstart - vb) / PAGE;
  const kernelPagesBig = pagesFor(info.virtKend - info.virtKstart);
  const tooBig = (what: string): BuildError =>
    new BuildError('TOO_BIG_FOR_MEMORY', `${what} does not fit in ${nrPages} pages`);
  if (kernelPfnBig + kernelPagesBig > BigInt(nrPages)) throw tooBig('kernel');
  const kernelPfn = Number(kernelPfnBig);
  const kernelPages = Number(kernelPagesBig);
  let cursor = kernelPfn + kernelPages;

  const modPages = Math.ceil(moduleLength / PAGE_SIZE);
  let module: ModuleLayout | undefined;
  if (moduleLength > 0 && !info.modStartPfn) {
    module = { pfn: cursor, pages: modPages, length: moduleLength, mapped: true };
    cursor += modPages;
  }
  const p2mPages = Math.ceil((nrPages * 8) / PAGE_SIZE);
  let p2mPfn: number | undefined;
  if (info.p2mBase === undefined) {
    p2mPfn = cursor;
    cursor += p2mPages;
  }
  const startInfoPfn = cursor++;
  const storePfn = cursor++;
  const consolePfn = cursor++;
  if (cursor > nrPages) throw tooBig('boot structures');

  let nrPt = 0;
  let end = 0n;
  let pt: PtCounts = { l4: 1, l3: 0, l2: 0, l1: 0 };
  for (let i = 0; ; i++) {
    const want = vb + BigInt(cursor + nrPt + 1 + BOOT_EXTRA_PAGES) * PAGE;
    end = ((want + FOUR_MIB - 1n) / FOUR_MIB) * FOUR_MIB;
    if (!virtualRangeOk(vb, end)) {
      throw new BuildError('OUTSIDE_VIRTUAL_RANGE', 'initial mapping leaves the guest virtual address space');
    }
    pt = countPagetables(vb, end, true);
    if (ptTotal(pt) === nrPt) break;
    nrPt = ptTotal(pt);
    if (i > 32) throw new BuildError('TOO_BIG_FOR_MEMORY', 'page-table sizing did not converge');
  }
  const ptPfn = cursor;
  cursor += nrPt;
  const stackPfn = cursor++;
  const mappedPages = Number((end - vb) / PAGE);
  if (mappedPages > nrPages) throw tooBig('initial mapping');
  cursor = mappedPages;

  if (moduleLength > 0 && info.modStartPfn) {
    module = { pfn: cursor, pages: modPages, length: moduleLength, mapped: false };
    cursor += modPages;
  }

  let p2mWindow: P2mWindowLayout | undefined;
  if (info.p2mBase !== undefined) {
    // alloc_p2m_list_x86_64(): the window maps only the p2m pages; its L3/L2/L1
    // frames follow them in PFN space but are not mapped inside the window.
    const va = info.p2mBase;
    const wend = va + BigInt(p2mPages) * PAGE;
    if (!virtualRangeOk(va, wend))
      throw new BuildError('OUTSIDE_VIRTUAL_RANGE', 'INIT_P2M window out of range');
    const c = countPagetables(va, wend, false);
    if ((wend - 1n) >> 39n >= vb >> 39n && va >> 39n <= (end - 1n) >> 39n) {
      throw new BuildError(
        'P2M_WINDOW_CONFLICT',
        'INIT_P2M window shares an L4 slot with the kernel mapping',
      );
    }
    p2mWindow = { va, pfn: cursor, p2mPages, ptPfn: cursor + p2mPages, pt: c };
    cursor += p2mPages + ptTotal(c);
  }
  if (cursor > nrPages) throw tooBig('layout');

  return {
    virtBase: vb,
    nrPages,
    kernelPfn,
    kernelPages,
    module,
    p2mPfn,
    p2mPages,
    startInfoPfn,
    storePfn,
    consolePfn,
    ptPfn,
    pt,
    stackPfn,
    mappedPages,
    p2mWindow,
    usedPages: cursor,
  };
}

/** PFN ranges holding page tables (both mappings): mapped read-only. */
export function pagetablePfns(l: BootLayout): Array<[number, number]> {
  const r: Array<[number, number]> = [[l.ptPfn, l.ptPfn + ptTotal(l.pt)]];
  if (l.p2mWindow) r.push([l.p2mWindow.ptPfn, l.p2mWindow.ptPfn + ptTotal(l.p2mWindow.pt)]);
  return r;
}
