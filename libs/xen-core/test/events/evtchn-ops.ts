import * as A from '../../src/events/abi';
import { __HYPERVISOR_event_channel_op } from '../../src/public/xen';
import { get, Guest, hcall, put, struct } from './fixtures';

/** Issue EVTCHNOP `cmd` with `arg` placed in the guest's scratch page; returns rc and the struct after. */
export function evtchnOp(g: Guest, cmd: number, arg: Uint8Array): { rc: number; out: DataView } {
  put(g, g.scratch, arg);
  const rc = hcall(g, __HYPERVISOR_event_channel_op, cmd, g.scratch);
  return { rc, out: get(g, g.scratch, Math.max(arg.length, 4)) };
}

/** Port on success, negative errno otherwise. */
export const allocUnbound = (g: Guest, dom: number, remote: number): number => {
  const r = evtchnOp(
    g,
    A.EVTCHNOP_alloc_unbound,
    struct(8, [
      [0, 2, dom],
      [2, 2, remote],
    ]),
  );
  return r.rc < 0 ? r.rc : r.out.getUint32(4, true);
};

export const bindInterdomain = (g: Guest, remoteDom: number, remotePort: number): number => {
  const r = evtchnOp(
    g,
    A.EVTCHNOP_bind_interdomain,
    struct(12, [
      [0, 2, remoteDom],
      [4, 4, remotePort],
    ]),
  );
  return r.rc < 0 ? r.rc : r.out.getUint32(8, true);
};

export const bindVirq = (g: Guest, virq: number, vcpu: number): number => {
  const r = evtchnOp(
    g,
    A.EVTCHNOP_bind_virq,
    struct(12, [
      [0, 4, virq],
      [4, 4, vcpu],
    ]),
  );
  return r.rc < 0 ? r.rc : r.out.getUint32(8, true);
};

export const bindIpi = (g: Guest, vcpu: number): number => {
  const r = evtchnOp(g, A.EVTCHNOP_bind_ipi, struct(8, [[0, 4, vcpu]]));
  return r.rc < 0 ? r.rc : r.out.getUint32(4, true);
};

export const close = (g: Guest, port: number): number =>
  evtchnOp(g, A.EVTCHNOP_close, struct(4, [[0, 4, port]])).rc;
export const send = (g: Guest, port: number): number =>
  evtchnOp(g, A.EVTCHNOP_send, struct(4, [[0, 4, port]])).rc;
export const unmask = (g: Guest, port: number): number =>
  evtchnOp(g, A.EVTCHNOP_unmask, struct(4, [[0, 4, port]])).rc;
export const bindVcpu = (g: Guest, port: number, vcpu: number): number =>
  evtchnOp(
    g,
    A.EVTCHNOP_bind_vcpu,
    struct(8, [
      [0, 4, port],
      [4, 4, vcpu],
    ]),
  ).rc;
export const reset = (g: Guest, dom: number): number =>
  evtchnOp(g, A.EVTCHNOP_reset, struct(2, [[0, 2, dom]])).rc;

export interface StatusOut {
  status: number;
  vcpu: number;
  u16: number;
  u32lo: number;
  u32hi: number;
}

/** EVTCHNOP_status: negative errno, or the OUT fields (union read both ways). */
export function status(g: Guest, dom: number, port: number): number | StatusOut {
  const r = evtchnOp(
    g,
    A.EVTCHNOP_status,
    struct(24, [
      [0, 2, dom],
      [4, 4, port],
    ]),
  );
  if (r.rc < 0) return r.rc;
  const o = r.out;
  return {
    status: o.getUint32(8, true),
    vcpu: o.getUint32(12, true),
    u16: o.getUint16(16, true),
    u32lo: o.getUint32(16, true),
    u32hi: o.getUint32(20, true),
  };
}
