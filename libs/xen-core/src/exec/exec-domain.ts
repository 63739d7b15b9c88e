/**
 * Execution state of one domain: its vCPUs' architectural state, the per-domain GDT/LDT area, the
 * backend-bound event channels, the console backend, and the shutdown state.
 */
import type { Domain } from '../domain/domain';
import { PAGE_SIZE } from '../public/page';
import { SHUTDOWN_crash, SHUTDOWN_NAMES } from './abi';
import type { ConsoleBackend } from './console/console-backend';
import type { ExecEnv } from './env';
import { PerDomainArea } from './perdomain';
import { ArchVcpu } from './vcpu-arch';

export interface ShutdownState {
  reason: number;
  /** poweroff, reboot, suspend, crash, watchdog, soft_reset, or `reason N`. */
  name: string;
  /** Why the hypervisor crashed the domain (absent for a guest-requested shutdown). */
  detail?: string;
}

export function shutdownName(reason: number): string {
  return SHUTDOWN_NAMES[reason] ?? `reason ${reason}`;
}

export class ExecDomain {
  readonly vcpus: ArchVcpu[];
  readonly area: PerDomainArea;
  /** The guest's console port and the control domain's end of it (0 = none). */
  consolePort = 0;
  consoleBackendPort = 0;
  /**
   * The console ring frame while the backend services it (0 = none). The backend writes it
   * directly, so it holds a writable type reference, as xenconsoled's mapping does on Xen: the
   * guest can never turn the page into a page table under the backend's writes.
   */
  consoleRingRef = 0;
  /** The guest's xenstore port (0 = none). */
  storePort = 0;
  /** Frames the toolstack told the guest about in start_info (0 = none). */
  startInfoMfn = 0;
  consoleMfn = 0;
  storeMfn = 0;
  /** Where the builder put the guest's p2m list (pfn of its first entry, entries); undefined = none. */
  p2mList: { pfn: number; entries: number } | undefined;
  shutdown: ShutdownState | undefined;
  /** SCHEDOP_shutdown_code: reason latched for a later shutdown. */
  shutdownCode: number | undefined;
  /** Guest instructions retired, hypercalls made, exits handled. */
  instructions = 0;
  hypercalls = 0;
  /** Hypercalls that preempted themselves and were re-executed (continuations). */
  continuations = 0;
  exits = 0;
  /** Event upcalls delivered (bounces to the guest's event callback). */
  upcalls = 0;
  /**
   * Guest system time minus host system time (ns). 0 for a domain built on this host; a restored
   * domain gets the difference between its clock at save and this host's clock at restore, so the
   * guest's pvclock, timers and runstate continue where they were (host clocks differ per host).
   */
  timeOffsetNs = 0n;

  constructor(
    readonly env: ExecEnv,
    readonly domain: Domain,
    readonly console: ConsoleBackend,
  ) {
    this.area = new PerDomainArea(env.sys.host, env.xenPages, domain.vcpus.length);
    this.vcpus = domain.vcpus.map((v) => new ArchVcpu(this, v));
  }

  get id(): number {
    return this.domain.id;
  }

  /** The guest's system time (what its pvclock reads) at host system time `hostNs`. */
  guestTime(hostNs: bigint): bigint {
    return hostNs + this.timeOffsetNs;
  }

  /** A deadline the guest gave in its system time, as host system time. */
  hostTime(guestNs: bigint): bigint {
    return guestNs - this.timeOffsetNs;
  }

  get sharedInfoMaddr(): number {
    return this.domain.sharedInfoMfn * PAGE_SIZE;
  }

  /** domain_shutdown(): every vCPU stops; the first reason wins. */
  shutdownWith(reason: number, detail?: string): void {
    if (this.shutdown) return;
    this.shutdown = { reason, name: shutdownName(reason), ...(detail ? { detail } : {}) };
    for (const v of this.vcpus) v.stop = 'shutdown';
    this.console.service();
    this.env.log(`d${this.id}: shutdown (${this.shutdown.name})${detail ? `: ${detail}` : ''}`);
  }

  /** domain_crash(): a guest error the hypervisor cannot reflect back into the guest. */
  crash(why: string): void {
    this.shutdownWith(SHUTDOWN_crash, why);
  }

  /** An event for `v`: wake it from SCHEDOP_block / SCHEDOP_poll. */
  kick(v: ArchVcpu): void {
    if (v.blocked) {
      v.blocked = false;
      v.pollPorts = undefined;
      v.pollDeadline = undefined;
    }
  }

  /** Frame references the execution state holds (for auditMemory's `held`): GDT, shadow LDT, vcpu_info, console ring. */
  heldReferences(): Array<{ mfn: number; count: number; typeCount: number }> {
    const out: Array<{ mfn: number; count: number; typeCount: number }> = [];
    for (const v of this.vcpus) {
      for (const mfn of [...v.gdtFrames, ...v.ldtShadow.filter((m) => m !== 0)])
        out.push({ mfn, count: 1, typeCount: 1 });
      if (v.vcpuInfoMfn) out.push({ mfn: v.vcpuInfoMfn, count: 1, typeCount: 1 });
    }
    if (this.consoleRingRef) out.push({ mfn: this.consoleRingRef, count: 1, typeCount: 1 });
    return out;
  }

  /** Drop every guest-frame reference the execution state holds (before the domain's memory goes). */
  releaseGuestReferences(): void {
    const { types } = this.env.sys.mmu;
    for (const v of this.vcpus) {
      for (const mfn of v.gdtFrames) types.putPageAndType(mfn);
      v.gdtFrames = [];
      for (let p = 0; p < v.ldtShadow.length; p++) {
        if (v.ldtShadow[p]) types.putPageAndType(v.ldtShadow[p]);
        v.ldtShadow[p] = 0;
      }
      if (v.vcpuInfoMfn) types.putPageAndType(v.vcpuInfoMfn);
      v.vcpuInfoMfn = 0;
    }
    if (this.consoleRingRef) types.putPageAndType(this.consoleRingRef);
    this.consoleRingRef = 0;
  }
}
