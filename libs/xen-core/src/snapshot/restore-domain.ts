/**
 * Restore a domain saved by save-domain.ts on this host, with a new domid and new machine frames.
 * Order: decode and check every section that needs no frames; allocate the domain's frames; write
 * memory with frame names resolved to this host's mfns; validate page tables by pinning them as
 * the guest did; vCPUs (roots, GDT and vcpu_info references taken through the normal paths, CPU
 * context sanitised); event channels; console and xenstore reconnected to this host's backends;
 * scheduling. Any failure — a SnapshotError (BAD_SNAPSHOT) for a damaged or inconsistent stream,
 * XenCoreError OUT_OF_MEMORY when the host is too small — tears the half-built domain down, so
 * nothing is left behind: no frames, ports, grants or xenstore nodes.
 */
import { XenCoreError } from '../errors';
import { registerExec } from '../exec/env';
import { ExecDomain } from '../exec/exec-domain';
import { ConsoleBackend, type ConsoleBackendOptions } from '../exec/console/console-backend';
import { CONTROL_DOMID, type PvDomain, type PvHost } from '../exec/pv-host';
import { PAGE_SIZE } from '../public/page';
import { XenstoreError } from '../xenstore/client';
import { isPageTableType } from '../mm/frame-table';
import { SnapshotError } from './codec';
import { NO_PFN, readDomain, type SavedDomain } from './domain-section';
import { readPorts, restorePorts } from './evtchn-section';
import { FrameResolver } from './frame-names';
import { loadGrants, readGrants } from './grant-section';
import { loadMemory, readMemory } from './memory-section';
import { pinTables, remapLdt, takeVcpuReferences } from './revalidate';
import { decodeSnapshot, sectionReader } from './stream';
import { readVcpu } from './vcpu-section';
import { LDT_MAX_PAGES } from '../exec/perdomain';
import { loadStore, readStore, rebasedWatches } from './xenstore-section';

export interface RestoreOptions {
  /** Domain id (default: the lowest free one). */
  id?: number;
  /** xenstore `name` (default: the saved one). */
  name?: string;
  console?: ConsoleBackendOptions;
}

const KNOWN_SECTIONS = new Set(['DOMN', 'MEMR', 'GRNT', 'EVTC', 'XSTR', 'VCPU']);

/** Hypervisor frames a domain costs besides its pages: shared_info and the per-domain area. */
const overheadFrames = (nrVcpus: number): number => 1 + 2 + Math.ceil(nrVcpus / 16);

export function restoreDomain(host: PvHost, bytes: unknown, o: RestoreOptions = {}): PvDomain {
  const sys = host.sys;
  const sections = decodeSnapshot(bytes);
  for (const tag of sections.keys())
    if (!KNOWN_SECTIONS.has(tag))
      throw new SnapshotError(`snapshot has a section ${tag} this host does not know`);
  const hdr = readDomain(sectionReader(sections, 'DOMN'), sys.host.frames.nrFrames);
  const memory = readMemory(sectionReader(sections, 'MEMR'), hdr.maxPages);
  const grantFrames = readGrants(sectionReader(sections, 'GRNT'), sys.grants.maxGrantFrames);
  const ports = readPorts(sectionReader(sections, 'EVTC'));
  const store = sections.has('XSTR') ? readStore(sectionReader(sections, 'XSTR')) : undefined;
  const vcpuReader = sectionReader(sections, 'VCPU');
  if (vcpuReader.u8() !== hdr.nrVcpus)
    throw new SnapshotError('VCPU section does not hold one record per vCPU');
  const portSet = new Set(ports.map((p) => p.port));
  for (const p of [hdr.consolePort, hdr.storePort])
    if (p !== 0 && !portSet.has(p)) throw new SnapshotError(`ring port ${p} is not among the saved ports`);

  const need = memory.pages.length + grantFrames.length + overheadFrames(hdr.nrVcpus);
  const free = sys.host.allocator.freeFrames;
  if (need > free)
    throw new XenCoreError('OUT_OF_MEMORY', `snapshot needs ${need} frames, host has ${free} free`);
  const id = o.id ?? host.freeDomainId();
  if (id === CONTROL_DOMID) throw new XenCoreError('BAD_DOMID', 'domain 0 is the control domain');
  const name = o.name ?? hdr.name;

  const console = new ConsoleBackend(o.console);
  const d = sys.createDomain({
    id,
    maxPages: hdr.maxPages,
    nrVcpus: hdr.nrVcpus,
    console,
    handle: hdr.handle,
    e820: hdr.e820,
  });
  let exec: ExecDomain | undefined;
  try {
    for (const a of hdr.vmAssist) d.vmAssist.add(a);
    for (const p of memory.pages) {
      const mfn = sys.host.allocDomainFrames(id);
      if (mfn === undefined) throw new XenCoreError('OUT_OF_MEMORY', `no frame for pfn ${p.pfn}`);
      d.p2m.set(p.pfn, mfn);
    }
    const shared = sys.host.allocSpecialFrame(id);
    if (shared === undefined) throw new XenCoreError('OUT_OF_MEMORY', 'no frame for shared_info');
    d.sharedInfoMfn = shared;
    const table = sys.grants.table(id)!;
    if (!table.grow(grantFrames.length))
      throw new XenCoreError('OUT_OF_MEMORY', 'no frames for the grant table');
    grantFrames.forEach((f, i) => {
      if (f.gpfn === undefined) return;
      if (d.p2m.has(Number(f.gpfn))) throw new SnapshotError(`grant frame ${i} is placed over pfn ${f.gpfn}`);
      sys.grants.mapFrameToGpfn(d, BigInt(i), f.gpfn);
    });
    const resolver = new FrameResolver(d.p2m, shared, table.frames, sys.host);
    loadMemory(sys.host, memory, resolver);
    sys.host.mem.writeBytes(shared * PAGE_SIZE, hdr.sharedInfo);
    loadGrants(sys.host, table, grantFrames, resolver);
    pinTables(host, d, memory.pages, resolver);

    exec = new ExecDomain(host, d, console);
    registerExec(exec);
    host.adopt({ exec });
    configureExec(host, exec, hdr, memory.pages.length, resolver);
    const frames = {
      toMfn: (pfn: number) => resolver.mfn(pfn),
      nowNs: host.clock.now(),
      nowTsc: host.cpu.tsc(),
    };
    for (const v of exec.vcpus) {
      readVcpu(vcpuReader, v, frames);
      takeVcpuReferences(host, v);
    }
    for (const v of exec.vcpus) {
      const pages = Array.from({ length: vcpuReader.u8() }, () => vcpuReader.u8());
      if (pages.some((p) => p >= LDT_MAX_PAGES) || !remapLdt(host, v, pages))
        throw new SnapshotError(`vCPU ${v.id}: saved shadow LDT pages ${pages.join(',')} do not map`);
    }
    vcpuReader.end();
    refuseTableRings(host, exec);

    const backends = new Set([hdr.consolePort, hdr.storePort].filter((p) => p !== 0));
    restorePorts(sys.events, id, ports, backends, CONTROL_DOMID);
    if (exec.consolePort) {
      try {
        host.connectConsole(exec);
      } catch (e) {
        throw e instanceof XenCoreError ? new SnapshotError(`console: ${e.message}`) : e;
      }
      if (hdr.consoleInput.length > 0) console.queueInput(hdr.consoleInput);
    }
    if (host.xenstore) {
      const xs = host.xenstore;
      loadStore(
        xs.client,
        id,
        store ?? { oldDomid: hdr.domid, nodes: [], watches: [], pending: emptyPending() },
        {
          name,
          consoleRingRef: exec.consoleMfn || undefined,
          storeRingRef: exec.storeMfn || undefined,
        },
      );
      if (exec.storePort) {
        if (store) xs.preloadRing(id, store.pending);
        xs.client.introduce(id, exec.storeMfn, exec.storePort);
        const conn = xs.server.domains.get(id)?.conn;
        if (!conn) throw new SnapshotError('xenstored refused the restored store ring');
        if (store) conn.watches.push(...rebasedWatches(store, id));
      }
    }
    host.schedule(id, { weight: hdr.weight, cap: hdr.cap });
  } catch (e) {
    if (exec) host.destroyDomain(id);
    else sys.destroyDomain(id);
    if (e instanceof XenstoreError) throw new SnapshotError(`xenstore: ${e.message}`);
    throw e;
  }
  host.log(
    `d${id}: restored from a snapshot of d${hdr.domid} (${memory.pages.length} pages, ${hdr.nrVcpus} vCPU(s))`,
  );
  host.wake();
  return host.domains.get(id)!;
}

const emptyPending = () => ({ input: new Uint8Array(), output: new Uint8Array(), broken: false });

function configureExec(
  host: PvHost,
  exec: ExecDomain,
  hdr: SavedDomain,
  nrPages: number,
  resolver: FrameResolver,
): void {
  const mfnOrNone = (pfn: number): number => (pfn === NO_PFN ? 0 : resolver.mfn(pfn));
  exec.consolePort = hdr.consolePort;
  exec.storePort = hdr.storePort;
  exec.startInfoMfn = mfnOrNone(hdr.startInfoPfn);
  exec.consoleMfn = mfnOrNone(hdr.consolePfn);
  exec.storeMfn = mfnOrNone(hdr.storePfn);
  if (hdr.p2mListPfn !== NO_PFN) {
    if (hdr.p2mListEntries > nrPages) throw new SnapshotError('p2m list longer than the domain');
    exec.p2mList = { pfn: hdr.p2mListPfn, entries: hdr.p2mListEntries };
  }
  // The guest's clock continues from where it was saved, whatever this host's clock reads.
  exec.timeOffsetNs = hdr.guestTimeNs - host.clock.now();
  if (hdr.shutdown) exec.shutdownWith(hdr.shutdown.reason, hdr.shutdown.detail || undefined);
  exec.shutdownCode = hdr.shutdownCode;
  exec.instructions = hdr.counters.instructions;
  exec.hypercalls = hdr.counters.hypercalls;
  exec.continuations = hdr.counters.continuations;
  exec.exits = hdr.counters.exits;
}

/**
 * The backends write the console and xenstore rings directly, so those pages must be plain data:
 * a snapshot naming a page table as a ring would have the backend write page-table entries the PV
 * MMU never validated. (start_info is only read by the guest, but is held to the same rule.)
 */
function refuseTableRings(host: PvHost, exec: ExecDomain): void {
  const f = host.sys.host.frames;
  for (const [what, mfn] of [
    ['console ring', exec.consoleMfn],
    ['xenstore ring', exec.storeMfn],
    ['start_info', exec.startInfoMfn],
  ] as const) {
    if (mfn !== 0 && isPageTableType(f.type[mfn]) && f.typeCount[mfn] > 0)
      throw new SnapshotError(`the ${what} page is a page table`);
  }
}
