import { BuildError } from '../errors';
import * as N from '../public/elfnote';
import {
  XENFEAT_auto_translated_physmap,
  XENFEAT_dom0,
  XENFEAT_supervisor_mode_kernel,
} from '../public/features';
import { HYPERVISOR_VIRT_END, HYPERVISOR_VIRT_START } from '../public/xen';
import { isCanonical } from '../mm/guest-walk';
import { Elf64, isLoadable, parseElf64 } from './elf';
import { findXenNotes, NoteSource, noteNumber, noteString, strtoull, XenNote } from './elf-notes';
import { FeatureSets, parseFeatures } from './xen-features';

const U64 = 1n << 64n;

/** One PT_LOAD segment to copy: `filesz` bytes from `fileOffset`, zero-filled to `memsz`. */
export interface LoadSegment {
  fileOffset: number;
  filesz: number;
  memsz: number;
  paddr: bigint;
}

/** Everything the builder needs from a PV kernel image, already sanity-checked. */
export interface XenImageInfo {
  noteSource: NoteSource;
  guestOs: string;
  guestVersion: string;
  xenVersion: string;
  loader: string;
  paeMode: string;
  features: FeatureSets;
  entry: bigint;
  virtBase: bigint;
  paddrOffset: bigint;
  virtKstart: bigint;
  virtKend: bigint;
  pstart: bigint;
  hypercallPage: bigint | undefined;
  /** INIT_P2M, only when the builder will honour it (page aligned, below VIRT_BASE). */
  p2mBase: bigint | undefined;
  modStartPfn: boolean;
  suspendCancel: boolean;
  hvStartLow: bigint | undefined;
  segments: LoadSegment[];
  elfImage: Elf64;
  warnings: string[];
}

interface RawParams {
  guestOs: string;
  guestVersion: string;
  xenVersion: string;
  loader: string;
  paeMode: string;
  bsdSymtab: boolean;
  features: FeatureSets;
  entry?: bigint;
  virtBase?: bigint;
  paddrOffset?: bigint;
  hypercallPage?: bigint;
  hypercallPageNr?: bigint;
  p2mBase?: bigint;
  modStartPfn: boolean;
  suspendCancel: boolean;
  hvStartLow?: bigint;
}

function applyNote(p: RawParams, n: XenNote): void {
  switch (n.type) {
    case N.XEN_ELFNOTE_ENTRY:
      p.entry = noteNumber(n.desc);
      break;
    case N.XEN_ELFNOTE_HYPERCALL_PAGE:
      p.hypercallPage = noteNumber(n.desc);
      break;
    case N.XEN_ELFNOTE_VIRT_BASE:
      p.virtBase = noteNumber(n.desc);
      break;
    case N.XEN_ELFNOTE_PADDR_OFFSET:
      p.paddrOffset = noteNumber(n.desc);
      break;
    case N.XEN_ELFNOTE_XEN_VERSION:
      p.xenVersion = noteString(n.desc);
      break;
    case N.XEN_ELFNOTE_GUEST_OS:
      p.guestOs = noteString(n.desc);
      break;
    case N.XEN_ELFNOTE_GUEST_VERSION:
      p.guestVersion = noteString(n.desc);
      break;
    case N.XEN_ELFNOTE_LOADER:
      p.loader = noteString(n.desc);
      break;
    case N.XEN_ELFNOTE_PAE_MODE:
      p.paeMode = noteString(n.desc);
      break;
    case N.XEN_ELFNOTE_FEATURES:
      parseFeatures(noteString(n.desc), p.features);
      break;
    case N.XEN_ELFNOTE_BSD_SYMTAB:
      p.bsdSymtab = noteString(n.desc) === 'yes';
      break;
    case N.XEN_ELFNOTE_HV_START_LOW:
      p.hvStartLow = noteNumber(n.desc);
      break;
    case N.XEN_ELFNOTE_SUSPEND_CANCEL:
      p.suspendCancel = noteNumber(n.desc) !== 0n;
      break;
    case N.XEN_ELFNOTE_INIT_P2M:
      p.p2mBase = noteNumber(n.desc);
      break;
    case N.XEN_ELFNOTE_MOD_START_PFN:
      p.modStartPfn = noteNumber(n.desc) !== 0n;
      break;
    case N.XEN_ELFNOTE_SUPPORTED_FEATURES: {
      const dv = new DataView(n.desc.buffer, n.desc.byteOffset, n.desc.byteLength);
      // Only submap 0 exists; further words are accepted and ignored.
      if (n.desc.length >= 4) p.features.supported |= dv.getUint32(0, true);
      break;
    }
    default:
      // INFO, L1_MFN_VALID, PHYS32_*, crash/dumpcore notes: nothing to do for a PV domU.
      break;
  }
}

/** elf_xen_parse_guest_info(): the legacy comma-separated KEY=VALUE string. */
function applyLegacy(p: RawParams, text: string): void {
  for (const item of text.split(',')) {
    const eq = item.indexOf('=');
    const key = eq >= 0 ? item.slice(0, eq) : item;
    const value = eq >= 0 ? item.slice(eq + 1) : '';
    switch (key) {
      case 'LOADER':
        p.loader = value;
        break;
      case 'GUEST_OS':
        p.guestOs = value;
        break;
      case 'GUEST_VER':
        p.guestVersion = value;
        break;
      case 'XEN_VER':
        p.xenVersion = value;
        break;
      case 'PAE':
        p.paeMode = value;
        break;
      case 'BSD_SYMTAB':
        p.bsdSymtab = true;
        break;
      case 'VIRT_BASE':
        p.virtBase = strtoull(value);
        break;
      case 'VIRT_ENTRY':
        p.entry = strtoull(value);
        break;
      case 'ELF_PADDR_OFFSET':
        p.paddrOffset = strtoull(value);
        break;
      case 'HYPERCALL_PAGE':
        p.hypercallPageNr = strtoull(value);
        break;
      case 'FEATURES':
        parseFeatures(value, p.features);
        break;
      default:
        break;
    }
  }
}

const inHole = (start: bigint, end: bigint): boolean =>
  start < HYPERVISOR_VIRT_END && end > HYPERVISOR_VIRT_START;

/** [start, end) is canonical, does not wrap and avoids the hypervisor hole. */
export function virtualRangeOk(start: bigint, end: bigint): boolean {
  if (end < start || end > U64) return false;
  if (end === start) return isCanonical(start);
  return (
    isCanonical(start) &&
    isCanonical(end - 1n) &&
    !(start < 1n << 47n && end > 1n << 47n) &&
    !inHole(start, end)
  );
}

/**
 * Parse an image and apply every check libelf and the domain builder make,
 * plus our own bounds checks. Pure: throws BuildError, touches nothing.
 */
export function parseXenImage(image: Uint8Array): XenImageInfo {
  const elf = parseElf64(image);
  const found = findXenNotes(elf);
  if (!found)
    throw new BuildError('NOT_XEN_IMAGE', 'no Xen notes and no __xen_guest section: not a Xen-ELF image');
  const p: RawParams = {
    guestOs: '',
    guestVersion: '',
    xenVersion: '',
    loader: '',
    paeMode: '',
    bsdSymtab: false,
    features: { supported: 0, required: 0 },
    modStartPfn: false,
    suspendCancel: false,
  };
  for (const n of found.notes) applyNote(p, n);
  if (found.legacy !== undefined) applyLegacy(p, found.legacy);
  const warnings: string[] = [];

  if (!p.loader.startsWith('generic') && !p.guestOs.startsWith('linux')) {
    throw new BuildError(
      'BAD_LOADER',
      `will only load images for the generic loader or Linux (loader '${p.loader}')`,
    );
  }
  if (!p.xenVersion.startsWith('xen-3.0')) {
    throw new BuildError('BAD_XEN_VERSION', `image built for '${p.xenVersion}', not xen-3.0`);
  }
  const forbidden =
    (1 << XENFEAT_dom0) | (1 << XENFEAT_auto_translated_physmap) | (1 << XENFEAT_supervisor_mode_kernel);
  if (p.features.required & forbidden) {
    throw new BuildError('UNSUPPORTED_FEATURE', 'kernel requires dom0, auto-translation or supervisor mode');
  }
  if (p.bsdSymtab) warnings.push('BSD_SYMTAB requested: symbol table not loaded');

  if (p.paddrOffset !== undefined && p.virtBase === undefined) {
    throw new BuildError('PADDR_OFFSET_WITHOUT_VIRT_BASE', 'PADDR_OFFSET set without VIRT_BASE');
  }
  const virtBase = p.virtBase ?? 0n;
  const paddrOffset = p.paddrOffset ?? (found.source === 'legacy' ? virtBase : 0n);
  const loads = elf.phdrs.filter(isLoadable);
  let pstart = U64;
  let pend = 0n;
  for (const s of loads) {
    if (s.paddr < pstart) pstart = s.paddr;
    if (s.paddr + s.memsz > pend) pend = s.paddr + s.memsz;
  }
  const virtOffset = BigInt.asUintN(64, virtBase - paddrOffset);
  const kstart = BigInt.asUintN(64, pstart + virtOffset);
  const kend = BigInt.asUintN(64, pend + virtOffset);
  const entry = p.entry ?? elf.entry;
  if (kstart > kend || entry < kstart || entry > kend || virtBase > kstart) {
    throw new BuildError('ADDRESSES_OUT_OF_BOUNDS', 'ELF start or entry is out of bounds');
  }
  if ((virtBase | kstart) & 0xfffn)
    throw new BuildError('NOT_PAGE_ALIGNED', 'VIRT_BASE or kernel start not page aligned');
  if (!virtualRangeOk(kstart, kend)) {
    throw new BuildError('OUTSIDE_VIRTUAL_RANGE', 'kernel outside the guest virtual address space');
  }
  let p2mBase = p.p2mBase;
  if (p2mBase !== undefined) {
    if (p2mBase >= kstart && p2mBase < kend)
      throw new BuildError('P2M_BASE_IN_KERNEL', 'INIT_P2M inside the kernel');
    if (p2mBase & 0xfffn || p2mBase >= virtBase) {
      warnings.push('INIT_P2M ignored (not page aligned or not below VIRT_BASE)');
      p2mBase = undefined;
    }
  }
  const hypercallPage =
    p.hypercallPage ?? (p.hypercallPageNr !== undefined ? virtBase + (p.hypercallPageNr << 12n) : undefined);

  return {
    noteSource: found.source,
    guestOs: p.guestOs,
    guestVersion: p.guestVersion,
    xenVersion: p.xenVersion,
    loader: p.loader,
    paeMode: p.paeMode,
    features: p.features,
    entry,
    virtBase,
    paddrOffset,
    virtKstart: kstart,
    virtKend: kend,
    pstart,
    hypercallPage: hypercallPage === undefined ? undefined : BigInt.asUintN(64, hypercallPage),
    p2mBase,
    modStartPfn: p.modStartPfn,
    suspendCancel: p.suspendCancel,
    hvStartLow: p.hvStartLow,
    segments: loads.map((s) => ({
      fileOffset: Number(s.offset),
      filesz: Number(s.filesz),
      memsz: Number(s.memsz),
      paddr: s.paddr,
    })),
    elfImage: elf,
    warnings,
  };
}
