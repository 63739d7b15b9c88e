import { buildDomain, BuildResult } from '../../src/builder/domain-builder';
import { BufferedConsoleSink } from '../../src/domain/console-sink';
import type { Domain } from '../../src/domain/domain';
import type { HypercallContext } from '../../src/hypercall/context';
import { dispatchHypercall } from '../../src/hypercall/dispatch';
import { SimpleRegisterFile } from '../../src/hypercall/registers';
import { ArrayPhysicalMemory } from '../../src/mem/guest-physical-memory';
import { auditMemory } from '../../src/mm/audit';
import * as L from '../../src/public/layout';
import { XenSystem, XenSystemOptions } from '../../src/xen-system';
import { xtfImage } from '../helpers/images';

/** A built guest plus the conveniences tests need to make hypercalls from it. */
export interface Guest {
  sys: XenSystem;
  d: Domain;
  built: BuildResult;
  ctx: HypercallContext;
  /** A free, mapped, writable page of the guest (hypercall argument buffers). */
  scratch: bigint;
  /** VA and MFN of the n-th unused page inside the initial mapping. */
  spareVa(n: number): bigint;
  spareMfn(n: number): number;
}

export interface GuestSpec {
  id: number;
  privileged?: boolean;
  nrVcpus?: number;
  nrPages?: number;
}

/** A host with the given guests, each built from the XTF-shaped test image. */
export function makeGuests(specs: GuestSpec[], opts: XenSystemOptions = {}, hostMiB = 32): Guest[] {
  const sys = new XenSystem(new ArrayPhysicalMemory(hostMiB << 20), opts);
  const console = new BufferedConsoleSink();
  return specs.map((s) => {
    const nrPages = s.nrPages ?? 1024;
    const d = sys.createDomain({
      id: s.id,
      maxPages: nrPages + 64,
      console,
      nrVcpus: s.nrVcpus,
      privileged: s.privileged,
    });
    const built = buildDomain(sys.mmu, d, { image: xtfImage(), nrPages });
    const l = built.layout;
    const va = (pfn: number): bigint => l.virtBase + BigInt(pfn) * 4096n;
    const first = l.stackPfn + 2;
    return {
      sys,
      d,
      built,
      ctx: sys.context(d),
      scratch: va(first),
      spareVa: (n) => va(first + 1 + n),
      spareMfn: (n) => built.p2m[first + 1 + n],
    };
  });
}

/** Make hypercall `nr` from guest `g`; returns RAX as a signed number. */
export function hcall(g: Guest, nr: number, ...args: Array<bigint | number>): number {
  const [rdi, rsi, rdx, r10, r8] = args.map((a) => BigInt(a));
  const regs = new SimpleRegisterFile({ rax: BigInt(nr), rdi, rsi, rdx, r10, r8 });
  g.ctx.effects.length = 0;
  dispatchHypercall(g.sys.hypercalls, g.ctx, regs);
  return Number(BigInt.asIntN(64, regs.get('rax')));
}

/** Little-endian struct builder for hypercall arguments. */
export function struct(
  size: number,
  fields: Array<[offset: number, bytes: 1 | 2 | 4 | 8, value: number | bigint]>,
): Uint8Array {
  const b = new Uint8Array(size);
  const dv = new DataView(b.buffer);
  for (const [o, n, v] of fields) {
    if (n === 1) dv.setUint8(o, Number(v));
    else if (n === 2) dv.setUint16(o, Number(v), true);
    else if (n === 4) dv.setUint32(o, Number(BigInt.asUintN(32, BigInt(v))), true);
    else dv.setBigUint64(o, BigInt.asUintN(64, BigInt(v)), true);
  }
  return b;
}

export function put(g: Guest, va: bigint, bytes: Uint8Array): void {
  if (!g.ctx.guest.write(va, bytes)) throw new Error(`cannot write guest VA ${va.toString(16)}`);
}

export function get(g: Guest, va: bigint, len: number): DataView {
  const b = g.ctx.guest.read(va, len);
  if (!b) throw new Error(`cannot read guest VA ${va.toString(16)}`);
  return new DataView(b.buffer);
}

/**
 * The guest's view of its shared_info, and Linux's 2-level upcall handler
 * (xen_evtchn_do_upcall / evtchn_2l_handle_events).
 */
export class GuestEvents {
  constructor(private readonly g: Guest) {}

  private get mem() {
    return this.g.sys.host.mem;
  }
  private get sh(): number {
    return this.g.d.sharedInfoMfn * 4096;
  }
  private vi(vcpu: number): number {
    return this.g.d.vcpus[vcpu].vcpuInfoMaddr ?? this.sh + L.SH_VCPU_INFO + vcpu * L.VCPU_INFO_SIZE;
  }
  private bit(base: number, n: number): boolean {
    return (this.mem.readU8(base + (n >> 3)) & (1 << (n & 7))) !== 0;
  }
  private setBit(base: number, n: number, on: boolean): void {
    const a = base + (n >> 3);
    const v = this.mem.readU8(a);
    this.mem.writeU8(a, on ? v | (1 << (n & 7)) : v & ~(1 << (n & 7)));
  }

  pending(port: number): boolean {
    return this.bit(this.sh + L.SH_EVTCHN_PENDING, port);
  }
  masked(port: number): boolean {
    return this.bit(this.sh + L.SH_EVTCHN_MASK, port);
  }
  /** The guest masks a port itself (no hypercall). */
  mask(port: number, on = true): void {
    this.setBit(this.sh + L.SH_EVTCHN_MASK, port, on);
  }
  clearPending(port: number): void {
    this.setBit(this.sh + L.SH_EVTCHN_PENDING, port, false);
  }
  sel(vcpu = 0): bigint {
    return this.mem.readU64(this.vi(vcpu) + L.VI_EVTCHN_PENDING_SEL);
  }
  upcallPending(vcpu = 0): number {
    return this.mem.readU8(this.vi(vcpu) + L.VI_EVTCHN_UPCALL_PENDING);
  }
  upcallMask(vcpu = 0): number {
    return this.mem.readU8(this.vi(vcpu) + L.VI_EVTCHN_UPCALL_MASK);
  }
  setUpcallMask(on: boolean, vcpu = 0): void {
    this.mem.writeU8(this.vi(vcpu) + L.VI_EVTCHN_UPCALL_MASK, on ? 1 : 0);
  }
  setUpcallPending(v: number, vcpu = 0): void {
    this.mem.writeU8(this.vi(vcpu) + L.VI_EVTCHN_UPCALL_PENDING, v);
  }
  setSel(v: bigint, vcpu = 0): void {
    this.mem.writeU64(this.vi(vcpu) + L.VI_EVTCHN_PENDING_SEL, v);
  }

  /** The guest's event handler: clear upcall_pending, take pending_sel, handle pending & ~mask. */
  handleUpcall(vcpu = 0): number[] {
    const vi = this.vi(vcpu);
    this.mem.writeU8(vi + L.VI_EVTCHN_UPCALL_PENDING, 0);
    const sel = this.mem.readU64(vi + L.VI_EVTCHN_PENDING_SEL);
    this.mem.writeU64(vi + L.VI_EVTCHN_PENDING_SEL, 0n);
    const ports: number[] = [];
    for (let w = 0; w < 64; w++) {
      if (!((sel >> BigInt(w)) & 1n)) continue;
      for (let b = 0; b < 64; b++) {
        const p = w * 64 + b;
        if (this.pending(p) && !this.masked(p)) {
          this.clearPending(p);
          ports.push(p);
        }
      }
    }
    return ports;
  }
}

/** auditMemory with the references grant mappings hold. */
export function expectSoundWithGrants(sys: XenSystem): void {
  const errors = auditMemory(sys.host, sys.allDomains, sys.grants.heldReferences());
  if (errors.length > 0) throw new Error(`audit failed:\n${errors.slice(0, 20).join('\n')}`);
}
