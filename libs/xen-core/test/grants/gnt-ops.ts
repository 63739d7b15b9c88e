import * as G from '../../src/grants/abi';
import { __HYPERVISOR_grant_table_op } from '../../src/public/xen';
import { get, Guest, hcall, put, struct } from '../events/fixtures';

/** grant_table_op(cmd, scratch, count) with `arg` in the scratch page; returns rc and the struct(s) after. */
export function gntOp(g: Guest, cmd: number, arg: Uint8Array, count = 1): { rc: number; out: DataView } {
  put(g, g.scratch, arg);
  const rc = hcall(g, __HYPERVISOR_grant_table_op, cmd, g.scratch, count);
  return { rc, out: get(g, g.scratch, arg.length) };
}

export interface MapArgs {
  hostAddr?: bigint;
  flags: number;
  ref: number;
  dom: number;
}

export function mapRef(
  g: Guest,
  m: MapArgs,
): { rc: number; status: number; handle: number; devBusAddr: bigint } {
  const r = gntOp(
    g,
    G.GNTTABOP_map_grant_ref,
    struct(32, [
      [0, 8, m.hostAddr ?? 0n],
      [8, 4, m.flags],
      [12, 4, m.ref],
      [16, 2, m.dom],
      [20, 4, 0xdeadbeef],
    ]),
  );
  return {
    rc: r.rc,
    status: r.out.getInt16(18, true),
    handle: r.out.getUint32(20, true),
    devBusAddr: r.out.getBigUint64(24, true),
  };
}

export function unmapRef(g: Guest, u: { hostAddr?: bigint; devBusAddr?: bigint; handle: number }): number {
  const r = gntOp(
    g,
    G.GNTTABOP_unmap_grant_ref,
    struct(24, [
      [0, 8, u.hostAddr ?? 0n],
      [8, 8, u.devBusAddr ?? 0n],
      [16, 4, u.handle],
    ]),
  );
  return r.rc < 0 ? r.rc : r.out.getInt16(20, true);
}

export interface CopyArgs {
  src: { u: bigint | number; domid: number; offset: number };
  dst: { u: bigint | number; domid: number; offset: number };
  len: number;
  flags: number;
}

export function copyOp(g: Guest, c: CopyArgs): number {
  const r = gntOp(
    g,
    G.GNTTABOP_copy,
    struct(40, [
      [0, 8, BigInt(c.src.u)],
      [8, 2, c.src.domid],
      [10, 2, c.src.offset],
      [16, 8, BigInt(c.dst.u)],
      [24, 2, c.dst.domid],
      [26, 2, c.dst.offset],
      [32, 2, c.len],
      [34, 2, c.flags],
    ]),
  );
  return r.rc < 0 ? r.rc : r.out.getInt16(36, true);
}

/** The granter fills in a v1 entry (domid and frame, then flags), as a frontend would. */
export function grant(g: Guest, ref: number, domid: number, mfn: number, flags = G.GTF_permit_access): void {
  g.sys.grants.table(g.d.id)!.writeEntry(ref, flags, domid, mfn);
}

export const entryFlags = (g: Guest, ref: number): number => g.sys.grants.table(g.d.id)!.readEntry(ref).flags;
