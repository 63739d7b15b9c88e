/**
 * The agent's host as one partition per pCPU: each partition is a DomainHost of its own (a worker thread
 * running a PvHost with its share of the host's memory), so domains on different partitions run in
 * parallel on different cores while the agent's event loop stays free. A domain lives on one partition
 * for its whole life on this agent — like Xen with one cpupool per pCPU — and the credit scheduler of
 * that partition shares its pCPU among the domains placed there.
 *
 * New domains go to the partition with the most free memory (fewest domains on a tie), counting creates
 * still in flight, so a burst of launches spreads over the cores.
 */
import type { ShutdownReason } from '@xeno/contracts';
import { EventEmitter } from 'node:events';
import type { DomainHost, DomainHostEvents } from './domain-host';
import {
  HostError,
  type CreateDomainRequest,
  type HostDomainInfo,
  type HostSnapshot,
  type HostStats,
  type RestoreDomainRequest,
} from './host-protocol';

export interface Partition {
  host: DomainHost;
  /** Guest memory this partition can hand out. */
  guestMemoryMiB: number;
}

export class PartitionedDomainHost extends EventEmitter implements DomainHost {
  /** Which partition runs each domain. */
  private readonly placed = new Map<string, number>();
  /** Memory of creates sent to a partition but not answered yet. */
  private readonly inFlightMiB: number[];

  constructor(private readonly partitions: readonly Partition[]) {
    super();
    if (partitions.length === 0) throw new Error('a host needs at least one pCPU partition');
    this.inFlightMiB = partitions.map(() => 0);
    partitions.forEach(({ host }) => {
      host.on('console', (domainId, data) => this.emit('console', domainId, data));
      host.on('exit', (domainId, reason, detail) => {
        this.placed.delete(domainId);
        this.emit('exit', domainId, reason, detail);
      });
      host.on('rebooted', (domainId) => this.emit('rebooted', domainId));
      host.on('failed', (error) => this.emit('failed', error));
    });
  }

  override on<E extends keyof DomainHostEvents>(event: E, listener: DomainHostEvents[E]): this {
    return super.on(event, listener);
  }

  get pcpus(): number {
    return this.partitions.length;
  }

  /** Index of the partition (pCPU) running `domainId`, if it is on this host. */
  partitionOf(domainId: string): number | undefined {
    return this.placed.get(domainId);
  }

  create(request: CreateDomainRequest): Promise<HostDomainInfo> {
    return this.placeNew(request, (host) => host.create(request));
  }

  /** A domain moved in from another agent is placed like a new one. */
  restore(request: RestoreDomainRequest): Promise<HostDomainInfo> {
    return this.placeNew(request.create, (host) => host.restore(request));
  }

  async save(domainId: string): Promise<HostSnapshot> {
    return this.hostOf(domainId).save(domainId);
  }
  async thaw(domainId: string): Promise<HostDomainInfo> {
    return this.hostOf(domainId).thaw(domainId);
  }

  async start(domainId: string): Promise<HostDomainInfo> {
    return this.hostOf(domainId).start(domainId);
  }
  async stop(domainId: string, timeoutMs: number): Promise<{ shutdownReason: ShutdownReason }> {
    return this.hostOf(domainId).stop(domainId, timeoutMs);
  }
  async reboot(domainId: string, timeoutMs: number): Promise<HostDomainInfo> {
    return this.hostOf(domainId).reboot(domainId, timeoutMs);
  }
  async pause(domainId: string): Promise<HostDomainInfo> {
    return this.hostOf(domainId).pause(domainId);
  }
  async resume(domainId: string): Promise<HostDomainInfo> {
    return this.hostOf(domainId).resume(domainId);
  }

  async destroy(domainId: string): Promise<{ existed: boolean }> {
    const index = this.placed.get(domainId);
    if (index === undefined) return { existed: false };
    const result = await this.partitions[index].host.destroy(domainId);
    this.placed.delete(domainId);
    return result;
  }

  async info(domainId: string): Promise<HostDomainInfo | null> {
    const index = this.placed.get(domainId);
    return index === undefined ? null : this.partitions[index].host.info(domainId);
  }

  /** The partitions' figures added up: the host's busy time is the sum of its pCPUs' busy time. */
  async stats(): Promise<HostStats> {
    const all = await Promise.all(this.partitions.map(({ host }) => host.stats()));
    return {
      domains: all.flatMap((s) => s.domains),
      instructions: sum(all.map((s) => s.instructions)),
      busyMs: sum(all.map((s) => s.busyMs)),
      memoryUsedMiB: sum(all.map((s) => s.memoryUsedMiB)),
      consoleDroppedBytes: sum(all.map((s) => s.consoleDroppedBytes)),
    };
  }

  sendConsoleInput(domainId: string, data: Uint8Array): void {
    const index = this.placed.get(domainId);
    if (index !== undefined) this.partitions[index].host.sendConsoleInput(domainId, data);
  }

  acknowledgeConsole(domainId: string, bytes: number): void {
    const index = this.placed.get(domainId);
    if (index !== undefined) this.partitions[index].host.acknowledgeConsole(domainId, bytes);
  }

  async close(): Promise<void> {
    await Promise.all(this.partitions.map(({ host }) => host.close()));
  }

  /** The domain's partition, else NOT_FOUND (thrown inside the async callers, so it reaches theirs as a rejection). */
  private hostOf(domainId: string): DomainHost {
    const index = this.placed.get(domainId);
    if (index === undefined) throw new HostError('NOT_FOUND', `domain ${domainId} is not on this host`);
    return this.partitions[index].host;
  }

  private async placeNew(
    request: CreateDomainRequest,
    build: (host: DomainHost) => Promise<HostDomainInfo>,
  ): Promise<HostDomainInfo> {
    const { domainId, memoryMiB } = request.spec;
    if (this.placed.has(domainId)) throw new HostError('CONFLICT', `domain ${domainId} already exists`);
    const index = await this.choosePartition(memoryMiB);
    this.inFlightMiB[index] += memoryMiB;
    try {
      const info = await build(this.partitions[index].host);
      this.placed.set(domainId, index);
      return info;
    } finally {
      this.inFlightMiB[index] -= memoryMiB;
    }
  }

  private async choosePartition(memoryMiB: number): Promise<number> {
    const stats = await Promise.all(this.partitions.map(({ host }) => host.stats()));
    let best = -1;
    let bestFree = -1;
    stats.forEach((s, i) => {
      const free = this.partitions[i].guestMemoryMiB - s.memoryUsedMiB - this.inFlightMiB[i];
      const better = free > bestFree || (free === bestFree && s.domains.length < stats[best].domains.length);
      if (free >= memoryMiB && better) {
        best = i;
        bestFree = free;
      }
    });
    if (best < 0) {
      const largest = Math.max(...this.partitions.map((p) => p.guestMemoryMiB));
      throw new HostError(
        'REFUSED',
        memoryMiB > largest
          ? `a domain of ${memoryMiB} MiB is larger than one pCPU partition of this host (${largest} MiB)`
          : `no pCPU partition of this host has ${memoryMiB} MiB free`,
      );
    }
    return best;
  }
}

const sum = (values: number[]): number => values.reduce((a, b) => a + b, 0);
