/**
 * What the execution code needs from the host it runs on, and the lookup from the MM's Domain/Vcpu
 * objects (which hypercall handlers receive in their context) to the execution state kept here.
 */
import type { Domain } from '../domain/domain';
import type { Vcpu } from '../domain/vcpu';
import type { XenSystem } from '../xen-system';
import type { ExecDomain } from './exec-domain';
import type { SharedXenPages } from './perdomain';
import type { HostClock } from './timers';
import type { ArchVcpu } from './vcpu-arch';
import type { PvCpu } from './x86/pv-cpu';

export interface ExecEnv {
  readonly sys: XenSystem;
  readonly cpu: PvCpu;
  readonly xenPages: SharedXenPages;
  /** The vCPU whose state is loaded in the CPU. */
  readonly current: ArchVcpu | undefined;
  /** System time (ns since host start, = the TSC); absent in hosts without timers. */
  readonly clock?: HostClock;
  /** Every vCPU the host schedules (timer expiry scans them). */
  readonly timerVcpus?: () => Iterable<ArchVcpu>;
  log(line: string): void;
  /** Per-exit tracing (debugging aid; undefined = off). */
  readonly trace: ((line: string) => void) | undefined;
}

const arches = new WeakMap<Vcpu, ArchVcpu>();
const domains = new WeakMap<Domain, ExecDomain>();

export function registerExec(d: ExecDomain): void {
  domains.set(d.domain, d);
  for (const v of d.vcpus) arches.set(v.vcpu, v);
}

export function execOf(d: Domain): ExecDomain | undefined {
  return domains.get(d);
}

export function archOf(v: Vcpu): ArchVcpu | undefined {
  return arches.get(v);
}
