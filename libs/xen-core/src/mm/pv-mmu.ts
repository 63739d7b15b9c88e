import type { Domain } from '../domain/domain';
import type { Vcpu } from '../domain/vcpu';
import { HYPERVISOR_VIRT_END } from '../public/xen';
import type { GuestAccess } from './guest-access';
import type { HostMemory } from './host-memory';
import { ALL, MmEffect } from './mm-effects';
import { PageTypes } from './page-types';

export interface DomainLookup {
  get(id: number): Domain | undefined;
}

/** The PV MMU of one host: frame references/types plus the domains they belong to. */
export class PvMmu {
  readonly types: PageTypes;

  constructor(
    readonly host: HostMemory,
    readonly domains: DomainLookup,
  ) {
    this.types = new PageTypes(host, (id) => domains.get(id));
  }
}

/** Everything one MM operation needs: who is asking, and where effects go. */
export interface MmContext {
  readonly mmu: PvMmu;
  readonly domain: Domain;
  readonly vcpu: Vcpu;
  readonly guest: GuestAccess;
  readonly effects: MmEffect[];
}

/** __addr_ok(): lower canonical half, or above the hypervisor hole. */
export function addrOk(va: bigint): boolean {
  const v = BigInt.asUintN(64, va);
  return v < 1n << 47n || v >= HYPERVISOR_VIRT_END;
}

/** Convert a guest-supplied 64-bit frame number; out-of-range values map to an invalid MFN. */
export function toMfn(v: bigint): number {
  const u = BigInt.asUintN(64, v);
  return u < 1n << 52n ? Number(u) : Number.MAX_SAFE_INTEGER;
}

/** Turn a pending "frame lost its writable type" into a domain-wide flush. */
export function drainTypeFlush(ctx: MmContext): void {
  if (ctx.mmu.types.flushNeeded) {
    ctx.mmu.types.flushNeeded = false;
    ctx.effects.push({ kind: 'tlb-flush', target: ALL });
  }
}
