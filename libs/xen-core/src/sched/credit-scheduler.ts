/**
 * Xen's credit scheduler (sched_credit.c), measured in nanoseconds of host time, where one retired
 * guest instruction is one ns (the 1 GHz TSC of timers.ts) — so CPU shares are shares of instructions.
 *
 * - Every accounting period each active domain earns `period × nrPcpus × weight / Σweights` credit
 *   (bounded by its cap), split evenly over its active vCPUs. A vCPU is active while it is runnable
 *   or has run during the period; idle domains earn nothing, so their share goes to the busy ones.
 * - Running is debited from the vCPU's credit (`charge`). Credit > 0 → UNDER, else OVER; UNDER runs
 *   before OVER. Credit is clamped to one period's worth above zero so an idle vCPU cannot hoard.
 * - A vCPU woken from block while UNDER is BOOSTed (runs before everyone else, once, for a short
 *   slice) — Xen's latency fix for I/O-bound domains.
 * - A capped domain that has used `cap% × period` in the current period is parked until the next
 *   period even if the CPU is otherwise idle (caps are not work-conserving).
 * - Ties are broken round-robin: the vCPU that was picked least recently goes first.
 */
import { XenCoreError } from '../errors';
import { DEFAULT_WEIGHT, validateParams, type CreditParams } from './credit-params';

/** What the scheduler needs from a vCPU: whether it could run now (online, not blocked, alive). */
export interface SchedVcpu {
  readonly runnable: boolean;
}

export const PRIO_BOOST = 0;
export const PRIO_UNDER = -1;
export const PRIO_OVER = -2;

export interface CreditSchedulerOptions {
  /** pCPUs whose time is distributed (default 1). */
  nrPcpus?: number;
  /** Accounting period in ns (default 30 ms, Xen's). */
  periodNs?: number;
  /** Longest time slice in ns (default 30 ms, Xen's tslice). */
  sliceNs?: number;
  /** Slice of a BOOSTed vCPU (default 1 ms, Xen's ratelimit). */
  boostSliceNs?: number;
}

interface VcpuEntry {
  readonly vcpu: SchedVcpu;
  readonly dom: DomainEntry;
  credit: number;
  boosted: boolean;
  /** SCHEDOP_yield: goes after every other eligible vCPU at the next pick (Xen's yield flag). */
  yielded: boolean;
  /** Ran during the current accounting period. */
  ranThisPeriod: boolean;
  /** Order of the last pick (round-robin tie break). */
  lastPicked: number;
  /** Total ns charged (the vCPU time `getInfo` reports). */
  cpuNs: number;
}

interface DomainEntry {
  readonly id: number;
  params: CreditParams;
  readonly vcpus: VcpuEntry[];
  /** ns used in the current accounting period (cap enforcement). */
  usedThisPeriod: number;
  /** Paused by the control domain (domain_pause): never picked, earns no credit. */
  paused: boolean;
}

export type SchedPick =
  | { kind: 'run'; vcpu: SchedVcpu; sliceNs: number }
  /** Nothing may run now; `untilNs` = when a capped vCPU is unparked (undefined: only a wake helps). */
  | { kind: 'idle'; untilNs: bigint | undefined };

export class CreditScheduler {
  readonly nrPcpus: number;
  readonly periodNs: number;
  readonly sliceNs: number;
  readonly boostSliceNs: number;
  private readonly domains = new Map<number, DomainEntry>();
  private readonly vcpus = new Map<SchedVcpu, VcpuEntry>();
  private nextAccounting: bigint | undefined;
  private picks = 0;

  constructor(opts: CreditSchedulerOptions = {}) {
    this.nrPcpus = opts.nrPcpus ?? 1;
    this.periodNs = opts.periodNs ?? 30_000_000;
    this.sliceNs = opts.sliceNs ?? 30_000_000;
    this.boostSliceNs = opts.boostSliceNs ?? 1_000_000;
    if (!(this.periodNs >= 1 && this.sliceNs >= 1 && this.boostSliceNs >= 1 && this.nrPcpus >= 1))
      throw new XenCoreError('BAD_SCHED_PARAM', 'scheduler periods, slices and pCPUs must be positive');
  }

  addDomain(id: number, params: Partial<CreditParams> = {}): void {
    if (this.domains.has(id)) throw new XenCoreError('DOMAIN_EXISTS', `domain ${id} is already scheduled`);
    validateParams(params, this.nrPcpus);
    this.domains.set(id, {
      id,
      params: { weight: params.weight ?? DEFAULT_WEIGHT, cap: params.cap ?? 0 },
      vcpus: [],
      usedThisPeriod: 0,
      paused: false,
    });
  }

  addVcpu(domid: number, vcpu: SchedVcpu): void {
    const dom = this.domain(domid);
    const e: VcpuEntry = {
      vcpu,
      dom,
      credit: 0,
      boosted: false,
      yielded: false,
      ranThisPeriod: false,
      lastPicked: 0,
      cpuNs: 0,
    };
    dom.vcpus.push(e);
    this.vcpus.set(vcpu, e);
  }

  removeDomain(id: number): void {
    const dom = this.domains.get(id);
    if (!dom) return;
    for (const e of dom.vcpus) this.vcpus.delete(e.vcpu);
    this.domains.delete(id);
  }

  params(id: number): CreditParams {
    return { ...this.domain(id).params };
  }

  setParams(id: number, p: Partial<CreditParams>): void {
    const dom = this.domain(id);
    validateParams(p, this.nrPcpus);
    dom.params = { weight: p.weight ?? dom.params.weight, cap: p.cap ?? dom.params.cap };
  }

  /** Stop (or resume) picking the domain's vCPUs: the control domain's pause/unpause. */
  setPaused(id: number, paused: boolean): void {
    this.domain(id).paused = paused;
  }

  isPaused(id: number): boolean {
    return this.domain(id).paused;
  }

  /** ns of CPU the domain's vCPUs have been charged in total. */
  cpuNs(id: number): number {
    return this.domain(id).vcpus.reduce((s, e) => s + e.cpuNs, 0);
  }

  credit(vcpu: SchedVcpu): number {
    return this.entry(vcpu).credit;
  }

  priority(vcpu: SchedVcpu): number {
    const e = this.entry(vcpu);
    return e.boosted ? PRIO_BOOST : e.credit > 0 ? PRIO_UNDER : PRIO_OVER;
  }

  /** `vcpu` was woken from block: BOOST it if it is not over its share (Xen: csched_unit_wake). */
  wake(vcpu: SchedVcpu): void {
    const e = this.vcpus.get(vcpu);
    if (e && e.credit >= 0) e.boosted = true;
  }

  /** `vcpu` yielded the CPU: let anyone else eligible run first, whatever its priority. */
  yield(vcpu: SchedVcpu): void {
    const e = this.vcpus.get(vcpu);
    if (e) e.yielded = true;
  }

  /** Debit `ns` of CPU to `vcpu` (it ran); a BOOST lasts one run. */
  charge(vcpu: SchedVcpu, ns: number, now: bigint): void {
    const e = this.vcpus.get(vcpu);
    if (!e || ns <= 0) return;
    this.startAccounting(now);
    e.credit -= ns;
    e.cpuNs += ns;
    e.boosted = false;
    e.ranThisPeriod = true;
    e.dom.usedThisPeriod += ns;
  }

  /** Choose the next vCPU to run at system time `now`. */
  pick(now: bigint): SchedPick {
    this.startAccounting(now);
    this.accountUpTo(now);
    let best: VcpuEntry | undefined;
    let parked = false;
    for (const e of this.vcpus.values()) {
      if (!this.eligible(e)) continue;
      if (this.capLeft(e.dom) <= 0) {
        parked = true;
        continue;
      }
      if (!best || this.before(e, best)) best = e;
    }
    if (!best) return { kind: 'idle', untilNs: parked ? this.nextAccounting : undefined };
    best.lastPicked = ++this.picks;
    best.yielded = false;
    const slice = best.boosted ? this.boostSliceNs : this.sliceNs;
    return { kind: 'run', vcpu: best.vcpu, sliceNs: Math.max(1, Math.min(slice, this.capLeft(best.dom))) };
  }

  /** Some vCPU could be picked now (runnable and not parked by its cap). */
  hasPickable(): boolean {
    for (const e of this.vcpus.values()) if (this.eligible(e) && this.capLeft(e.dom) > 0) return true;
    return false;
  }

  private eligible(e: VcpuEntry): boolean {
    return e.vcpu.runnable && !e.dom.paused;
  }

  private before(a: VcpuEntry, b: VcpuEntry): boolean {
    if (a.yielded !== b.yielded) return b.yielded;
    const pa = this.priority(a.vcpu);
    const pb = this.priority(b.vcpu);
    return pa !== pb ? pa > pb : a.lastPicked < b.lastPicked;
  }

  /** ns the domain may still run this period (Infinity when uncapped). */
  private capLeft(dom: DomainEntry): number {
    if (dom.params.cap === 0) return Infinity;
    return (this.periodNs * dom.params.cap) / 100 - dom.usedThisPeriod;
  }

  /** The first period is accounted at once, so shares hold from the start (not after one even split). */
  private startAccounting(now: bigint): void {
    if (this.nextAccounting === undefined) this.nextAccounting = now;
  }

  /** Run every accounting period that ended by `now` (csched_acct). */
  private accountUpTo(now: bigint): void {
    while (this.nextAccounting !== undefined && now >= this.nextAccounting) {
      this.account();
      this.nextAccounting += BigInt(this.periodNs);
    }
  }

  private account(): void {
    const active = [...this.domains.values()]
      .map((d) => ({ d, vcpus: d.vcpus.filter((e) => e.ranThisPeriod || this.eligible(e)) }))
      .filter((a) => a.vcpus.length > 0);
    const totalWeight = active.reduce((s, a) => s + a.d.params.weight, 0);
    const total = this.periodNs * this.nrPcpus;
    for (const { d, vcpus } of active) {
      let fair = (total * d.params.weight) / totalWeight;
      if (d.params.cap > 0) fair = Math.min(fair, (this.periodNs * d.params.cap) / 100);
      const share = fair / vcpus.length;
      for (const e of vcpus) e.credit = Math.min(e.credit + share, this.periodNs);
    }
    for (const d of this.domains.values()) {
      d.usedThisPeriod = 0;
      for (const e of d.vcpus) e.ranThisPeriod = false;
    }
  }

  private domain(id: number): DomainEntry {
    const d = this.domains.get(id);
    if (!d) throw new XenCoreError('NO_SUCH_DOMAIN', `domain ${id} is not scheduled`);
    return d;
  }

  private entry(vcpu: SchedVcpu): VcpuEntry {
    const e = this.vcpus.get(vcpu);
    if (!e) throw new XenCoreError('NO_SUCH_VCPU', 'vCPU is not scheduled');
    return e;
  }
}
