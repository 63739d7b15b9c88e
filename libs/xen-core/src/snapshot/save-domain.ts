/**
 * Save a whole domain to a byte stream: the container (stream.ts) with the sections
 * DOMN (domain-section.ts), MEMR (memory-section.ts), GRNT (grant-section.ts), EVTC
 * (evtchn-section.ts), XSTR (xenstore-section.ts, when the host runs xenstored) and VCPU (one
 * vcpu-section.ts record per vCPU). The domain must not run meanwhile (the caller pauses it; on
 * this single-threaded host nothing else runs during the call). Saving changes nothing the guest
 * can tell: host caches are dropped first (a pending vCPU start is performed, shadow LDT mappings
 * are invalidated and refault) and the console ring is drained.
 */
import { XenCoreError } from '../errors';
import { invalidateShadowLdt } from '../exec/descriptor-tables';
import type { PvHost } from '../exec/pv-host';
import * as L from '../public/layout';
import { FieldWriter } from './codec';
import { writeDomain, NO_PFN } from './domain-section';
import { capturePorts, writePorts } from './evtchn-section';
import { FrameNamer } from './frame-names';
import { captureGrants, writeGrants } from './grant-section';
import { captureMemory, type MemoryReport, type WordFixup, writeMemory } from './memory-section';
import { encodeSnapshot, type SnapshotSection } from './stream';
import { remapLdt } from './revalidate';
import { writeVcpu } from './vcpu-section';
import { captureStore, writeStore } from './xenstore-section';

export interface SaveReport extends MemoryReport {
  bytes: number;
  pages: number;
  zeroPages: number;
}

export interface SavedSnapshot {
  bytes: Uint8Array;
  report: SaveReport;
}

/** Snapshot domain `id` of `host` (name = what the restored domain is called unless overridden). */
export function saveDomain(host: PvHost, id: number, name: string): SavedSnapshot {
  const dom = host.domains.get(id);
  if (!dom) throw new XenCoreError('NO_SUCH_DOMAIN', `no domain ${id}`);
  const { exec } = dom;
  const d = exec.domain;
  const sys = host.sys;

  // Drop host-side caches the snapshot cannot carry (the guest never notices).
  for (const v of exec.vcpus) if (v.start) host.enter(v);
  if (host.current?.dom === exec) host.cpu.save(host.current.cpuState);
  // Shadow LDT pages are remembered, dropped for the vCPU records and mapped again on both sides.
  const ldtPages = exec.vcpus.map((v) => v.ldtShadow.flatMap((m, i) => (m ? [i] : [])));
  for (const v of exec.vcpus) invalidateShadowLdt(host, v);
  exec.console.service();

  const grants = sys.grants.table(id)!;
  const namer = new FrameNamer(d, d.sharedInfoMfn, grants.frames, sys.host.frames.special);
  const pfnOf = (mfn: number): number => (mfn === 0 ? NO_PFN : namer.pfn(mfn));

  // Words outside page tables where the guest was told machine frames.
  const fixups: WordFixup[] = [];
  if (exec.startInfoMfn) {
    const pfn = namer.pfn(exec.startInfoMfn);
    fixups.push({ pfn, offset: L.SI_SHARED_INFO, count: 1, kind: 'maddr' });
    fixups.push({ pfn, offset: L.SI_STORE_MFN, count: 1, kind: 'mfn' });
    fixups.push({ pfn, offset: L.SI_CONSOLE_MFN, count: 1, kind: 'mfn' });
  }
  if (exec.p2mList)
    fixups.push({ pfn: exec.p2mList.pfn, offset: 0, count: exec.p2mList.entries, kind: 'mfn' });

  const report: MemoryReport = { droppedMappings: 0 };
  const memory = captureMemory(sys.host, d, namer, fixups, report);
  const sections: SnapshotSection[] = [];
  const section = (tag: string, write: (w: FieldWriter) => void): void => {
    const w = new FieldWriter();
    write(w);
    sections.push({ tag, payload: w.done() });
  };

  const params = host.sched.params(id);
  section('DOMN', (w) =>
    writeDomain(w, {
      domid: id,
      name,
      nrVcpus: d.vcpus.length,
      maxPages: d.maxPages,
      vmAssist: [...d.vmAssist].sort((a, b) => a - b),
      handle: d.handle,
      startInfoPfn: pfnOf(exec.startInfoMfn),
      consolePfn: pfnOf(exec.consoleMfn),
      storePfn: pfnOf(exec.storeMfn),
      consolePort: exec.consolePort,
      storePort: exec.storePort,
      p2mListPfn: exec.p2mList?.pfn ?? NO_PFN,
      p2mListEntries: exec.p2mList?.entries ?? 0,
      guestTimeNs: exec.guestTime(host.clock.now()),
      shutdown: exec.shutdown
        ? { reason: exec.shutdown.reason, detail: exec.shutdown.detail ?? '' }
        : undefined,
      shutdownCode: exec.shutdownCode,
      counters: {
        instructions: exec.instructions,
        hypercalls: exec.hypercalls,
        continuations: exec.continuations,
        exits: exec.exits,
      },
      weight: params.weight,
      cap: params.cap,
      consoleInput: exec.console.pendingInput(),
      e820: d.e820,
      sharedInfo: sys.host.mem.readBytes(d.sharedInfoMfn * 4096, 4096).slice(),
    }),
  );
  section('MEMR', (w) => writeMemory(w, memory));
  section('GRNT', (w) => writeGrants(w, captureGrants(sys.host, grants, namer)));
  section('EVTC', (w) => writePorts(w, capturePorts(sys.events.table(id)!)));
  if (host.xenstore) {
    const xs = host.xenstore;
    section('XSTR', (w) => writeStore(w, captureStore(xs, id)));
  }
  const frames = { toPfn: (mfn: number) => namer.pfn(mfn), nowNs: host.clock.now(), nowTsc: host.cpu.tsc() };
  section('VCPU', (w) => {
    w.u8(exec.vcpus.length);
    for (const v of exec.vcpus) writeVcpu(w, v, frames);
    for (const pages of ldtPages) {
      w.u8(pages.length);
      for (const p of pages) w.u8(p);
    }
  });
  exec.vcpus.forEach((v, i) => remapLdt(host, v, ldtPages[i]));
  const bytes = encodeSnapshot(sections);
  const zeroPages = memory.pages.filter((p) => !p.data).length;
  return { bytes, report: { ...report, bytes: bytes.length, pages: memory.pages.length, zeroPages } };
}
