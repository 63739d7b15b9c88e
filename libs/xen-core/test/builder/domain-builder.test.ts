import { describe, expect, it } from 'vitest';
import { buildDomain } from '../../src/builder/domain-builder';
import { hypercallPageBytes } from '../../src/builder/hypercall-page';
import { ptTotal } from '../../src/builder/layout';
import {
  PGT_l1_page_table,
  PGT_l2_page_table,
  PGT_l3_page_table,
  PGT_l4_page_table,
} from '../../src/mm/frame-table';
import { walkGuest } from '../../src/mm/guest-walk';
import * as L from '../../src/public/layout';
import { _PAGE_GUEST_KERNEL, _PAGE_RW, _PAGE_USER } from '../../src/public/page';
import { FLAT_KERNEL_CS, FLAT_KERNEL_SS, INVALID_M2P_ENTRY, SIF_MOD_START_PFN } from '../../src/public/xen';
import { BuildError } from '../../src/errors';
import { LINUX_INIT_P2M, LINUX_KSTART, LINUX_VIRT_BASE, linuxImage, xtfImage } from '../helpers/images';
import { buildGuest, expectSound, makeSystem } from '../helpers/system';

const PAGE = 4096n;

describe('domain builder: XTF-shaped image (VIRT_BASE 0, hypercall page)', () => {
  const g = buildGuest({ cmdline: 'console=hvc0 loglvl=all' });
  const { sys, built, d } = g;
  const mem = sys.host.mem;
  const l = built.layout;
  const si = built.startInfoMfn * 4096;

  it('lays out kernel, p2m, start_info, xenstore, console, page tables, stack in order', () => {
    expect(l.kernelPfn).toBe(0x100); // linked at 1 MiB, padding PFNs 0..255 below
    expect(l.kernelPages).toBe(7);
    expect(l.p2mPfn).toBe(0x107);
    expect(l.p2mPages).toBe(2); // 1024 pages * 8 bytes
    expect(l.startInfoPfn).toBe(0x109);
    expect(l.storePfn).toBe(0x10a);
    expect(l.consolePfn).toBe(0x10b);
    expect(l.ptPfn).toBe(0x10c);
    expect(l.pt).toEqual({ l4: 1, l3: 1, l2: 1, l1: 2 });
    expect(l.stackPfn).toBe(0x10c + 5);
    expect(l.mappedPages).toBe(1024); // ends on the 4 MiB boundary
    expect((BigInt(l.mappedPages) * PAGE) % (4n << 20n)).toBe(0n);
    expect(l.mappedPages - (l.stackPfn + 1)).toBeGreaterThanOrEqual(128);
  });

  it('fills start_info at the documented offsets', () => {
    expect(Buffer.from(mem.readBytes(si, 15)).toString('latin1')).toBe('xen-3.0-x86_64\0');
    expect(mem.readU64(si + L.SI_NR_PAGES)).toBe(1024n);
    expect(mem.readU64(si + L.SI_SHARED_INFO)).toBe(BigInt(built.sharedInfoMfn) * PAGE);
    expect(mem.readU32(si + L.SI_FLAGS)).toBe(0);
    expect(mem.readU64(si + L.SI_STORE_MFN)).toBe(BigInt(built.p2m[l.storePfn]));
    expect(mem.readU32(si + L.SI_STORE_EVTCHN)).toBe(1);
    expect(mem.readU64(si + L.SI_CONSOLE_MFN)).toBe(BigInt(built.p2m[l.consolePfn]));
    expect(mem.readU32(si + L.SI_CONSOLE_EVTCHN)).toBe(2);
    expect(mem.readU64(si + L.SI_PT_BASE)).toBe(BigInt(l.ptPfn) * PAGE);
    expect(mem.readU64(si + L.SI_NR_PT_FRAMES)).toBe(5n);
    expect(mem.readU64(si + L.SI_MFN_LIST)).toBe(BigInt(l.p2mPfn!) * PAGE);
    expect(mem.readU64(si + L.SI_MOD_START)).toBe(0n);
    expect(mem.readU64(si + L.SI_MOD_LEN)).toBe(0n);
    expect(Buffer.from(mem.readBytes(si + L.SI_CMD_LINE, 24)).toString('latin1')).toBe(
      'console=hvc0 loglvl=all\0',
    );
    expect(mem.readU64(si + L.SI_FIRST_P2M_PFN)).toBe(0n);
    expect(mem.readU64(si + L.SI_NR_P2M_FRAMES)).toBe(0n);
  });

  it('initialises shared_info, the console ring and the xenstore ring', () => {
    const sh = built.sharedInfoMfn * 4096;
    for (let i = 0; i < 32; i++) {
      expect(mem.readU8(sh + i * L.VCPU_INFO_SIZE + L.VI_EVTCHN_UPCALL_MASK)).toBe(1);
      expect(mem.readU8(sh + i * L.VCPU_INFO_SIZE + L.VI_EVTCHN_UPCALL_PENDING)).toBe(0);
    }
    expect(mem.readBytes(sh + L.SH_EVTCHN_PENDING, 0x440).every((b) => b === 0)).toBe(true);
    const con = built.consoleMfn * 4096;
    expect(mem.readU8(con + L.XENCONS_CONNECTION)).toBe(1);
    expect(mem.readBytes(con, L.XENCONS_CONNECTION).every((b) => b === 0)).toBe(true);
    expect(mem.readBytes(built.storeMfn * 4096, 4096).every((b) => b === 0)).toBe(true);
  });

  it('populates every PFN, records the p2m list and the m2p', () => {
    expect(d.totPages).toBe(1024);
    const list = built.p2m;
    expect(new Set(list).size).toBe(1024);
    for (let pfn = 0; pfn < 1024; pfn++) {
      expect(sys.host.m2p.get(list[pfn])).toBe(BigInt(pfn));
      expect(mem.readU64(list[l.p2mPfn! + (pfn >> 9)] * 4096 + (pfn % 512) * 8)).toBe(BigInt(list[pfn]));
    }
    expect(sys.host.m2p.get(built.sharedInfoMfn)).toBe(INVALID_M2P_ENTRY);
  });

  it('maps exactly [VIRT_BASE, end) with page tables read-only, through validated tables', () => {
    const ptEnd = l.ptPfn + ptTotal(l.pt);
    for (let pfn = 0; pfn < l.mappedPages; pfn++) {
      const w = walkGuest(mem, sys.host.frames.nrFrames, built.l4Mfn, BigInt(pfn) * PAGE + 0x123n, {
        write: false,
        user: true,
      });
      expect(w.ok).toBe(true);
      if (!w.ok) continue;
      expect(w.maddr).toBe(built.p2m[pfn] * 4096 + 0x123);
      const isPt = pfn >= l.ptPfn && pfn < ptEnd;
      expect(Boolean(w.pte.flags & _PAGE_RW)).toBe(!isPt);
      expect(w.pte.flags & (_PAGE_USER | _PAGE_GUEST_KERNEL)).toBe(_PAGE_USER | _PAGE_GUEST_KERNEL);
    }
    const beyond = walkGuest(mem, sys.host.frames.nrFrames, built.l4Mfn, BigInt(l.mappedPages) * PAGE, {
      write: false,
      user: false,
    });
    expect(beyond.ok).toBe(false);
  });

  it('pins the L4, types the tables [L4][L3][L2][L1..] and installs CR3', () => {
    const f = sys.host.frames;
    const m = (pfn: number): number => built.p2m[pfn];
    expect(f.pinned[m(l.ptPfn)]).toBe(1);
    expect(f.type[m(l.ptPfn)]).toBe(PGT_l4_page_table);
    expect(f.typeCount[m(l.ptPfn)]).toBe(2); // pin + CR3
    expect(f.type[m(l.ptPfn + 1)]).toBe(PGT_l3_page_table);
    expect(f.type[m(l.ptPfn + 2)]).toBe(PGT_l2_page_table);
    expect(f.type[m(l.ptPfn + 3)]).toBe(PGT_l1_page_table);
    expect(f.type[m(l.ptPfn + 4)]).toBe(PGT_l1_page_table);
    expect(d.vcpus[0].guestTable).toBe(built.l4Mfn);
    expect(built.regs.cr3).toBe(BigInt(built.l4Mfn) << 12n);
    // RO M2P inserted into slot 256 on first use as a kernel root (m2p_strict off).
    expect(mem.readU64(built.l4Mfn * 4096 + 256 * 8) & 1n).toBe(1n);
    expectSound(sys);
  });

  it('writes the hypercall page at the noted VA and loads the segments', () => {
    expect(mem.readBytes(built.p2m[0x101] * 4096, 4096)).toEqual(hypercallPageBytes());
    // Second segment at paddr 0x106000: bss of the first segment is zero-filled.
    expect(mem.readBytes(built.p2m[0x103] * 4096, 4096).every((b) => b === 0)).toBe(true);
    expect(mem.readU8(built.p2m[0x100] * 4096 + 1)).toBe(7);
  });

  it('produces the initial vCPU state of §3.6', () => {
    const r = built.regs;
    expect(r.rip).toBe(0x100000n);
    expect(r.rsi).toBe(BigInt(l.startInfoPfn) * PAGE);
    expect(r.rsp).toBe(BigInt(l.stackPfn + 1) * PAGE);
    expect(r.kernelSp).toBe(r.rsp);
    expect(r.rflags).toBe(0x202n);
    expect([r.cs, r.ss, r.ds, r.es, r.fs, r.gs]).toEqual([FLAT_KERNEL_CS, FLAT_KERNEL_SS, 0, 0, 0, 0]);
    expect(r.userCr3).toBe(0n);
    expect([r.dr6, r.dr7]).toEqual([0xffff0ff0n, 0x400n]);
  });
});

describe('domain builder: Linux-shaped image (INIT_P2M, MOD_START_PFN)', () => {
  const ramdisk = Buffer.alloc(10_000, 0x5a);
  const g = buildGuest({ image: linuxImage(), ramdisk, nrPages: 8192 }, 64, 8192);
  const { sys, built } = g;
  const mem = sys.host.mem;
  const l = built.layout;
  const si = built.startInfoMfn * 4096;

  it('places the kernel at VIRT_BASE + 16 MiB and the unmapped initrd after the mapping', () => {
    expect(l.kernelPfn).toBe(0x1000);
    expect(l.p2mPfn).toBeUndefined();
    expect(l.module).toEqual({ pfn: l.mappedPages, pages: 3, length: 10_000, mapped: false });
    expect(mem.readU32(si + L.SI_FLAGS)).toBe(SIF_MOD_START_PFN);
    expect(mem.readU64(si + L.SI_MOD_START)).toBe(BigInt(l.mappedPages));
    expect(mem.readU64(si + L.SI_MOD_LEN)).toBe(3n * PAGE);
    expect(mem.readU8(built.p2m[l.mappedPages] * 4096 + 9999)).toBe(0x5a);
    expect(built.regs.rip).toBe(LINUX_KSTART + 0x40n);
    expect(built.startInfoVa).toBe(LINUX_VIRT_BASE + BigInt(l.startInfoPfn) * PAGE);
  });

  /** Every present L1 entry of the bootstrap tables: [va, mfn, flags] (Xen's reserved L4 slots skipped). */
  const allL1Entries = (): Array<[bigint, number, bigint]> => {
    const out: Array<[bigint, number, bigint]> = [];
    const entries = (mfn: number): Array<[number, number, bigint]> => {
      const r: Array<[number, number, bigint]> = [];
      for (let i = 0; i < 512; i++) {
        const e = mem.readU64(mfn * 4096 + i * 8);
        if (e & 1n) r.push([i, Number((e & 0x000ffffffffff000n) >> 12n), e & 0xfffn]);
      }
      return r;
    };
    for (const [i4, l3] of entries(built.l4Mfn)) {
      if (i4 >= 256 && i4 < 272) continue;
      for (const [i3, l2] of entries(l3))
        for (const [i2, l1] of entries(l2))
          for (const [i1, mfn, flags] of entries(l1)) {
            let va = (BigInt(i4) << 39n) | (BigInt(i3) << 30n) | (BigInt(i2) << 21n) | (BigInt(i1) << 12n);
            if (i4 >= 256) va |= 0xffff000000000000n;
            out.push([va, mfn, flags]);
          }
    }
    return out;
  };

  it('maps exactly the p2m pages at INIT_P2M through its own L3/L2/L1 (libxc alloc_p2m_list_x86_64)', () => {
    const w = l.p2mWindow!;
    expect(w.va).toBe(LINUX_INIT_P2M);
    expect(w.p2mPages).toBe(16);
    expect(w.pt).toEqual({ l4: 0, l3: 1, l2: 1, l1: 1 });
    expect(w.ptPfn).toBe(w.pfn + 16);
    expect(mem.readU64(si + L.SI_MFN_LIST)).toBe(LINUX_INIT_P2M);
    // first_p2m_pfn/nr_p2m_frames cover the p2m pages plus the window's page tables.
    expect(mem.readU64(si + L.SI_FIRST_P2M_PFN)).toBe(BigInt(w.pfn));
    expect(mem.readU64(si + L.SI_NR_P2M_FRAMES)).toBe(19n);
    for (let i = 0; i < 16; i++) {
      const r = walkGuest(mem, sys.host.frames.nrFrames, built.l4Mfn, LINUX_INIT_P2M + BigInt(i) * PAGE, {
        write: false,
        user: true,
      });
      expect(r.ok && r.maddr).toBe(built.p2m[w.pfn + i] * 4096);
      expect(r.ok && Boolean(r.pte.flags & _PAGE_RW)).toBe(true);
    }
    // Nothing else in the window's range: in particular not its own L3/L2/L1.
    const winEnd = LINUX_INIT_P2M + (1n << 39n);
    const inWindow = allL1Entries().filter(([va]) => va >= LINUX_INIT_P2M && va < winEnd);
    expect(inWindow.map(([va, mfn]) => [va, mfn])).toEqual(
      Array.from({ length: 16 }, (_, i) => [LINUX_INIT_P2M + BigInt(i) * PAGE, built.p2m[w.pfn + i]]),
    );
    for (let i = 16; i < 19; i++) {
      const r = walkGuest(mem, sys.host.frames.nrFrames, built.l4Mfn, LINUX_INIT_P2M + BigInt(i) * PAGE, {
        write: false,
        user: true,
      });
      expect(r.ok).toBe(false);
    }
    // p2m entry 4242 read through the window.
    const r = walkGuest(mem, sys.host.frames.nrFrames, built.l4Mfn, LINUX_INIT_P2M + 4242n * 8n, {
      write: false,
      user: true,
    });
    expect(r.ok && mem.readU64(r.maddr)).toBe(BigInt(built.p2m[4242]));
    expectSound(sys);
  });

  it("keeps the window's page-table frames where Xen does: after the main area, never mapped writable", () => {
    const w = l.p2mWindow!;
    const ptMfns = new Set(Array.from({ length: ptTotal(w.pt) }, (_, i) => built.p2m[w.ptPfn + i]));
    // They are the L3/L2/L1 actually linked for the window.
    const l3 = Number(
      (mem.readU64(built.l4Mfn * 4096 + Number((LINUX_INIT_P2M >> 39n) & 511n) * 8) >> 12n) & 0xffffffffffn,
    );
    expect(l3).toBe(built.p2m[w.ptPfn]);
    // Past the initial mapping (and the unmapped initrd), like libxc's p2m segment: no VA reaches
    // them, and any L1 entry that did would be read-only.
    expect(w.pfn).toBeGreaterThanOrEqual(l.mappedPages);
    const maps = allL1Entries().filter(([, mfn]) => ptMfns.has(mfn));
    for (const [, , flags] of maps) expect(flags & BigInt(_PAGE_RW)).toBe(0n);
    expect(maps).toEqual([]);
    // The main-area boot tables are mapped, read-only.
    const mainPt = new Set(Array.from({ length: ptTotal(l.pt) }, (_, i) => built.p2m[l.ptPfn + i]));
    const mainMaps = allL1Entries().filter(([, mfn]) => mainPt.has(mfn));
    expect(mainMaps).toHaveLength(ptTotal(l.pt));
    for (const [, , flags] of mainMaps) expect(flags & BigInt(_PAGE_RW)).toBe(0n);
  });

  it('maps the whole main area, with the boot page tables read-only', () => {
    const ptEnd = l.ptPfn + ptTotal(l.pt);
    for (let pfn = 0; pfn < l.mappedPages; pfn += 7) {
      const r = walkGuest(mem, sys.host.frames.nrFrames, built.l4Mfn, LINUX_VIRT_BASE + BigInt(pfn) * PAGE, {
        write: false,
        user: true,
      });
      expect(r.ok && r.maddr).toBe(built.p2m[pfn] * 4096);
      expect(r.ok && Boolean(r.pte.flags & _PAGE_RW)).toBe(!(pfn >= l.ptPfn && pfn < ptEnd));
    }
  });
});

describe('domain builder refusals', () => {
  it('refuses a domain that does not fit, before touching memory', () => {
    const { sys, console } = makeSystem(16);
    const d = sys.createDomain({ id: 3, maxPages: 100, console });
    const free = sys.host.allocator.freeFrames;
    expect(() => buildDomain(sys.mmu, d, { image: xtfImage(), nrPages: 100 })).toThrow(BuildError);
    expect(sys.host.allocator.freeFrames).toBe(free);
    expect(d.totPages).toBe(0);
  });

  it('refuses nr_pages above max_pages and host exhaustion with specific codes', () => {
    const { sys, console } = makeSystem(16);
    const d = sys.createDomain({ id: 3, maxPages: 2048, console });
    const err = (nrPages: number): string => {
      try {
        buildDomain(sys.mmu, d, { image: xtfImage(), nrPages });
        return 'ok';
      } catch (e) {
        return (e as BuildError).code;
      }
    };
    expect(err(4096)).toBe('BAD_CONFIG');
    expect(err(0)).toBe('BAD_CONFIG');
    const big = sys.createDomain({ id: 4, maxPages: 1 << 20, console });
    expect(() => buildDomain(sys.mmu, big, { image: xtfImage(), nrPages: 4096 })).toThrow(
      expect.objectContaining({ code: 'OUT_OF_MEMORY' }),
    );
    expect(() =>
      buildDomain(sys.mmu, d, { image: xtfImage(), nrPages: 1024, cmdline: 'x'.repeat(1024) }),
    ).toThrow(expect.objectContaining({ code: 'BAD_CMDLINE' }));
  });

  it('builds, destroys and rebuilds: every frame comes back scrubbed', () => {
    const { sys, console } = makeSystem(16);
    const free = sys.host.allocator.freeFrames;
    const d = sys.createDomain({ id: 3, maxPages: 1024, console });
    buildDomain(sys.mmu, d, { image: xtfImage(), nrPages: 1024 });
    sys.destroyDomain(3);
    expect(sys.host.allocator.freeFrames).toBe(free);
    expectSound(sys);
    const d2 = sys.createDomain({ id: 5, maxPages: 1024, console });
    const b2 = buildDomain(sys.mmu, d2, { image: xtfImage(), nrPages: 1024 });
    // A padding page below the kernel must read as zero even though the frame was reused.
    expect(sys.host.mem.readBytes(b2.p2m[5] * 4096, 4096).every((x) => x === 0)).toBe(true);
    expectSound(sys);
  });
});
