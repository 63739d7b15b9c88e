import type { AgentDomainLoad, AgentLoad } from '@xeno/contracts';
import type { HostStats } from './host/host-protocol';

/** The counters of one measurement, kept to compute rates at the next. */
export interface LoadSnapshot {
  atMs: number;
  instructions: number;
  busyMs: number;
  domainInstructions: Map<string, number>;
}

/**
 * Load over the interval since `previous` (none yet: an empty interval, all rates 0). A domain's CPU share
 * is its part of the guest instructions retired times the pCPU time the host spent running guests, so the
 * shares of all domains add up to the host's busy pCPUs.
 */
export function measureLoad(
  previous: LoadSnapshot | undefined,
  stats: HostStats,
  nowMs: number,
  pcpus: number,
): { load: AgentLoad; snapshot: LoadSnapshot } {
  const snapshot: LoadSnapshot = {
    atMs: nowMs,
    instructions: stats.instructions,
    busyMs: stats.busyMs,
    domainInstructions: new Map(stats.domains.map((d) => [d.domainId, d.instructions])),
  };
  const last = previous ?? snapshot;
  const elapsedMs = nowMs - last.atMs;
  const busyPcpus = elapsedMs > 0 ? Math.min(pcpus, (stats.busyMs - last.busyMs) / elapsedMs) : 0;
  const hostInstructions = stats.instructions - last.instructions;
  const perSecond = (instructions: number): number =>
    elapsedMs > 0 ? Math.round((instructions * 1000) / elapsedMs) : 0;
  const domains = stats.domains.map<AgentDomainLoad>((d) => {
    // A domain created during the interval counts from zero.
    const retired = Math.max(0, d.instructions - (last.domainInstructions.get(d.domainId) ?? 0));
    const share = hostInstructions > 0 ? (retired / hostInstructions) * busyPcpus : 0;
    return {
      domainId: d.domainId,
      cpuShare: Math.min(d.vcpus, round3(share)),
      memoryMiB: d.reservationMiB,
      instructionsPerSecond: perSecond(retired),
    };
  });
  return {
    load: {
      memoryUsedMiB: stats.memoryUsedMiB,
      cpuBusy: Math.min(1, busyPcpus / pcpus),
      domainCount: stats.domains.length,
      instructionsPerSecond: perSecond(Math.max(0, hostInstructions)),
      domainIds: stats.domains.map((d) => d.domainId),
      domains,
    },
    snapshot,
  };
}

const round3 = (x: number): number => Math.round(x * 1000) / 1000;
