/**
 * One emulated host running PV domains: machine memory (x86-core's PhysicalMemory), the XenSystem
 * (MM, builder, hypercall table), one host CPU, and Xen's credit scheduler (sched/) over the vCPUs of
 * all domains. `run(budget)` executes guests until the instruction budget is used or nothing is
 * runnable (every vCPU blocked, down, or its domain shut down); `whenRunnable()` resolves when a
 * blocked vCPU is woken by input. Blocked vCPUs are never run. When every live vCPU is blocked and a
 * timer is pending, `idleTime` decides how time passes (see timers.ts): `jump` advances the clock to
 * the deadline at once; `realtime` returns `idle` with `sleepNs` and, on the next `run`, advances the
 * clock by the real time that elapsed.
 */
import { buildDomain, type BuildResult } from '../builder/domain-builder';
import { XenCoreError } from '../errors';
import { PGT_writable_page } from '../mm/frame-table';
import { hostCaller } from '../events/event-channels';
import { X86CoreMemory } from '../mem/x86-core-adapter';
import { XenSystem } from '../xen-system';
import { requestShutdown, writeDomainEntries, type ShutdownRequest } from '../xenstore/domain-layout';
import { domainPath } from '../xenstore/paths';
import { XenstoreService } from '../xenstore/service';
import { GDT_LIMIT, RUNSTATE_blocked, RUNSTATE_offline, RUNSTATE_running, RUNSTATE_runnable } from './abi';
import { ConsoleBackend, type ConsoleBackendOptions } from './console/console-backend';
import { ConsoleRing } from './console/console-ring';
import { pvCpuid } from './cpuid-policy';
import { archOf, execOf, registerExec, type ExecEnv } from './env';
import { ExecDomain } from './exec-domain';
import { createPvHypercallTable } from './hypercalls/pv-table';
import { loadActiveRoot } from './mode';
import { SharedXenPages } from './perdomain';
import { setRunstate, updatePvclock, writeRunstateArea } from './runstate';
import type { ArchVcpu } from './vcpu-arch';
import { writeWallclock } from './vcpu-info';
import { VcpuRunner } from './vcpu-runner';
import { startVcpu } from './vcpu-start';
import { earliestDeadline, fireDueTimers, HostClock } from './timers';
import { CreditScheduler, type CreditSchedulerOptions } from '../sched/credit-scheduler';
import { validateParams } from '../sched/credit-params';
import { PhysicalMemory, PvCpu } from './x86/pv-cpu';

export interface PvHostOptions {
  /** Host machine memory (default 64 MiB). */
  memoryMiB?: number;
  /** Instructions a vCPU runs before the scheduler moves on (default 2,000,000). */
  sliceInstructions?: number;
  /** Credit scheduler accounting period and BOOST slice, in instructions (= ns); see sched/. */
  scheduler?: Pick<CreditSchedulerOptions, 'periodNs' | 'boostSliceNs'>;
  /** Where hypervisor log lines go (default: kept in `logLines`, last 500). */
  log?: (line: string) => void;
  /** Trace every guest exit (very verbose; for debugging). */
  trace?: (line: string) => void;
  /** Run xenstored for the domains (default true). Without it, domains get store_evtchn 0. */
  xenstore?: boolean;
  /** How time passes while every vCPU is blocked (default `jump`: deterministic). */
  idleTime?: 'jump' | 'realtime';
}

export interface CreateDomainOptions {
  id?: number;
  /** xenstore `name` (default `d<id>`). */
  name?: string;
  image: Uint8Array;
  memoryMiB: number;
  maxMemoryMiB?: number;
  vcpus?: number;
  cmdline?: string;
  ramdisk?: Uint8Array;
  console?: ConsoleBackendOptions;
  /** Wallclock at system time 0 (default: now). */
  wallclockNs?: bigint;
  /** Create the domain paused: vCPU0 stays down until `unpause()` (default false). */
  paused?: boolean;
  /** Credit scheduler weight (default 256) and cap (% of a pCPU, 0 = none). */
  weight?: number;
  cap?: number;
}

export type HostRunReason = 'budget' | 'idle' | 'halted';

export interface HostRunResult {
  /** budget: used up; idle: every live vCPU is blocked; halted: no domain can run any more. */
  reason: HostRunReason;
  instructions: number;
  /** idle in realtime mode: ns of system time until the earliest timer (undefined = none pending). */
  sleepNs?: number;
}

export interface PvDomain {
  exec: ExecDomain;
  /** What the domain builder produced; undefined for a domain restored from a snapshot. */
  built?: BuildResult;
}

/** A domain createDomain built (not restored). */
export type BuiltPvDomain = PvDomain & { built: BuildResult };

/** The control domain: TypeScript backends own their event-channel ports in its (host-side) table. */
export const CONTROL_DOMID = 0;

export class PvHost implements ExecEnv {
  readonly memory: PhysicalMemory;
  readonly sys: XenSystem;
  readonly cpu: PvCpu;
  readonly xenPages: SharedXenPages;
  readonly domains = new Map<number, PvDomain>();
  /** xenstored (in the control domain), unless disabled. */
  readonly xenstore: XenstoreService | undefined;
  readonly logLines: string[] = [];
  current: ArchVcpu | undefined;
  readonly clock: HostClock;
  readonly idleTime: 'jump' | 'realtime';
  readonly timerVcpus = (): ArchVcpu[] => this.vcpuList;
  readonly trace: ((line: string) => void) | undefined;
  readonly sched: CreditScheduler;
  private readonly runner: VcpuRunner;
  private readonly logFn: ((line: string) => void) | undefined;
  private waiters: Array<() => void> = [];
  private vcpuList: ArchVcpu[] = [];
  /** realtime mode: real time (ms) and system time when the host went idle. */
  private idleSince: { realMs: number; ns: bigint } | undefined;

  constructor(opts: PvHostOptions = {}) {
    this.memory = new PhysicalMemory((opts.memoryMiB ?? 64) * 1024 * 1024);
    this.sys = new XenSystem(new X86CoreMemory(this.memory), { hypercalls: createPvHypercallTable() });
    this.cpu = new PvCpu(this.memory, {
      cpuid: (leaf, subleaf, out) => {
        const v = this.current;
        const r = pvCpuid(leaf, subleaf, {
          vcpuId: v?.id ?? 0,
          nrVcpus: v?.dom.vcpus.length ?? 1,
          xenMajor: this.sys.version.major,
          xenMinor: this.sys.version.minor,
          physAddrBits: this.cpu.physAddrBits,
        });
        for (let k = 0; k < 4; k++) out[k] = r[k] | 0;
        return true;
      },
    });
    this.clock = new HostClock(this.cpu);
    this.idleTime = opts.idleTime ?? 'jump';
    this.xenPages = new SharedXenPages(this.sys.host);
    this.sys.events.registerHostDomain(CONTROL_DOMID);
    this.xenstore =
      opts.xenstore === false ? undefined : new XenstoreService(this.sys, { domid: CONTROL_DOMID });
    this.sys.events.hooks = {
      kick: (_d, vcpu) => {
        const a = archOf(vcpu);
        if (a) this.kick(a);
      },
      portPending: (d, port) => {
        for (const a of execOf(d)?.vcpus ?? []) if (a.pollPorts?.includes(port)) this.kick(a);
      },
    };
    this.runner = new VcpuRunner(this);
    this.sched = new CreditScheduler({
      nrPcpus: 1,
      sliceNs: opts.sliceInstructions ?? 2_000_000,
      periodNs: opts.scheduler?.periodNs ?? 30_000_000,
      boostSliceNs: opts.scheduler?.boostSliceNs,
    });
    this.logFn = opts.log;
    this.trace = opts.trace;
  }

  log(line: string): void {
    if (this.logFn) this.logFn(line);
    this.logLines.push(line);
    if (this.logLines.length > 500) this.logLines.shift();
  }

  /** An event for `a`: wake it from SCHEDOP_block/poll, and the host loop if it was idle. */
  private kick(a: ArchVcpu): void {
    if (a.blocked) this.sched.wake(a);
    a.dom.kick(a);
    this.wake();
  }

  /**
   * Build a domain from a PV ELF image; vCPU0 is online at the entry point. As libxl does, the
   * xenstore and console ports are allocated first (unbound, for the control domain: ports 1 and 2);
   * the console backend binds its end of the console port.
   */
  createDomain(o: CreateDomainOptions): BuiltPvDomain {
    const id = o.id ?? this.nextDomainId();
    if (id === CONTROL_DOMID) throw new XenCoreError('BAD_DOMID', 'domain 0 is the control domain');
    validateParams({ weight: o.weight, cap: o.cap }, this.sched.nrPcpus);
    const console = new ConsoleBackend(o.console);
    const nrPages = Math.round(o.memoryMiB * 256);
    const d = this.sys.createDomain({
      id,
      maxPages: Math.round((o.maxMemoryMiB ?? o.memoryMiB) * 256),
      nrVcpus: o.vcpus ?? 1,
      console,
    });
    const ctl = hostCaller(CONTROL_DOMID);
    let built: BuildResult;
    let consolePort = 0;
    let storePort = 0;
    try {
      // As libxl: the xenstore port first (1), then the console's (2), both unbound for dom0.
      storePort = this.xenstore ? this.xenstore.allocStorePort(d) : 0;
      consolePort = this.sys.events.allocUnbound(ctl, id, CONTROL_DOMID);
      if (storePort < 0 || consolePort < 0)
        throw new XenCoreError('NO_PORTS', 'cannot allocate the ring ports');
      built = buildDomain(this.sys.mmu, d, {
        image: o.image,
        nrPages,
        cmdline: o.cmdline,
        ramdisk: o.ramdisk,
        storeEvtchn: storePort,
        consoleEvtchn: consolePort,
      });
    } catch (e) {
      this.sys.destroyDomain(id);
      throw e;
    }
    // grant_table_init(): Xen gives every domain its initial grant frames at creation. (The grant
    // layer would otherwise create them lazily on first use — possibly by another domain's map.)
    this.sys.grants.table(id);
    const exec = new ExecDomain(this, d, console);
    registerExec(exec);
    const v0 = exec.vcpus[0];
    v0.initialised = true;
    v0.online = o.paused !== true;
    v0.start = { kind: 'boot', regs: built.regs };
    setRunstate(v0, RUNSTATE_runnable, this.cpu.tsc());
    exec.consolePort = consolePort;
    exec.storePort = storePort;
    exec.startInfoMfn = built.startInfoMfn;
    exec.consoleMfn = built.consoleMfn;
    exec.storeMfn = built.storeMfn;
    const w = built.layout.p2mWindow;
    exec.p2mList = { pfn: w ? w.pfn : built.layout.p2mPfn!, entries: nrPages };
    this.connectConsole(exec);
    writeWallclock(this.sys.host.mem, exec.sharedInfoMaddr, o.wallclockNs ?? BigInt(Date.now()) * 1_000_000n);
    if (this.xenstore) {
      // libxl's sequence: reserved grants for the rings, the domain's store entries, XS_INTRODUCE.
      this.sys.grants.seedReserved(d, { consoleMfn: built.consoleMfn, storeMfn: built.storeMfn });
      writeDomainEntries(this.xenstore.client, {
        domid: id,
        name: o.name ?? `d${id}`,
        memoryKiB: nrPages * 4,
        vcpus: d.vcpus.length,
        console: { ringRef: built.consoleMfn, port: consolePort },
        store: { ringRef: built.storeMfn, port: storePort },
      });
      this.xenstore.client.introduce(id, built.storeMfn, storePort);
    }
    const dom = { exec, built };
    this.adopt(dom);
    this.schedule(id, { weight: o.weight, cap: o.cap });
    this.log(
      `d${id}: built ${built.info.guestOs || 'guest'} with ${nrPages} pages, ${d.vcpus.length} vCPU(s)`,
    );
    return dom;
  }

  /**
   * Bind the console backend to the guest's console port (which must be unbound, accepting the
   * control domain) and its ring page; used when a domain is built and when one is restored.
   */
  connectConsole(exec: ExecDomain): void {
    const ctl = hostCaller(CONTROL_DOMID);
    const console = exec.console;
    const rc = this.sys.mmu.types.getPageAndType(exec.consoleMfn, exec.id, PGT_writable_page);
    if (rc !== 0)
      throw new XenCoreError('BAD_RING', `the console ring frame cannot be typed writable (${rc})`);
    exec.consoleRingRef = exec.consoleMfn;
    const port = this.sys.events.bindInterdomain(ctl, exec.id, exec.consolePort, () => console.service());
    if (port < 0) throw new XenCoreError('NO_PORTS', `cannot bind the console port (${port})`);
    exec.consoleBackendPort = port;
    console.attach(new ConsoleRing(this.sys.host.mem, exec.consoleMfn), () => {
      if (exec.consoleBackendPort > 0) this.sys.events.send(ctl, exec.consoleBackendPort);
    });
    console.onInput = () => this.wake();
  }

  /** Make a domain the host's (destroyDomain then tears it down); not yet scheduled. */
  adopt(dom: PvDomain): void {
    this.domains.set(dom.exec.id, dom);
  }

  /** Hand an adopted domain's vCPUs to the scheduler. */
  schedule(id: number, params: { weight?: number; cap?: number }): void {
    const exec = this.domains.get(id)!.exec;
    this.sched.addDomain(id, params);
    for (const v of exec.vcpus) this.sched.addVcpu(id, v);
    this.vcpuList = this.allVcpus;
  }

  /** Tear a domain down: execution state, memory, console stream. */
  destroyDomain(id: number): void {
    const dom = this.domains.get(id);
    if (!dom) return;
    const exec = dom.exec;
    if (this.current?.dom === exec) this.current = undefined;
    if (this.xenstore) {
      // A domain whose restore failed may not have been introduced yet.
      if (this.xenstore.client.isDomainIntroduced(id)) this.xenstore.client.release(id);
      this.xenstore.client.rm(domainPath(id));
    }
    exec.releaseGuestReferences();
    if (exec.consoleBackendPort > 0)
      this.sys.events.close(hostCaller(CONTROL_DOMID), exec.consoleBackendPort);
    this.sys.destroyDomain(id);
    exec.area.release();
    exec.console.end();
    this.domains.delete(id);
    this.sched.removeDomain(id);
    this.vcpuList = this.allVcpus;
  }

  /** The lowest domain id not in use. */
  freeDomainId(): number {
    return this.nextDomainId();
  }

  private nextDomainId(): number {
    let id = 1;
    while (this.domains.has(id) || this.sys.get(id)) id++;
    return id;
  }

  private get allVcpus(): ArchVcpu[] {
    return [...this.domains.values()].flatMap((d) => d.exec.vcpus);
  }

  /** Run guests for up to `budget` instructions. */
  run(budget: number): HostRunResult {
    let left = budget;
    let instructions = 0;
    this.catchUpRealTime();
    while (left > 0) {
      const now = this.clock.now();
      fireDueTimers(this, this.vcpuList, now);
      let pick = this.sched.pick(now);
      if (pick.kind === 'idle') {
        // A backend (console input) may make a vCPU runnable.
        this.serviceBackends();
        pick = this.sched.pick(now);
      }
      if (pick.kind === 'idle') {
        const alive = this.vcpuList.some((x) => x.online && x.dom.shutdown === undefined);
        if (!alive) return { reason: 'halted', instructions };
        // The next thing that can happen: a timer, or a capped vCPU's next accounting period.
        const timer = earliestDeadline(this.vcpuList);
        const unpark = pick.untilNs;
        const deadline =
          timer === undefined ? unpark : unpark === undefined || timer < unpark ? timer : unpark;
        // realtime: guest time follows real time until the next run().
        if (this.idleTime === 'realtime') this.idleSince = { realMs: performance.now(), ns: now };
        if (deadline === undefined) return { reason: 'idle', instructions };
        if (this.idleTime === 'jump') {
          // Nobody runs until the deadline: let virtual time jump there (counts as one unit).
          this.clock.advanceTo(deadline);
          left--;
          continue;
        }
        return { reason: 'idle', instructions, sleepNs: Math.max(0, Number(deadline - now)) };
      }
      const v = pick.vcpu as ArchVcpu;
      try {
        this.switchTo(v);
        const r = this.runner.runSlice(v, Math.min(left, pick.sliceNs));
        left -= r.cost;
        instructions += r.instructions;
        this.sched.charge(v, r.cost, this.clock.now());
        if (v.stop === 'yield') this.sched.yield(v);
        if (!v.online || v.blocked)
          setRunstate(v, v.online ? RUNSTATE_blocked : RUNSTATE_offline, this.cpu.tsc());
      } catch (e) {
        // Only reachable through a hypervisor bug (runSlice catches everything a guest causes).
        const err = e as Error;
        this.log(`d${v.dom.id}v${v.id}: internal error scheduling the vCPU: ${err.stack ?? err}`);
        v.dom.crash(`hypervisor error: ${err.message}`);
        left--;
      }
      this.serviceBackends();
    }
    return { reason: 'budget', instructions };
  }

  /** realtime mode: the host slept; advance system time by the real time that passed. */
  private catchUpRealTime(): void {
    const idle = this.idleSince;
    this.idleSince = undefined;
    if (!idle || this.idleTime !== 'realtime') return;
    const elapsedNs = BigInt(Math.max(0, Math.floor((performance.now() - idle.realMs) * 1e6)));
    this.clock.advanceTo(idle.ns + elapsedNs);
  }

  /** Resolves when a vCPU may have become runnable (console input, an event). */
  whenRunnable(): Promise<void> {
    if (this.sched.hasPickable()) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** Something may be runnable again. */
  wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  private serviceBackends(): void {
    for (const d of this.domains.values()) d.exec.console.service();
  }

  /** Every frame reference held outside page tables, pins and roots (grant maps, GDT/LDT, vcpu_info). */
  heldReferences(): Array<{ mfn: number; count: number; typeCount: number }> {
    return [
      ...this.sys.grants.heldReferences(),
      ...(this.xenstore?.heldReferences() ?? []),
      ...[...this.domains.values()].flatMap((d) => d.exec.heldReferences()),
    ];
  }

  /** Ask the guest to shut down cleanly (xenstore control/shutdown, as `xl shutdown` does). */
  requestShutdown(id: number, what: ShutdownRequest = 'poweroff'): boolean {
    if (!this.xenstore || !this.domains.has(id)) return false;
    requestShutdown(this.xenstore.client, id, what);
    return true;
  }

  /** Let a paused domain's vCPU0 run. */
  unpause(id: number): void {
    const v = this.domains.get(id)?.exec.vcpus[0];
    if (v && v.initialised) v.online = true;
    this.wake();
  }

  /** Put `v` on the CPU (for embedders and tests that inspect or change its registers). */
  enter(v: ArchVcpu): void {
    this.switchTo(v);
  }

  /** Put `v` on the CPU: save the previous vCPU, restore (or first build) this one. */
  private switchTo(v: ArchVcpu): void {
    const now = this.cpu.tsc();
    const prev = this.current;
    if (prev !== v) {
      if (prev) {
        this.cpu.save(prev.cpuState);
        const state = !prev.online ? RUNSTATE_offline : prev.blocked ? RUNSTATE_blocked : RUNSTATE_runnable;
        setRunstate(prev, state, now);
        writeRunstateArea(this, prev);
      }
      this.current = v;
      if (v.start) startVcpu(this, v);
      else {
        this.cpu.restore(v.cpuState);
        loadActiveRoot(this, v);
        this.cpu.setGdt(v.dom.area.gdtVa(v.id), GDT_LIMIT);
      }
    }
    if (v.runstateState !== RUNSTATE_running) setRunstate(v, RUNSTATE_running, now);
    updatePvclock(this, v);
    writeRunstateArea(this, v);
  }
}
