/**
 * Time and timers (§4.2, §9.2, §9.6). One host CPU runs every vCPU, so there is one clock: system
 * time (ns since host start) is the host CPU's TSC, which x86-core derives deterministically from
 * retired instructions (tscScale 1, i.e. a nominal 1 GHz TSC: 1 instruction = 1 TSC tick = 1 ns).
 * pvclock is therefore the identity (mul 0.5, shift +1) and always consistent with rdtsc.
 *
 * While every vCPU is blocked no instruction retires, so time would stop. The host then advances the
 * clock by raising the CPU's tscOffset — TSC and system time jump together (both stay monotonic and
 * pvclock stays exact) — either straight to the earliest timer deadline (`jump`, deterministic, the
 * default) or by the real time that passed while the host slept (`realtime`, for interactive use).
 *
 * Per vCPU: a one-shot timer (set_timer_op / VCPUOP_set_singleshot_timer), a periodic timer
 * (VCPUOP_set_periodic_timer; off until the guest sets it) and the SCHEDOP_poll timeout. Expiry raises
 * VIRQ_TIMER on that vCPU (waking it through the event-channel kick) or ends the poll.
 */
import { VIRQ_TIMER } from '../events/abi';
import type { ExecEnv } from './env';
import { updatePvclock } from './runstate';
import type { ArchVcpu } from './vcpu-arch';
import type { PvCpu } from './x86/pv-cpu';

/** set_timer_op: deadlines this far ahead (or "negative") are clamped to now + 100 ms (§9.2). */
const TIMER_CLAMP_LIMIT = 1n << 50n;
const MS = 1_000_000n;

export class HostClock {
  constructor(private readonly cpu: PvCpu) {}

  /** System time in ns (= the TSC). */
  now(): bigint {
    return this.cpu.tsc();
  }

  /** Move time forward to `ns` (never backwards): TSC and system time jump together. */
  advanceTo(ns: bigint): void {
    const now = this.now();
    if (ns > now) this.cpu.cpu.tscOffset += Number(ns - now);
  }
}

/** The earliest pending deadline of a vCPU (one-shot, periodic, poll timeout), if any. */
export function vcpuDeadline(v: ArchVcpu): bigint | undefined {
  if (!v.online || v.dom.shutdown !== undefined) return undefined;
  let d: bigint | undefined = v.singleshotDeadline;
  if (v.periodicPeriod > 0n && (d === undefined || v.periodicNext < d)) d = v.periodicNext;
  if (v.blocked && v.pollDeadline !== undefined && (d === undefined || v.pollDeadline < d))
    d = v.pollDeadline;
  return d;
}

export function earliestDeadline(vcpus: Iterable<ArchVcpu>): bigint | undefined {
  let best: bigint | undefined;
  for (const v of vcpus) {
    const d = vcpuDeadline(v);
    if (d !== undefined && (best === undefined || d < best)) best = d;
  }
  return best;
}

/** Fire every timer of `vcpus` due at `now`. Returns how many fired. */
export function fireDueTimers(env: ExecEnv, vcpus: Iterable<ArchVcpu>, now: bigint): number {
  let fired = 0;
  for (const v of vcpus) {
    if (v.dom.shutdown !== undefined) continue;
    let tick = false;
    if (v.singleshotDeadline !== undefined && v.singleshotDeadline <= now) {
      v.singleshotDeadline = undefined;
      tick = true;
    }
    if (v.periodicPeriod > 0n && v.periodicNext <= now) {
      // Missed periods collapse into one event (as Xen).
      const missed = (now - v.periodicNext) / v.periodicPeriod + 1n;
      v.periodicNext += missed * v.periodicPeriod;
      tick = true;
    }
    if (tick) {
      fired++;
      updatePvclock(env, v);
      env.sys.events.raiseVirq(v.dom.domain, v.id, VIRQ_TIMER);
    }
    if (v.pollDeadline !== undefined && v.pollDeadline <= now) {
      v.pollDeadline = undefined;
      if (v.blocked) {
        fired++;
        v.dom.kick(v);
        updatePvclock(env, v);
      }
    }
  }
  return fired;
}

/**
 * set_timer_op(abs_ns): 0 cancels; absurd values are clamped to now + 100 ms. `deadline` is guest
 * system time, `hostNow` host system time; the armed deadline is kept in host time.
 */
export function setTimerOp(v: ArchVcpu, deadline: bigint, hostNow: bigint): number {
  const abs = BigInt.asUintN(64, deadline);
  if (abs === 0n) {
    v.singleshotDeadline = undefined;
    return 0;
  }
  const now = v.dom.guestTime(hostNow);
  const signed = BigInt.asIntN(64, abs);
  const guestDeadline = signed < 0n || signed - now > TIMER_CLAMP_LIMIT ? now + 100n * MS : abs;
  v.singleshotDeadline = v.dom.hostTime(guestDeadline);
  return 0;
}

/** VCPUOP_set_periodic_timer: period < 1 ms is refused by the caller. */
export function setPeriodic(v: ArchVcpu, period: bigint, now: bigint): void {
  v.periodicPeriod = period;
  v.periodicNext = now + period;
}

export const PERIODIC_MIN_NS = MS;
