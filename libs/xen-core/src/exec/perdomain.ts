/**
 * The per-domain mapping area (Xen's PERDOMAIN_VIRT_START, L4 slot 260 of the hypervisor hole): where
 * the CPU finds each vCPU's GDT and LDT. x86-core reads descriptor tables through the linear address
 * in GDTR/LDTR with supervisor accesses, so, as in Xen, the guest's descriptor frames are mapped into
 * a supervisor-only window of every L4 the vCPU runs on. Guest code (always CPL 3) cannot reach it:
 * the L4 entry has no U bit, and guests can neither write nor map L4 slots 256–271.
 *
 * Per vCPU 32 pages: GDT pages 0–15 (guest frames, then a zero page, Xen's reserved page 14, page 15
 * unmapped) and LDT pages 16–31 (guest LDT frames, mapped lazily on the first fault).
 */
import type { HostMemory } from '../mm/host-memory';
import { entryMaddr, makePte, readPte, writePte, type Pte } from '../mm/pte';
import { _PAGE_ACCESSED, _PAGE_DIRTY, _PAGE_PRESENT, _PAGE_RW, PAGE_SIZE } from '../public/page';
import { DOMID_XEN } from '../public/xen';
import { FIRST_RESERVED_GDT_PAGE, RESERVED_GDT_DESCRIPTORS } from './abi';

export const PERDOMAIN_L4_SLOT = 260;
export const PERDOMAIN_VIRT_START = 0xffff820000000000n;
export const VCPU_AREA_PAGES = 32;
export const LDT_FIRST_PAGE = 16;
export const LDT_MAX_PAGES = 16;
const VCPUS_PER_L1 = 512 / VCPU_AREA_PAGES;

const TABLE_FLAGS = _PAGE_PRESENT | _PAGE_RW | _PAGE_ACCESSED | _PAGE_DIRTY;
const RW_LEAF = _PAGE_PRESENT | _PAGE_RW | _PAGE_ACCESSED | _PAGE_DIRTY;
const RO_LEAF = _PAGE_PRESENT | _PAGE_ACCESSED;

function xenFrame(host: HostMemory): number {
  const mfn = host.allocator.alloc(DOMID_XEN);
  if (mfn === undefined) throw new RangeError('host out of memory for hypervisor frames');
  host.frames.special[mfn] = 1;
  return mfn;
}

/** Frames every per-domain area shares: Xen's reserved GDT page and a zero page. */
export class SharedXenPages {
  readonly reservedGdtMfn: number;
  readonly zeroMfn: number;

  constructor(host: HostMemory) {
    this.reservedGdtMfn = xenFrame(host);
    this.zeroMfn = xenFrame(host);
    const base = this.reservedGdtMfn * PAGE_SIZE;
    for (const [idx, desc] of RESERVED_GDT_DESCRIPTORS) host.mem.writeU64(base + idx * 8, desc);
  }
}

export class PerDomainArea {
  readonly l3Mfn: number;
  readonly l2Mfn: number;
  readonly l1Mfns: number[] = [];
  /** The entry that goes into L4 slot 260 of every root the domain's vCPUs run on. */
  readonly l4Entry: Pte;

  constructor(
    private readonly host: HostMemory,
    private readonly shared: SharedXenPages,
    nrVcpus: number,
  ) {
    this.l3Mfn = xenFrame(host);
    this.l2Mfn = xenFrame(host);
    writePte(host.mem, entryMaddr(this.l3Mfn, 0), makePte(this.l2Mfn, TABLE_FLAGS));
    for (let i = 0; i * VCPUS_PER_L1 < nrVcpus; i++) {
      const l1 = xenFrame(host);
      this.l1Mfns.push(l1);
      writePte(host.mem, entryMaddr(this.l2Mfn, i), makePte(l1, TABLE_FLAGS));
    }
    this.l4Entry = makePte(this.l3Mfn, TABLE_FLAGS);
    for (let v = 0; v < nrVcpus; v++) this.mapGdt(v, []);
  }

  gdtVa(vcpu: number): bigint {
    return PERDOMAIN_VIRT_START + BigInt(vcpu * VCPU_AREA_PAGES * PAGE_SIZE);
  }

  ldtVa(vcpu: number): bigint {
    return this.gdtVa(vcpu) + BigInt(LDT_FIRST_PAGE * PAGE_SIZE);
  }

  /** Which vCPU's LDT window holds `va`, and the byte offset in it (undefined outside). */
  ldtOffset(va: bigint, vcpu: number): number | undefined {
    const off = BigInt.asUintN(64, va) - this.ldtVa(vcpu);
    return off >= 0n && off < BigInt(LDT_MAX_PAGES * PAGE_SIZE) ? Number(off) : undefined;
  }

  private slot(vcpu: number, page: number): number {
    const l1 = this.l1Mfns[Math.floor(vcpu / VCPUS_PER_L1)];
    return entryMaddr(l1, (vcpu % VCPUS_PER_L1) * VCPU_AREA_PAGES + page);
  }

  /** GDT pages: the guest's frames, zero pages up to Xen's reserved page 14. */
  mapGdt(vcpu: number, frames: readonly number[]): void {
    const mem = this.host.mem;
    for (let p = 0; p < FIRST_RESERVED_GDT_PAGE; p++) {
      const pte = p < frames.length ? makePte(frames[p], RW_LEAF) : makePte(this.shared.zeroMfn, RO_LEAF);
      writePte(mem, this.slot(vcpu, p), pte);
    }
    writePte(mem, this.slot(vcpu, FIRST_RESERVED_GDT_PAGE), makePte(this.shared.reservedGdtMfn, RO_LEAF));
  }

  /** Map (mfn > 0) or unmap (mfn = 0) one shadow LDT page. */
  mapLdtPage(vcpu: number, page: number, mfn: number): void {
    writePte(this.host.mem, this.slot(vcpu, LDT_FIRST_PAGE + page), makePte(mfn, mfn ? RW_LEAF : 0));
  }

  /** Put the per-domain entry into slot 260 of root `l4Mfn` (a Xen slot guests cannot touch). */
  installIn(l4Mfn: number): void {
    const a = entryMaddr(l4Mfn, PERDOMAIN_L4_SLOT);
    const cur = readPte(this.host.mem, a);
    if (cur.mfn !== this.l4Entry.mfn || cur.flags !== this.l4Entry.flags)
      writePte(this.host.mem, a, this.l4Entry);
  }

  /** Free the area's own frames (the caller has dropped every guest frame reference first). */
  release(): void {
    for (const mfn of [this.l3Mfn, this.l2Mfn, ...this.l1Mfns]) this.host.releaseAllocation(mfn);
  }
}
