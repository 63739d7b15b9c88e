import type { Domain } from '../domain/domain';
import type { Vcpu } from '../domain/vcpu';
import type { GuestPhysicalMemory } from '../mem/guest-physical-memory';
import type { DomainLookup } from '../mm/pv-mmu';
import { XEN_EBUSY, XEN_EEXIST, XEN_EINVAL, XEN_ENOENT, XEN_EPERM, XEN_ESRCH } from '../public/errno';
import { DOMID_SELF } from '../public/xen';
import {
  DEFAULT_DOMU_MAX_EVTCHN_PORT,
  EVTCHN_2L_NR_CHANNELS,
  EVTCHNSTAT_closed,
  EVTCHNSTAT_interdomain,
  EVTCHNSTAT_ipi,
  EVTCHNSTAT_pirq,
  EVTCHNSTAT_unbound,
  EVTCHNSTAT_virq,
  NR_VIRQS,
  virqType,
} from './abi';
import {
  Channel,
  ECS_FREE,
  ECS_INTERDOMAIN,
  ECS_IPI,
  ECS_PIRQ,
  ECS_RESERVED,
  ECS_UNBOUND,
  ECS_VIRQ,
  EvtchnConsumer,
  PortTable,
} from './port-table';
import { TwoLevelEvents } from './two-level';

/**
 * Who is asking. `xen` marks hypervisor-internal callers (TypeScript backends acting for the
 * control domain): they may close and send on consumer ("Xen-attached") ports, which guests may not.
 */
export interface EvtchnCaller {
  readonly domid: number;
  readonly privileged: boolean;
  readonly xen?: boolean;
}

export const callerOf = (d: Domain): EvtchnCaller => ({ domid: d.id, privileged: d.privileged });

/** The control domain as seen by TypeScript backends. */
export const hostCaller = (domid = 0): EvtchnCaller => ({ domid, privileged: true, xen: true });

/** How the event-channel layer reaches the execution loop. */
export interface EventChannelHooks {
  /**
   * vcpu_kick(): `vcpu`'s evtchn_upcall_pending went 0 → 1. Wake it if blocked (SCHEDOP_block) and
   * make it pass the return-to-guest check soon (it delivers if hasDeliverableUpcall()).
   */
  kick?(domain: Domain, vcpu: Vcpu): void;
  /** evtchn_check_pollers(): `port` became pending, masked or not (SCHEDOP_poll waiters). */
  portPending?(domain: Domain, port: number): void;
}

/** A port as a snapshot carries it (see restorePorts). */
export interface RestoredPort {
  port: number;
  state: typeof ECS_UNBOUND | typeof ECS_VIRQ | typeof ECS_IPI;
  notifyVcpu: number;
  /** unbound: the domain allowed to bind. */
  remoteDomid: number;
  /** virq: which. */
  virq: number;
}

/** EVTCHNOP_status result (§7.1). */
export interface EvtchnStatus {
  status: number;
  vcpu: number;
  /** unbound: remote domain allowed to bind; interdomain: peer domain. */
  dom?: number;
  /** interdomain: peer port. */
  port?: number;
  virq?: number;
  pirq?: number;
}

export interface EventChannelOptions {
  /** max_evtchn_port for unprivileged domains (libxl default 1023); privileged ones get 4095. */
  domUMaxPort?: number;
  /** The hardware domain: default handler of global VIRQs. */
  hardwareDomid?: number;
}

/**
 * Every domain's event channels on one host (xen/common/event_channel.c, 2-level ABI). Operations
 * return a port / 0 on success or a negative Xen errno, exactly as the hypercall would.
 */
export class EventChannels {
  hooks: EventChannelHooks = {};
  private readonly tables = new Map<number, PortTable>();
  private readonly globalVirqHandlers = new Map<number, number>();
  private readonly twoLevel: TwoLevelEvents;
  private readonly domUMaxPort: number;
  readonly hardwareDomid: number;

  constructor(
    mem: GuestPhysicalMemory,
    private readonly domains: DomainLookup,
    opts: EventChannelOptions = {},
  ) {
    this.domUMaxPort = opts.domUMaxPort ?? DEFAULT_DOMU_MAX_EVTCHN_PORT;
    this.hardwareDomid = opts.hardwareDomid ?? 0;
    this.twoLevel = new TwoLevelEvents(mem, {
      kick: (d, v) => this.hooks.kick?.(d, v),
      portPending: (d, p) => this.hooks.portPending?.(d, p),
    });
  }

  // ---- tables -------------------------------------------------------------

  /**
   * Port table for a domain id with no Domain object: the TypeScript control domain. Its ports
   * notify consumers; it is privileged.
   */
  registerHostDomain(domid: number): PortTable {
    const existing = this.tables.get(domid);
    if (existing && existing.domain === undefined) return existing;
    if (this.domains.get(domid)) throw new Error(`d${domid} is a guest domain, not a host domain`);
    const t = new PortTable(domid, undefined, EVTCHN_2L_NR_CHANNELS - 1, true);
    this.tables.set(domid, t);
    return t;
  }

  /** The live port table of `domid` (created on first use for a domain), if the domain exists. */
  table(domid: number): PortTable | undefined {
    const d = this.domains.get(domid);
    const t = this.tables.get(domid);
    if (t && (t.domain === undefined || t.domain === d)) return t;
    if (t) this.tables.delete(domid);
    if (!d) return undefined;
    const maxPort = d.privileged ? EVTCHN_2L_NR_CHANNELS - 1 : this.domUMaxPort;
    const nt = new PortTable(domid, d, maxPort, d.privileged);
    this.tables.set(domid, nt);
    return nt;
  }

  /** Event notifications `domid` has sent and received so far (zero for an unknown domain). */
  counts(domid: number): { sent: number; received: number } {
    const t = this.table(domid);
    return { sent: t?.sent ?? 0, received: t?.received ?? 0 };
  }

  /** One channel's state (inspection; do not mutate). */
  channel(domid: number, port: number): Readonly<Channel> | undefined {
    const t = this.table(domid);
    return t?.valid(port) ? t.channels[port] : undefined;
  }

  private own(caller: EvtchnCaller): PortTable {
    const t = this.table(caller.domid);
    if (!t) throw new Error(`event channel caller d${caller.domid} does not exist`);
    return t;
  }

  /** rcu_lock_domain_by_any_id(). */
  private anyDomain(caller: EvtchnCaller, dom: number): PortTable | number {
    return this.table(dom === DOMID_SELF ? caller.domid : dom) ?? -XEN_ESRCH;
  }

  /** XSM_TARGET: a domain may act on itself; a privileged one on anybody. */
  private xsmTarget(caller: EvtchnCaller, t: PortTable): number {
    return t.domid === caller.domid || caller.privileged ? 0 : -XEN_EPERM;
  }

  // ---- delivery -----------------------------------------------------------

  /** evtchn_port_set_pending(): consumer, else the 2-level protocol on `vcpuId`. */
  private raise(t: PortTable, port: number, vcpuId = t.channels[port].notifyVcpu): void {
    const ch = t.channels[port];
    t.received++;
    if (ch.consumer) {
      ch.consumer(port);
      return;
    }
    const v = t.domain?.vcpus[vcpuId];
    if (t.domain && v) this.twoLevel.setPending(t.domain, v, port);
  }

  /** free_evtchn(): clear the pending bit, back to free on vCPU 0. */
  private freePort(t: PortTable, port: number): void {
    if (t.domain) this.twoLevel.clearPending(t.domain, port);
    t.free(port);
  }

  // ---- EVTCHNOP_* ---------------------------------------------------------

  allocUnbound(caller: EvtchnCaller, dom: number, remoteDom: number, consumer?: EvtchnConsumer): number {
    const t = this.anyDomain(caller, dom);
    if (typeof t === 'number') return t;
    const port = t.getFreePort();
    if (port < 0) return port;
    const rc = this.xsmTarget(caller, t);
    if (rc !== 0) return rc;
    const ch = t.channels[port];
    ch.state = ECS_UNBOUND;
    ch.remoteDomid = remoteDom === DOMID_SELF ? caller.domid : remoteDom;
    ch.consumer = consumer;
    return port;
  }

  bindInterdomain(
    caller: EvtchnCaller,
    remoteDom: number,
    remotePort: number,
    consumer?: EvtchnConsumer,
  ): number {
    const rt = this.table(remoteDom === DOMID_SELF ? caller.domid : remoteDom);
    if (!rt) return -XEN_ESRCH;
    const lt = this.own(caller);
    const lport = lt.getFreePort();
    if (lport < 0) return lport;
    if (!rt.valid(remotePort)) return -XEN_EINVAL;
    const rch = rt.channels[remotePort];
    if (rch.state !== ECS_UNBOUND || rch.remoteDomid !== lt.domid) return -XEN_EINVAL;
    const lch = lt.channels[lport];
    Object.assign(lch, { state: ECS_INTERDOMAIN, remoteDomid: rt.domid, remotePort, consumer });
    Object.assign(rch, { state: ECS_INTERDOMAIN, remoteDomid: lt.domid, remotePort: lport });
    // The peer may have signalled while unbound: conservatively mark the new local port pending.
    this.raise(lt, lport);
    return lport;
  }

  bindVirq(caller: EvtchnCaller, virq: number, vcpu: number): number {
    if (!Number.isInteger(virq) || virq < 0 || virq >= NR_VIRQS) return -XEN_EINVAL;
    const type = virqType(virq);
    if (type !== 'vcpu' && vcpu !== 0) return -XEN_EINVAL;
    const t = this.own(caller);
    if (vcpu < 0 || vcpu >= t.nrVcpus) return -XEN_ENOENT;
    if (type === 'global' && this.globalVirqHandler(virq) !== t.domid) return -XEN_EBUSY;
    if (t.virqPort(vcpu, virq) !== 0) return -XEN_EEXIST;
    const port = t.getFreePort();
    if (port < 0) return port;
    Object.assign(t.channels[port], { state: ECS_VIRQ, notifyVcpu: vcpu, virq });
    t.setVirqPort(vcpu, virq, port);
    return port;
  }

  bindIpi(caller: EvtchnCaller, vcpu: number): number {
    const t = this.own(caller);
    if (vcpu < 0 || vcpu >= t.nrVcpus) return -XEN_ENOENT;
    const port = t.getFreePort();
    if (port < 0) return port;
    Object.assign(t.channels[port], { state: ECS_IPI, notifyVcpu: vcpu });
    return port;
  }

  /** EVTCHNOP_close: an interdomain peer reverts to unbound, accepting this domain again. */
  close(caller: EvtchnCaller, port: number): number {
    return this.closePort(this.own(caller), port, caller.xen === true);
  }

  private closePort(t: PortTable, port: number, xen: boolean): number {
    if (!t.valid(port)) return -XEN_EINVAL;
    const ch = t.channels[port];
    if (ch.consumer && !xen) return -XEN_EINVAL;
    switch (ch.state) {
      case ECS_FREE:
      case ECS_RESERVED:
        return -XEN_EINVAL;
      case ECS_VIRQ:
        for (let v = 0; v < t.nrVcpus; v++) if (t.virqPort(v, ch.virq) === port) t.setVirqPort(v, ch.virq, 0);
        break;
      case ECS_INTERDOMAIN: {
        const peer = this.tables.get(ch.remoteDomid)?.channels[ch.remotePort];
        if (peer && peer.state === ECS_INTERDOMAIN) {
          peer.state = ECS_UNBOUND;
          peer.remoteDomid = t.domid;
        }
        break;
      }
      default:
        break;
    }
    this.freePort(t, port);
    return 0;
  }

  /** EVTCHNOP_send: interdomain → peer pending; IPI → local pending; unbound → dropped. */
  send(caller: EvtchnCaller, port: number): number {
    const t = this.own(caller);
    if (!t.valid(port)) return -XEN_EINVAL;
    const ch = t.channels[port];
    if (ch.consumer && !caller.xen) return -XEN_EINVAL;
    switch (ch.state) {
      case ECS_INTERDOMAIN: {
        const rt = this.tables.get(ch.remoteDomid);
        if (rt) {
          t.sent++;
          this.raise(rt, ch.remotePort);
        }
        return 0;
      }
      case ECS_IPI:
        t.sent++;
        this.raise(t, port);
        return 0;
      case ECS_UNBOUND:
        return 0;
      default:
        return -XEN_EINVAL;
    }
  }

  status(caller: EvtchnCaller, dom: number, port: number): EvtchnStatus | number {
    const t = this.anyDomain(caller, dom);
    if (typeof t === 'number') return t;
    if (!t.valid(port)) return -XEN_EINVAL;
    const rc = this.xsmTarget(caller, t);
    if (rc !== 0) return rc;
    const ch = t.channels[port];
    const vcpu = ch.notifyVcpu;
    switch (ch.state) {
      case ECS_UNBOUND:
        return { status: EVTCHNSTAT_unbound, vcpu, dom: ch.remoteDomid };
      case ECS_INTERDOMAIN:
        return { status: EVTCHNSTAT_interdomain, vcpu, dom: ch.remoteDomid, port: ch.remotePort };
      case ECS_PIRQ:
        return { status: EVTCHNSTAT_pirq, vcpu, pirq: 0 };
      case ECS_VIRQ:
        return { status: EVTCHNSTAT_virq, vcpu, virq: ch.virq };
      case ECS_IPI:
        return { status: EVTCHNSTAT_ipi, vcpu };
      default:
        return { status: EVTCHNSTAT_closed, vcpu };
    }
  }

  /** EVTCHNOP_unmask: clear the mask bit and re-raise on the notify vCPU if pending. */
  unmask(caller: EvtchnCaller, port: number): number {
    const t = this.own(caller);
    if (!t.valid(port)) return -XEN_EINVAL;
    const v = t.domain?.vcpus[t.channels[port].notifyVcpu];
    if (t.domain && v) this.twoLevel.unmask(t.domain, v, port);
    return 0;
  }

  /** EVTCHNOP_bind_vcpu: not for IPIs or per-vCPU VIRQs. */
  bindVcpu(caller: EvtchnCaller, port: number, vcpu: number): number {
    const t = this.own(caller);
    if (vcpu < 0 || vcpu >= t.nrVcpus) return -XEN_ENOENT;
    if (!t.valid(port)) return -XEN_EINVAL;
    const ch = t.channels[port];
    if (ch.consumer && !caller.xen) return -XEN_EINVAL;
    switch (ch.state) {
      case ECS_VIRQ:
        if (virqType(ch.virq) === 'vcpu') return -XEN_EINVAL;
        ch.notifyVcpu = vcpu;
        return 0;
      case ECS_UNBOUND:
      case ECS_INTERDOMAIN:
        ch.notifyVcpu = vcpu;
        return 0;
      default:
        return -XEN_EINVAL;
    }
  }

  /**
   * EVTCHNOP_reset: close every port of the domain (consumer ports survive a guest's reset).
   * Resets run to completion here, so EVTCHNOP_reset_cont (`resuming`) never finds one in progress.
   */
  reset(caller: EvtchnCaller, dom: number, resuming = false): number {
    const t = this.anyDomain(caller, dom);
    if (typeof t === 'number') return t;
    const rc = this.xsmTarget(caller, t);
    if (rc !== 0) return rc;
    if (resuming) return -XEN_EBUSY;
    for (let p = 1; p < t.channels.length; p++) this.closePort(t, p, false);
    return 0;
  }

  // ---- VIRQs and the execution loop ----------------------------------------

  globalVirqHandler(virq: number): number {
    return this.globalVirqHandlers.get(virq) ?? this.hardwareDomid;
  }

  /** XEN_DOMCTL_set_virq_handler: route a global VIRQ to `domid`. */
  setGlobalVirqHandler(virq: number, domid: number): number {
    if (!Number.isInteger(virq) || virq < 0 || virq >= NR_VIRQS || virqType(virq) !== 'global') {
      return -XEN_EINVAL;
    }
    this.globalVirqHandlers.set(virq, domid);
    return 0;
  }

  /**
   * send_guest_vcpu_virq() / send_guest_global_virq(): raise `virq` for `domain`. Per-vCPU VIRQs
   * use `vcpuId`'s binding; others the binding on vCPU 0 and its notify vCPU. Returns whether a
   * port was bound.
   */
  raiseVirq(domain: Domain, vcpuId: number, virq: number): boolean {
    const t = this.table(domain.id);
    if (!t || !Number.isInteger(virq) || virq < 0 || virq >= NR_VIRQS) return false;
    const perVcpu = virqType(virq) === 'vcpu';
    const port = t.virqPort(perVcpu ? vcpuId : 0, virq);
    if (port === 0) return false;
    this.raise(t, port, perVcpu ? vcpuId : t.channels[port].notifyVcpu);
    return true;
  }

  /** send_global_virq(): to the registered handler domain (default: the hardware domain). */
  sendGlobalVirq(virq: number): boolean {
    if (virqType(virq) !== 'global') return false;
    const t = this.table(this.globalVirqHandler(virq));
    const port = t?.virqPort(0, virq) ?? 0;
    if (!t || port === 0) return false;
    this.raise(t, port);
    return true;
  }

  /** The return-to-guest test: upcall_pending && !upcall_mask in `vcpu`'s vcpu_info. */
  hasDeliverableUpcall(domain: Domain, vcpu: Vcpu): boolean {
    return this.twoLevel.hasDeliverableUpcall(domain, vcpu);
  }

  /** vcpu_mark_events_pending() (e.g. after VCPUOP_register_vcpu_info). */
  markEventsPending(domain: Domain, vcpu: Vcpu): void {
    this.twoLevel.markEventsPending(domain, vcpu);
  }

  isPending(domain: Domain, port: number): boolean {
    return this.twoLevel.isPending(domain, port);
  }

  isMasked(domain: Domain, port: number): boolean {
    return this.twoLevel.isMasked(domain, port);
  }

  /**
   * Snapshot restore: put saved ports into a new domain's table (which must have none in use) with
   * the checks the binding hypercalls make. Interdomain channels are not accepted: the restorer
   * turns them into unbound ports first (their peers are not part of the snapshot). Pending and
   * mask bits live in shared_info, which the restorer carries. Returns why a port was refused, or
   * undefined; on refusal the table is left with no ports in use.
   */
  restorePorts(domid: number, ports: readonly RestoredPort[]): string | undefined {
    const t = this.table(domid);
    if (!t || t.domain === undefined) return `d${domid} is not a guest domain`;
    if ([...t.usedPorts()].length > 0) return `d${domid} already has ports in use`;
    const why = this.checkRestoredPorts(t, ports);
    if (why) return why;
    for (const p of ports) {
      t.growTo(p.port);
      const ch = t.channels[p.port];
      ch.state = p.state;
      ch.notifyVcpu = p.notifyVcpu;
      if (p.state === ECS_UNBOUND) ch.remoteDomid = p.remoteDomid;
      if (p.state === ECS_VIRQ) {
        ch.virq = p.virq;
        t.setVirqPort(p.notifyVcpu, p.virq, p.port);
      }
    }
    return undefined;
  }

  private checkRestoredPorts(t: PortTable, ports: readonly RestoredPort[]): string | undefined {
    const seen = new Set<number>();
    const virqs = new Set<string>();
    for (const p of ports) {
      if (p.port === 0 || seen.has(p.port) || !Number.isInteger(p.port) || p.port > t.maxPort)
        return `port ${p.port} is reserved, repeated or above the domain's limit ${t.maxPort}`;
      seen.add(p.port);
      if (!Number.isInteger(p.notifyVcpu) || p.notifyVcpu < 0 || p.notifyVcpu >= t.nrVcpus)
        return `port ${p.port} notifies vCPU ${p.notifyVcpu}`;
      if (p.state === ECS_VIRQ) {
        if (!Number.isInteger(p.virq) || p.virq < 0 || p.virq >= NR_VIRQS)
          return `port ${p.port}: virq ${p.virq}`;
        const type = virqType(p.virq);
        if (type !== 'vcpu' && p.notifyVcpu !== 0)
          return `port ${p.port}: virq ${p.virq} on vCPU ${p.notifyVcpu}`;
        if (type === 'global' && this.globalVirqHandler(p.virq) !== t.domid)
          return `port ${p.port}: global virq ${p.virq} is handled by d${this.globalVirqHandler(p.virq)} here`;
        const key = `${p.notifyVcpu}:${p.virq}`;
        if (virqs.has(key)) return `virq ${p.virq} bound twice on vCPU ${p.notifyVcpu}`;
        virqs.add(key);
      } else if (p.state === ECS_UNBOUND) {
        if (!Number.isInteger(p.remoteDomid) || p.remoteDomid < 0 || p.remoteDomid > 0xffff)
          return `port ${p.port}: remote domain ${p.remoteDomid}`;
      } else if (p.state !== ECS_IPI) {
        return `port ${p.port}: state ${p.state} cannot be restored`;
      }
    }
    return undefined;
  }

  /** evtchn_destroy(): close every port (peers revert to unbound) and forget the table. */
  domainDestroyed(domid: number): void {
    const t = this.tables.get(domid);
    if (!t) return;
    for (const p of [...t.usedPorts()]) this.closePort(t, p, true);
    this.tables.delete(domid);
    for (const [virq, d] of this.globalVirqHandlers) if (d === domid) this.globalVirqHandlers.delete(virq);
  }
}
