import { describe, expect, it } from 'vitest';
import { measureLoad } from './agent-load';
import type { HostDomainInfo, HostStats } from './host/host-protocol';

const domain = (
  domainId: string,
  instructions: number,
  over: Partial<HostDomainInfo> = {},
): HostDomainInfo => ({
  domainId,
  domid: 1,
  name: domainId,
  imageId: 'xenolite',
  state: 'running',
  memoryMiB: 64,
  reservationMiB: 64,
  vcpus: 1,
  instructions,
  ...over,
});
const stats = (instructions: number, busyMs: number, domains: HostDomainInfo[]): HostStats => ({
  domains,
  instructions,
  busyMs,
  memoryUsedMiB: domains.reduce((sum, d) => sum + d.memoryMiB, 0),
  consoleDroppedBytes: 0,
});

describe('measureLoad', () => {
  it('reports an empty first interval, then rates and per-domain shares of the busy pCPUs', () => {
    const first = measureLoad(undefined, stats(1_000, 0, [domain('a', 500), domain('b', 500)]), 10_000, 2);
    expect(first.load).toMatchObject({ cpuBusy: 0, instructionsPerSecond: 0, domainCount: 2 });
    expect(first.load.domains?.map((d) => d.cpuShare)).toEqual([0, 0]);

    // 2 s later: the host ran guests for 3 s of pCPU time (1.5 pCPUs); a retired 3/4 of the instructions.
    const later = stats(9_000, 3_000, [domain('a', 6_500, { reservationMiB: 48 }), domain('b', 2_500)]);
    const second = measureLoad(first.snapshot, later, 12_000, 2);
    expect(second.load.cpuBusy).toBeCloseTo(0.75);
    expect(second.load.instructionsPerSecond).toBe(4_000);
    expect(second.load.domains).toEqual([
      { domainId: 'a', cpuShare: 1, memoryMiB: 48, instructionsPerSecond: 3_000 },
      { domainId: 'b', cpuShare: 0.375, memoryMiB: 64, instructionsPerSecond: 1_000 },
    ]);
  });

  it('counts a domain created during the interval from zero and caps a share at its vCPUs', () => {
    const first = measureLoad(undefined, stats(0, 0, []), 0, 4);
    const second = measureLoad(first.snapshot, stats(1_000, 4_000, [domain('new', 1_000)]), 1_000, 4);
    // All of the host's 4 busy pCPUs' instructions came from a 1-vCPU domain: it cannot use more than 1.
    expect(second.load.domains).toEqual([
      { domainId: 'new', cpuShare: 1, memoryMiB: 64, instructionsPerSecond: 1_000 },
    ]);
  });
});
