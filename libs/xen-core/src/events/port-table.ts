import type { Domain } from '../domain/domain';
import { XEN_ENOSPC } from '../public/errno';
import { EVTCHN_2L_NR_CHANNELS, EVTCHNS_PER_BUCKET, NR_VIRQS } from './abi';

/** Channel states (Xen's ECS_*). */
export const ECS_FREE = 0;
export const ECS_RESERVED = 1;
export const ECS_UNBOUND = 2;
export const ECS_INTERDOMAIN = 3;
export const ECS_PIRQ = 4;
export const ECS_VIRQ = 5;
export const ECS_IPI = 6;
export type ChannelState = 0 | 1 | 2 | 3 | 4 | 5 | 6;

/**
 * A hypervisor-side consumer of a port (Xen's `xen_consumer`): notifications raised on the port
 * call it instead of touching shared memory. TypeScript backends (xenstored, console) own such
 * ports in the control domain's table.
 */
export type EvtchnConsumer = (port: number) => void;

/** One `struct evtchn`. */
export interface Channel {
  state: ChannelState;
  notifyVcpu: number;
  /** unbound: the domain allowed to bind; interdomain: the peer. */
  remoteDomid: number;
  /** interdomain: the peer's port. */
  remotePort: number;
  virq: number;
  consumer: EvtchnConsumer | undefined;
}

const freeChannel = (): Channel => ({
  state: ECS_FREE,
  notifyVcpu: 0,
  remoteDomid: 0,
  remotePort: 0,
  virq: 0,
  consumer: undefined,
});

/**
 * One domain's event channels. `domain` is undefined for a host-side port table (the TypeScript
 * control domain), whose ports must all have consumers.
 */
export class PortTable {
  /** Valid ports: grows a bucket at a time, like Xen's valid_evtchns. */
  readonly channels: Channel[] = [];
  /** Notifications this domain sent that reached a port (EVTCHNOP_send), and raised on its own ports. */
  sent = 0;
  received = 0;
  /** virq_to_evtchn[] per vCPU. */
  private readonly virqPorts: Int32Array[];

  constructor(
    readonly domid: number,
    readonly domain: Domain | undefined,
    /** d->max_evtchn_port: highest port get_free_port() may hand out. */
    readonly maxPort: number,
    readonly privileged: boolean,
  ) {
    const nrVcpus = domain?.vcpus.length ?? 1;
    this.virqPorts = Array.from({ length: nrVcpus }, () => new Int32Array(NR_VIRQS));
    this.addBucket();
    this.channels[0].state = ECS_RESERVED;
  }

  get nrVcpus(): number {
    return this.virqPorts.length;
  }

  /** port_is_valid(). */
  valid(port: number): boolean {
    return Number.isInteger(port) && port >= 0 && port < this.channels.length;
  }

  private addBucket(): void {
    for (let i = 0; i < EVTCHNS_PER_BUCKET; i++) this.channels.push(freeChannel());
  }

  /** get_free_port(): lowest free port, or -ENOSPC past max_evtchn_port / the 2-level limit. */
  getFreePort(): number {
    let port = 0;
    for (; port < this.channels.length; port++) {
      if (port > this.maxPort) return -XEN_ENOSPC;
      if (this.channels[port].state === ECS_FREE) return port;
    }
    if (port >= EVTCHN_2L_NR_CHANNELS || port > this.maxPort) return -XEN_ENOSPC;
    this.addBucket();
    return port;
  }

  /** Make `port` valid (buckets up to it); false past max_evtchn_port or the 2-level limit. */
  growTo(port: number): boolean {
    if (!Number.isInteger(port) || port < 0 || port > this.maxPort || port >= EVTCHN_2L_NR_CHANNELS)
      return false;
    while (this.channels.length <= port) this.addBucket();
    return true;
  }

  /** Reset a channel to free (notify vCPU 0, no consumer); the caller clears the pending bit. */
  free(port: number): void {
    Object.assign(this.channels[port], freeChannel());
  }

  virqPort(vcpu: number, virq: number): number {
    return this.virqPorts[vcpu]?.[virq] ?? 0;
  }

  setVirqPort(vcpu: number, virq: number, port: number): void {
    this.virqPorts[vcpu][virq] = port;
  }

  /** Ports in use (not free or reserved), for snapshots and tests. */
  *usedPorts(): Iterable<number> {
    for (let p = 0; p < this.channels.length; p++) {
      const s = this.channels[p].state;
      if (s !== ECS_FREE && s !== ECS_RESERVED) yield p;
    }
  }
}
