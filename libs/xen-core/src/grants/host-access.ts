import { PAGE_SIZE } from '../public/page';
import { GNTMAP_device_map, GNTMAP_readonly, GNTST_okay } from './abi';
import type { GrantTables } from './grant-tables';

/**
 * A granted frame mapped for a TypeScript backend of the control domain: a device-style mapping
 * (GNTMAP_device_map, so the page reference and writable type reference are held exactly as for a
 * real backend's mapping) accessed through host memory. Out-of-page accesses throw RangeError
 * (a backend bug); writes through a read-only mapping throw too.
 */
export class GrantedFrame {
  private live = true;

  constructor(
    private readonly grants: GrantTables,
    readonly mapperDomid: number,
    readonly granter: number,
    readonly ref: number,
    readonly handle: number,
    readonly mfn: number,
    readonly readonly: boolean,
  ) {}

  get mapped(): boolean {
    return this.live;
  }

  private addr(offset: number, length: number): number {
    if (!this.live) throw new Error(`grant d${this.granter}:${this.ref} is unmapped`);
    if (!Number.isInteger(offset) || offset < 0 || length < 0 || offset + length > PAGE_SIZE) {
      throw new RangeError(`grant access ${offset}+${length} outside the page`);
    }
    return this.mfn * PAGE_SIZE + offset;
  }

  read(offset: number, length: number): Uint8Array {
    return this.grants.mmu.host.mem.readBytes(this.addr(offset, length), length);
  }

  readU32(offset: number): number {
    return this.grants.mmu.host.mem.readU32(this.addr(offset, 4));
  }

  write(offset: number, data: Uint8Array): void {
    if (this.readonly) throw new Error(`grant d${this.granter}:${this.ref} is mapped read-only`);
    this.grants.mmu.host.mem.writeBytes(this.addr(offset, data.length), data);
  }

  writeU32(offset: number, value: number): void {
    if (this.readonly) throw new Error(`grant d${this.granter}:${this.ref} is mapped read-only`);
    this.grants.mmu.host.mem.writeU32(this.addr(offset, 4), value);
  }

  /** GNTTABOP_unmap_grant_ref by dev_bus_addr; returns the GNTST status. */
  unmap(): number {
    if (!this.live) return GNTST_okay;
    const status = this.grants.unmap(
      { domid: this.mapperDomid },
      { hostAddr: 0n, devBusAddr: BigInt(this.mfn) * BigInt(PAGE_SIZE), handle: this.handle },
    );
    if (status === GNTST_okay) this.live = false;
    return status;
  }
}

export type HostMapResult = { ok: true; frame: GrantedFrame } | { ok: false; status: number };

/** Map grant `ref` of `granter` for the TypeScript backend acting as `mapperDomid`. */
export function mapGrantForHost(
  grants: GrantTables,
  mapperDomid: number,
  granter: number,
  ref: number,
  opts: { readonly?: boolean } = {},
): HostMapResult {
  const ro = opts.readonly ?? false;
  const r = grants.map(
    { domid: mapperDomid },
    { hostAddr: 0n, flags: GNTMAP_device_map | (ro ? GNTMAP_readonly : 0), ref, dom: granter },
  );
  if (r.status !== GNTST_okay) return { ok: false, status: r.status };
  const mfn = Number(r.devBusAddr / BigInt(PAGE_SIZE));
  return { ok: true, frame: new GrantedFrame(grants, mapperDomid, granter, ref, r.handle, mfn, ro) };
}
