/**
 * The event-channel section: every port in use with its state and binding. Pending and mask bits
 * are in shared_info (carried with it), so an event raised before the save is still pending after.
 *
 * Interdomain channels cannot keep their peer: the peer is not in the snapshot. The two the
 * toolstack set up — console and xenstore, whose peer is the control domain — are restored unbound
 * to the control domain and rebound by this host's backends, so they reconnect. Any other
 * interdomain channel is restored as if its peer had closed it (Xen's EVTCHNOP_close: the port
 * reverts to unbound, accepting the old peer's domid); the guest sees EVTCHNSTAT_unbound and may
 * rebind, as after a Xen migration.
 *
 * Layout: u32 ports × {u32 port, u8 state (ECS_*), u32 notify vCPU, u16 remote domid, u32 remote
 * port, u8 virq}.
 */
import type { EventChannels, RestoredPort } from '../events/event-channels';
import { ECS_INTERDOMAIN, ECS_IPI, ECS_UNBOUND, ECS_VIRQ, type PortTable } from '../events/port-table';
import { EVTCHN_2L_NR_CHANNELS } from '../events/abi';
import { FieldReader, FieldWriter, SnapshotError } from './codec';

export interface SavedPort {
  port: number;
  state: number;
  notifyVcpu: number;
  remoteDomid: number;
  remotePort: number;
  virq: number;
}

export function capturePorts(t: PortTable): SavedPort[] {
  return [...t.usedPorts()].map((port) => {
    const c = t.channels[port];
    return {
      port,
      state: c.state,
      notifyVcpu: c.notifyVcpu,
      remoteDomid: c.remoteDomid,
      remotePort: c.remotePort,
      virq: c.virq,
    };
  });
}

export function writePorts(w: FieldWriter, ports: readonly SavedPort[]): void {
  w.u32(ports.length);
  for (const p of ports) {
    w.u32(p.port);
    w.u8(p.state);
    w.u32(p.notifyVcpu);
    w.u16(p.remoteDomid);
    w.u32(p.remotePort);
    w.u8(p.virq);
  }
}

export function readPorts(r: FieldReader): SavedPort[] {
  const n = r.u32In('port count', 0, EVTCHN_2L_NR_CHANNELS);
  const ports: SavedPort[] = [];
  for (let i = 0; i < n; i++) {
    ports.push({
      port: r.u32(),
      state: r.u8(),
      notifyVcpu: r.u32(),
      remoteDomid: r.u16(),
      remotePort: r.u32(),
      virq: r.u8(),
    });
  }
  r.end();
  return ports;
}

/**
 * Install the ports into the restored domain `domid`. `backendPorts` (console, xenstore) become
 * unbound to `controlDomid` for the backends to bind; other interdomain ports closed-by-peer.
 */
export function restorePorts(
  events: EventChannels,
  domid: number,
  ports: readonly SavedPort[],
  backendPorts: ReadonlySet<number>,
  controlDomid: number,
): void {
  const restored: RestoredPort[] = ports.map((p) => {
    const base = { port: p.port, notifyVcpu: p.notifyVcpu, remoteDomid: p.remoteDomid, virq: p.virq };
    if (backendPorts.has(p.port)) {
      if (p.state !== ECS_INTERDOMAIN && p.state !== ECS_UNBOUND)
        throw new SnapshotError(`port ${p.port} is the console or xenstore port but in state ${p.state}`);
      return { ...base, state: ECS_UNBOUND, remoteDomid: controlDomid };
    }
    switch (p.state) {
      case ECS_INTERDOMAIN:
      case ECS_UNBOUND:
        return { ...base, state: ECS_UNBOUND };
      case ECS_VIRQ:
        return { ...base, state: ECS_VIRQ };
      case ECS_IPI:
        return { ...base, state: ECS_IPI };
      default:
        throw new SnapshotError(`port ${p.port} has state ${p.state}, which cannot be restored`);
    }
  });
  const why = events.restorePorts(domid, restored);
  if (why) throw new SnapshotError(`event channels: ${why}`);
}
