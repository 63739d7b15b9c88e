import { Domain, DomainConfig } from './domain/domain';
import type { ConsoleSink } from './domain/console-sink';
import type { Vcpu } from './domain/vcpu';
import type { GuestPhysicalMemory } from './mem/guest-physical-memory';
import { XenCoreError } from './errors';
import { EventChannelOptions, EventChannels } from './events/event-channels';
import { GrantTableOptions, GrantTables } from './grants/grant-tables';
import { destroyDomainMemory } from './mm/domain-teardown';
import { GuestAccess } from './mm/guest-access';
import { HostMemory } from './mm/host-memory';
import { DomainLookup, PvMmu } from './mm/pv-mmu';
import type { HypercallContext } from './hypercall/context';
import { createDefaultHypercallTable } from './hypercall/default-table';
import { dispatchHypercall } from './hypercall/dispatch';
import type { RegisterFile } from './hypercall/registers';
import type { HypercallTable } from './hypercall/table';
import { DEFAULT_VERSION_INFO, XenVersionInfo } from './hypercall/handlers/xen-version';
import { DEFAULT_HYPERCALL_WORK_BUDGET } from './hypercall/preemption';
import { DOMID_FIRST_RESERVED } from './public/xen';

export interface XenSystemOptions {
  version?: Partial<XenVersionInfo>;
  hypercalls?: HypercallTable;
  events?: EventChannelOptions;
  grants?: GrantTableOptions;
  /** Entries a long hypercall handles per invocation before it continues itself. */
  hypercallWorkBudget?: number;
}

/** One emulated host: its memory, MMU, domains, event channels, grant tables and hypercall table. */
export class XenSystem implements DomainLookup {
  readonly host: HostMemory;
  readonly mmu: PvMmu;
  readonly events: EventChannels;
  readonly grants: GrantTables;
  readonly version: XenVersionInfo;
  readonly hypercalls: HypercallTable;
  /** Entries a long hypercall handles per invocation before continuing (tests make it small). */
  hypercallWorkBudget: number;
  private readonly domains = new Map<number, Domain>();

  constructor(mem: GuestPhysicalMemory, opts: XenSystemOptions = {}) {
    this.host = new HostMemory(mem);
    this.mmu = new PvMmu(this.host, this);
    this.events = new EventChannels(mem, this, opts.events);
    this.grants = new GrantTables(this.mmu, this, opts.grants);
    this.version = { ...DEFAULT_VERSION_INFO, ...opts.version };
    this.hypercalls = opts.hypercalls ?? createDefaultHypercallTable();
    this.hypercallWorkBudget = Math.max(1, opts.hypercallWorkBudget ?? DEFAULT_HYPERCALL_WORK_BUDGET);
  }

  get(id: number): Domain | undefined {
    return this.domains.get(id);
  }

  get allDomains(): Domain[] {
    return [...this.domains.values()];
  }

  createDomain(cfg: Omit<DomainConfig, 'console'> & { console: ConsoleSink }): Domain {
    if (!Number.isInteger(cfg.id) || cfg.id < 0 || cfg.id >= DOMID_FIRST_RESERVED) {
      throw new XenCoreError('BAD_DOMID', `domain id ${cfg.id} is reserved or invalid`);
    }
    if (this.domains.has(cfg.id)) throw new XenCoreError('DOMAIN_EXISTS', `domain ${cfg.id} exists`);
    const d = new Domain(cfg);
    this.domains.set(d.id, d);
    this.host.registerAccount(d);
    return d;
  }

  destroyDomain(id: number): void {
    const d = this.domains.get(id);
    if (!d) return;
    this.events.domainDestroyed(id);
    this.grants.domainDestroyed(id);
    destroyDomainMemory(this.mmu, d);
    this.host.unregisterAccount(id);
    this.domains.delete(id);
  }

  /** A hypercall context for `vcpu` of `domain`: guest copies go through its kernel page tables. */
  context(domain: Domain, vcpu: Vcpu = domain.vcpus[0]): HypercallContext {
    const { mem, frames } = this.host;
    return {
      sys: this,
      mmu: this.mmu,
      domain,
      vcpu,
      guest: new GuestAccess(mem, frames.nrFrames, () => vcpu.guestTable),
      effects: [],
      inMulticall: false,
      workDone: 0,
    };
  }

  /** Run the hypercall in `regs` for `vcpu`; returns the MM effects the CPU must apply. */
  hypercall(domain: Domain, vcpu: Vcpu, regs: RegisterFile): HypercallContext['effects'] {
    const ctx = this.context(domain, vcpu);
    dispatchHypercall(this.hypercalls, ctx, regs);
    return ctx.effects;
  }
}
