/**
 * The domain section: identity and configuration (name, vCPUs, reservation, VM assists, handle,
 * e820), the frames and ports the toolstack set up (start_info, console and xenstore rings — as
 * pfns), guest system time at the save, shutdown state, scheduler parameters, counters, and
 * console input not yet in the ring. Console output already drained belongs to the old host's
 * stream; output still in the ring is in guest memory and drains on the new host.
 *
 * Layout: u16 domid, str name, u8 vCPUs, u32 max_pages, u8 VM assists × u8, 16-byte handle,
 * u32 start_info/console/store pfns (0xffffffff = none), u32 console/store ports, u32 p2m list
 * pfn and entries, u64 guest
 * system time, bool shutdown {u32 reason, str detail}, bool shutdown code {u32}, u64 instructions,
 * hypercalls, continuations, exits, u16 weight, u16 cap, bytes console input, u16 e820 entries ×
 * {u64 addr, u64 size, u32 type}, bytes shared_info (4096).
 */
import type { E820Entry } from '../domain/domain';
import { PAGE_SIZE } from '../public/page';
import { FieldReader, FieldWriter, SnapshotError } from './codec';
import { MAX_PFN } from './frame-names';

export const NO_PFN = 0xffffffff;
const MAX_VCPUS = 32;
const MAX_E820 = 128;
/** The console backend's input limit. */
const MAX_CONSOLE_INPUT = 64 << 10;
/** The VMASST_TYPE_* values vm_assist accepts. */
const VM_ASSISTS = [0, 1, 2, 3, 4, 5, 32];
const NAME_RE = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

export interface SavedDomain {
  domid: number;
  name: string;
  nrVcpus: number;
  maxPages: number;
  /** Enabled VMASST_TYPE_* values. */
  vmAssist: number[];
  handle: Uint8Array;
  startInfoPfn: number;
  consolePfn: number;
  storePfn: number;
  consolePort: number;
  storePort: number;
  /** The builder's p2m list (pfn of entry 0, entries), rewritten by the memory section's fixups. */
  p2mListPfn: number;
  p2mListEntries: number;
  guestTimeNs: bigint;
  shutdown: { reason: number; detail: string } | undefined;
  shutdownCode: number | undefined;
  counters: { instructions: number; hypercalls: number; continuations: number; exits: number };
  weight: number;
  cap: number;
  consoleInput: Uint8Array;
  e820: E820Entry[] | undefined;
  sharedInfo: Uint8Array;
}

export function writeDomain(w: FieldWriter, s: SavedDomain): void {
  w.u16(s.domid);
  w.str(s.name);
  w.u8(s.nrVcpus);
  w.u32(s.maxPages);
  w.u8(s.vmAssist.length);
  for (const a of s.vmAssist) w.u8(a);
  w.raw(s.handle);
  w.u32(s.startInfoPfn);
  w.u32(s.consolePfn);
  w.u32(s.storePfn);
  w.u32(s.consolePort);
  w.u32(s.storePort);
  w.u32(s.p2mListPfn);
  w.u32(s.p2mListEntries);
  w.u64(s.guestTimeNs);
  w.bool(s.shutdown !== undefined);
  if (s.shutdown) {
    w.u32(s.shutdown.reason);
    w.str(s.shutdown.detail);
  }
  w.bool(s.shutdownCode !== undefined);
  if (s.shutdownCode !== undefined) w.u32(s.shutdownCode);
  const c = s.counters;
  for (const n of [c.instructions, c.hypercalls, c.continuations, c.exits]) w.u64(BigInt(n));
  w.u16(s.weight);
  w.u16(s.cap);
  w.bytes(s.consoleInput);
  w.bool(s.e820 !== undefined);
  if (s.e820) {
    w.u16(s.e820.length);
    for (const e of s.e820) {
      w.u64(e.addr);
      w.u64(e.size);
      w.u32(e.type);
    }
  }
  w.raw(s.sharedInfo);
}

const pfnOrNone = (r: FieldReader, what: string): number => {
  const v = r.u32();
  if (v !== NO_PFN && v > MAX_PFN) throw new SnapshotError(`domain: ${what} pfn ${v}`);
  return v;
};

/** Read and range-check the section; `maxHostPages` bounds max_pages. */
export function readDomain(r: FieldReader, maxHostPages: number): SavedDomain {
  const domid = r.u16();
  const name = r.str(64);
  if (!NAME_RE.test(name)) throw new SnapshotError(`domain: bad name ${JSON.stringify(name)}`);
  const nrVcpus = r.u8();
  if (nrVcpus < 1 || nrVcpus > MAX_VCPUS) throw new SnapshotError(`domain: ${nrVcpus} vCPUs`);
  const maxPages = r.u32In('max_pages', 1, maxHostPages);
  const vmAssist: number[] = [];
  for (let n = r.u8(); n > 0; n--) {
    const a = r.u8();
    if (!VM_ASSISTS.includes(a) || vmAssist.includes(a)) throw new SnapshotError(`domain: VM assist ${a}`);
    vmAssist.push(a);
  }
  const handle = r.raw(16);
  const startInfoPfn = pfnOrNone(r, 'start_info');
  const consolePfn = pfnOrNone(r, 'console');
  const storePfn = pfnOrNone(r, 'xenstore');
  const consolePort = r.u32In('console port', 0, 4095);
  const storePort = r.u32In('xenstore port', 0, 4095);
  if (consolePort !== 0 && consolePort === storePort)
    throw new SnapshotError('domain: console and xenstore share a port');
  if ((consolePort === 0) !== (consolePfn === NO_PFN))
    throw new SnapshotError('domain: console port and ring must come together');
  if ((storePort === 0) !== (storePfn === NO_PFN))
    throw new SnapshotError('domain: xenstore port and ring must come together');
  const p2mListPfn = pfnOrNone(r, 'p2m list');
  const p2mListEntries = r.u32In('p2m list entries', 0, maxHostPages);
  const guestTimeNs = r.u64();
  if (guestTimeNs >= 1n << 62n) throw new SnapshotError(`domain: guest time ${guestTimeNs}`);
  const shutdown = r.bool()
    ? { reason: r.u32In('shutdown reason', 0, 0xffff), detail: r.str(4096) }
    : undefined;
  const shutdownCode = r.bool() ? r.u32In('shutdown code', 0, 0xffff) : undefined;
  const big = (what: string): number => {
    const v = r.u64();
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new SnapshotError(`domain: ${what} counter ${v}`);
    return Number(v);
  };
  const counters = {
    instructions: big('instructions'),
    hypercalls: big('hypercalls'),
    continuations: big('continuations'),
    exits: big('exits'),
  };
  const weight = r.u16();
  if (weight < 1) throw new SnapshotError('domain: weight 0');
  const cap = r.u16();
  const consoleInput = r.bytes(MAX_CONSOLE_INPUT);
  let e820: E820Entry[] | undefined;
  if (r.bool()) {
    const n = r.u16();
    if (n > MAX_E820) throw new SnapshotError(`domain: ${n} e820 entries`);
    e820 = Array.from({ length: n }, () => ({ addr: r.u64(), size: r.u64(), type: r.u32() }));
  }
  const sharedInfo = r.raw(PAGE_SIZE);
  r.end();
  return {
    domid,
    name,
    nrVcpus,
    maxPages,
    vmAssist,
    handle,
    startInfoPfn,
    consolePfn,
    storePfn,
    consolePort,
    storePort,
    p2mListPfn,
    p2mListEntries,
    guestTimeNs,
    shutdown,
    shutdownCode,
    counters,
    weight,
    cap,
    consoleInput,
    e820,
    sharedInfo,
  };
}
