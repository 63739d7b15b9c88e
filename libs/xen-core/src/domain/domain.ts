import type { MemoryAccount } from '../mm/host-memory';
import type { PtDomain } from '../mm/pt-domain';
import { VMASST_TYPE_m2p_strict, VMASST_TYPE_writable_pagetables } from '../public/xen';
import type { ConsoleSink } from './console-sink';
import { Vcpu } from './vcpu';

export interface E820Entry {
  addr: bigint;
  size: bigint;
  type: number;
}

export interface DomainConfig {
  id: number;
  maxPages: number;
  nrVcpus?: number;
  console: ConsoleSink;
  /** 16-byte handle (UUID) returned by XENVER_guest_handle. */
  handle?: Uint8Array;
  /** Pseudo-physical memory map for XENMEM_memory_map; absent → -ENOSYS. */
  e820?: E820Entry[];
  /** A control domain (dom0-like): XSM_TARGET operations may name other domains. Default false. */
  privileged?: boolean;
}

/** A PV domain: identity, reservation accounting, vCPUs and assists. */
export class Domain implements MemoryAccount, PtDomain {
  readonly id: number;
  totPages = 0;
  maxPages: number;
  readonly vcpus: Vcpu[];
  readonly vmAssist = new Set<number>();
  readonly console: ConsoleSink;
  readonly handle: Uint8Array;
  e820: E820Entry[] | undefined;
  readonly ioMemAccess = false;
  readonly privileged: boolean;
  /** Hypervisor-side record of populated PFNs (builder, populate_physmap). */
  readonly p2m = new Map<number, number>();
  sharedInfoMfn = 0;

  constructor(cfg: DomainConfig) {
    this.id = cfg.id;
    this.maxPages = cfg.maxPages;
    this.console = cfg.console;
    this.handle = cfg.handle ?? new Uint8Array(16);
    this.e820 = cfg.e820;
    this.privileged = cfg.privileged ?? false;
    this.vcpus = Array.from({ length: cfg.nrVcpus ?? 1 }, (_, i) => new Vcpu(i));
  }

  m2pStrict(): boolean {
    return this.vmAssist.has(VMASST_TYPE_m2p_strict);
  }

  writablePagetables(): boolean {
    return this.vmAssist.has(VMASST_TYPE_writable_pagetables);
  }
}
