import type { GuestPhysicalMemory } from '../mem/guest-physical-memory';
import * as L from '../public/layout';
import { PAGE_SIZE } from '../public/page';
import { XEN_START_INFO_MAGIC_X86_64 } from '../public/xen';

/** The fields of `struct start_info` a domU gets (ABI §3.4 / §4.1). */
export interface StartInfo {
  nrPages: number;
  sharedInfoMaddr: number;
  flags: number;
  storeMfn: number;
  storeEvtchn: number;
  consoleMfn: number;
  consoleEvtchn: number;
  ptBase: bigint;
  nrPtFrames: number;
  mfnList: bigint;
  modStart: bigint;
  modLen: bigint;
  cmdLine: Uint8Array;
  firstP2mPfn: number;
  nrP2mFrames: number;
}

/** Fill the start_info page at machine frame `mfn` (page assumed zeroed). */
export function writeStartInfo(mem: GuestPhysicalMemory, mfn: number, si: StartInfo): void {
  const b = mfn * PAGE_SIZE;
  mem.writeBytes(b + L.SI_MAGIC, Buffer.from(XEN_START_INFO_MAGIC_X86_64, 'latin1'));
  mem.writeU64(b + L.SI_NR_PAGES, BigInt(si.nrPages));
  mem.writeU64(b + L.SI_SHARED_INFO, BigInt(si.sharedInfoMaddr));
  mem.writeU32(b + L.SI_FLAGS, si.flags);
  mem.writeU64(b + L.SI_STORE_MFN, BigInt(si.storeMfn));
  mem.writeU32(b + L.SI_STORE_EVTCHN, si.storeEvtchn);
  mem.writeU64(b + L.SI_CONSOLE_MFN, BigInt(si.consoleMfn));
  mem.writeU32(b + L.SI_CONSOLE_EVTCHN, si.consoleEvtchn);
  mem.writeU64(b + L.SI_PT_BASE, si.ptBase);
  mem.writeU64(b + L.SI_NR_PT_FRAMES, BigInt(si.nrPtFrames));
  mem.writeU64(b + L.SI_MFN_LIST, si.mfnList);
  mem.writeU64(b + L.SI_MOD_START, si.modStart);
  mem.writeU64(b + L.SI_MOD_LEN, si.modLen);
  mem.writeBytes(b + L.SI_CMD_LINE, si.cmdLine.subarray(0, L.MAX_GUEST_CMDLINE - 1));
  mem.writeU64(b + L.SI_FIRST_P2M_PFN, BigInt(si.firstP2mPfn));
  mem.writeU64(b + L.SI_NR_P2M_FRAMES, BigInt(si.nrP2mFrames));
}
