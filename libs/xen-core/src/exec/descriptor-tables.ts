/**
 * Guest descriptor tables (§6.7): set_gdt, update_descriptor, the lazily mapped shadow LDT
 * (MMUEXT_SET_LDT), and selector checks the hypervisor performs itself (loading a new vCPU's data
 * segments, the iret hypercall's CS/SS). Descriptor frames are typed seg_desc through the MM's
 * PageTypes, which validates every descriptor with checkDescriptor() (no DPL < 3, no system
 * descriptors but call gates) and keeps them from being mapped writable while in use.
 */
import { checkDescriptor } from '../mm/descriptor-check';
import { PGT_seg_desc_page, PGT_writable_page } from '../mm/frame-table';
import { GuestAccess } from '../mm/guest-access';
import { findL1Slot } from '../mm/l1-lookup';
import { toMfn } from '../mm/pv-mmu';
import { entryMaddr, readPte } from '../mm/pte';
import { XEN_EFAULT, XEN_EINVAL } from '../public/errno';
import { _PAGE_PRESENT, PAGE_SIZE } from '../public/page';
import { FIRST_RESERVED_GDT_ENTRY, FIRST_RESERVED_GDT_PAGE, GDT_LIMIT } from './abi';
import type { ExecEnv } from './env';
import type { ArchVcpu } from './vcpu-arch';

const ENTRIES_PER_FRAME = 512;

/** A descriptor as two dwords. */
export interface Descriptor {
  lo: number;
  hi: number;
}

/** pv_set_gdt(): type every new frame seg_desc first, then replace the old GDT. */
export function setGdt(env: ExecEnv, v: ArchVcpu, frames: readonly bigint[], entries: number): number {
  if (entries > FIRST_RESERVED_GDT_ENTRY) return -XEN_EINVAL;
  const { types } = env.sys.mmu;
  const mfns: number[] = [];
  for (const f of frames) {
    const mfn = toMfn(f);
    if (types.getPageAndType(mfn, v.dom.id, PGT_seg_desc_page) !== 0) {
      for (const m of mfns) types.putPageAndType(m);
      return -XEN_EINVAL;
    }
    mfns.push(mfn);
  }
  for (const m of v.gdtFrames) types.putPageAndType(m);
  v.gdtFrames = mfns;
  v.gdtEnts = entries;
  v.dom.area.mapGdt(v.id, mfns);
  if (env.current === v) env.cpu.flushTlb();
  return 0;
}

/** set_gdt(frame_list, entries) hypercall body. */
export function setGdtHypercall(
  env: ExecEnv,
  v: ArchVcpu,
  guest: GuestAccess,
  list: bigint,
  entries: number,
): number {
  if (entries > FIRST_RESERVED_GDT_ENTRY) return -XEN_EINVAL;
  const n = Math.ceil(entries / ENTRIES_PER_FRAME);
  const frames: bigint[] = [];
  for (let i = 0; i < n; i++) {
    const f = guest.readU64(list + BigInt(i * 8));
    if (f === undefined) return -XEN_EFAULT;
    frames.push(f);
  }
  return setGdt(env, v, frames, entries);
}

/** update_descriptor(maddr, desc): a seg_desc frame, or one that can be typed writable. */
export function updateDescriptor(env: ExecEnv, v: ArchVcpu, maddr: bigint, desc: bigint): number {
  const { host, types } = env.sys.mmu;
  const mfn = toMfn(maddr >> 12n);
  if (maddr & 7n || !host.getPage(mfn, v.dom.id)) return -XEN_EINVAL;
  try {
    const fixed = checkDescriptor(Number(desc & 0xffffffffn), Number((desc >> 32n) & 0xffffffffn));
    if (!fixed) return -XEN_EINVAL;
    const type = host.frames.type[mfn] === PGT_seg_desc_page ? PGT_seg_desc_page : PGT_writable_page;
    if (types.getPageType(mfn, type) !== 0) return -XEN_EINVAL;
    const a = mfn * PAGE_SIZE + Number(maddr & 0xff8n);
    host.mem.writeU32(a, fixed.a);
    host.mem.writeU32(a + 4, fixed.b);
    types.putPageType(mfn);
    return 0;
  } finally {
    host.putPage(mfn);
  }
}

// ---- LDT -------------------------------------------------------------------------------------------

/** Drop every shadow LDT mapping (SET_LDT, new kernel root, teardown). */
export function invalidateShadowLdt(env: ExecEnv, v: ArchVcpu): void {
  let any = false;
  for (let p = 0; p < v.ldtShadow.length; p++) {
    const mfn = v.ldtShadow[p];
    if (!mfn) continue;
    v.dom.area.mapLdtPage(v.id, p, 0);
    env.sys.mmu.types.putPageAndType(mfn);
    v.ldtShadow[p] = 0;
    any = true;
  }
  if (any && env.current === v) env.cpu.flushTlb();
}

/** Point LDTR at the vCPU's shadow window (after MMUEXT_SET_LDT changed base/entries). */
export function loadLdt(env: ExecEnv, v: ArchVcpu): void {
  invalidateShadowLdt(env, v);
  if (env.current === v) env.cpu.setLdt(v.dom.area.ldtVa(v.id), v.vcpu.ldtEnts);
}

/**
 * pv_map_ldt_shadow_page(): map the guest page backing byte `offset` of its LDT into the shadow
 * window after typing it seg_desc. False if the guest mapping is missing or the frame cannot be typed.
 */
export function mapLdtShadowPage(env: ExecEnv, v: ArchVcpu, offset: number): boolean {
  const { host, types } = env.sys.mmu;
  if (offset >> 3 >= v.vcpu.ldtEnts) return false;
  const page = offset >> 12;
  if (v.ldtShadow[page]) return false;
  const linear = v.vcpu.ldtBase + BigInt(page * PAGE_SIZE);
  const loc = findL1Slot(host.mem, host.frames.nrFrames, v.vcpu.guestTable, linear);
  if (!loc) return false;
  const pte = readPte(host.mem, entryMaddr(loc.l1Mfn, loc.slot));
  if (!(pte.flags & _PAGE_PRESENT)) return false;
  if (types.getPageAndType(pte.mfn, v.dom.id, PGT_seg_desc_page) !== 0) return false;
  v.ldtShadow[page] = pte.mfn;
  v.dom.area.mapLdtPage(v.id, page, pte.mfn);
  return true;
}

// ---- selector checks done by the hypervisor ---------------------------------------------------------

/** The descriptor `sel` names in the vCPU's GDT/LDT (as the CPU would see it), or undefined if outside. */
export function readDescriptor(env: ExecEnv, v: ArchVcpu, sel: number): Descriptor | undefined {
  const mem = env.sys.host.mem;
  const index = sel >> 3;
  let lo: number;
  let hi: number;
  if (sel & 4) {
    if (index >= v.vcpu.ldtEnts) return undefined;
    const guest = new GuestAccess(mem, env.sys.host.frames.nrFrames, () => v.vcpu.guestTable);
    const b = guest.read(v.vcpu.ldtBase + BigInt(index * 8), 8);
    if (!b) return undefined;
    const dv = new DataView(b.buffer);
    lo = dv.getUint32(0, true);
    hi = dv.getUint32(4, true);
  } else {
    if (index * 8 + 7 > GDT_LIMIT) return undefined;
    const page = index >> 9;
    const off = (index & 511) * 8;
    const frame =
      page === FIRST_RESERVED_GDT_PAGE
        ? env.xenPages.reservedGdtMfn
        : page < v.gdtFrames.length
          ? v.gdtFrames[page]
          : env.xenPages.zeroMfn;
    lo = mem.readU32(frame * PAGE_SIZE + off);
    hi = mem.readU32(frame * PAGE_SIZE + off + 4);
  }
  const fixed = checkDescriptor(lo, hi);
  return fixed ? { lo: fixed.a, hi: fixed.b } : { lo: 0, hi: 0 };
}

const present = (d: Descriptor): boolean => (d.hi & 0x8000) !== 0;
const dplOf = (d: Descriptor): number => (d.hi >>> 13) & 3;
const isSegment = (d: Descriptor): boolean => (d.hi & 0x1000) !== 0;
const typeOf = (d: Descriptor): number => (d.hi >>> 8) & 0xf;

/** A data-segment load at CPL 3 (MOV to DS/ES/FS/GS): the descriptor, 'null', or undefined (#GP/#NP). */
export function checkDataSelector(env: ExecEnv, v: ArchVcpu, sel: number): Descriptor | 'null' | undefined {
  if ((sel & ~3) === 0) return 'null';
  const d = readDescriptor(env, v, sel);
  if (!d || !isSegment(d) || !present(d)) return undefined;
  const type = typeOf(d);
  const code = (type & 8) !== 0;
  if (code && !(type & 2)) return undefined;
  const conforming = code && (type & 4) !== 0;
  if (!conforming && (dplOf(d) < 3 || dplOf(d) < (sel & 3))) return undefined;
  return d;
}

/** A CS for returning to the guest at CPL 3: 64-bit or compatibility-mode code, or undefined. */
export function checkCodeSelector(env: ExecEnv, v: ArchVcpu, sel: number): { long: boolean } | undefined {
  if ((sel & ~3) === 0) return undefined;
  const d = readDescriptor(env, v, sel);
  if (!d || !isSegment(d) || !present(d) || !(typeOf(d) & 8)) return undefined;
  const conforming = (typeOf(d) & 4) !== 0;
  if (conforming ? dplOf(d) > 3 : dplOf(d) !== 3) return undefined;
  const long = (d.hi & (1 << 21)) !== 0;
  if (long && d.hi & (1 << 22)) return undefined;
  return { long };
}

/** An SS for CPL 3: writable data, DPL 3. */
export function checkStackSelector(env: ExecEnv, v: ArchVcpu, sel: number): boolean {
  if ((sel & ~3) === 0) return false;
  const d = readDescriptor(env, v, sel);
  return !!d && isSegment(d) && present(d) && (typeOf(d) & 0xa) === 2 && dplOf(d) === 3;
}
