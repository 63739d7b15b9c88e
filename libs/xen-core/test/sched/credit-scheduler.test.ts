/**
 * The credit scheduler on its own, with fake vCPUs and a simulated clock: one pick runs the chosen
 * vCPU for its whole slice (1 ns of CPU per ns of time). Shares follow weights, caps park domains,
 * a vCPU woken from block is BOOSTed ahead of busy ones, idle domains earn nothing.
 */
import { describe, expect, it } from 'vitest';
import { XenCoreError } from '../../src/errors';
import { CreditScheduler, PRIO_BOOST, PRIO_OVER, type SchedVcpu } from '../../src/sched/credit-scheduler';

class FakeVcpu implements SchedVcpu {
  runnable = true;
  constructor(readonly name: string) {}
}

const PERIOD = 1_000_000;

/** Run the scheduler for `durationNs` of simulated time; returns ns each vCPU ran. */
function simulate(
  s: CreditScheduler,
  vcpus: FakeVcpu[],
  durationNs: number,
  start = 0n,
): Map<FakeVcpu, number> {
  const ran = new Map<FakeVcpu, number>(vcpus.map((v) => [v, 0]));
  let now = start;
  const end = start + BigInt(durationNs);
  while (now < end) {
    const p = s.pick(now);
    if (p.kind === 'idle') {
      if (p.untilNs === undefined) break;
      now = p.untilNs;
      continue;
    }
    const ns = Math.min(p.sliceNs, Number(end - now));
    now += BigInt(ns);
    s.charge(p.vcpu, ns, now);
    ran.set(p.vcpu as FakeVcpu, (ran.get(p.vcpu as FakeVcpu) ?? 0) + ns);
  }
  return ran;
}

function busyDomains(s: CreditScheduler, weights: number[], caps: number[] = []): FakeVcpu[] {
  return weights.map((weight, i) => {
    s.addDomain(i + 1, { weight, cap: caps[i] ?? 0 });
    const v = new FakeVcpu(`d${i + 1}`);
    s.addVcpu(i + 1, v);
    return v;
  });
}

describe('credit scheduler', () => {
  it('gives busy domains CPU in proportion to their weights (1:1:2:4 within 5%)', () => {
    const s = new CreditScheduler({ periodNs: PERIOD, sliceNs: PERIOD / 10 });
    const vs = busyDomains(
      s,
      [1, 1, 2, 4].map((w) => w * 64),
    );
    const ran = simulate(s, vs, 100 * PERIOD);
    const total = [...ran.values()].reduce((a, b) => a + b, 0);
    [1, 1, 2, 4].forEach((w, i) => {
      const share = ran.get(vs[i])! / total;
      expect(Math.abs(share - w / 8) / (w / 8)).toBeLessThan(0.05);
    });
  });

  it('holds a capped domain to its cap even with the CPU otherwise idle', () => {
    const s = new CreditScheduler({ periodNs: PERIOD, sliceNs: PERIOD / 10 });
    const [v] = busyDomains(s, [256], [30]);
    const ran = simulate(s, [v], 50 * PERIOD);
    expect(ran.get(v)! / (50 * PERIOD)).toBeCloseTo(0.3, 2);
  });

  it('caps one domain and lets the uncapped one have the rest', () => {
    const s = new CreditScheduler({ periodNs: PERIOD, sliceNs: PERIOD / 10 });
    const [a, b] = busyDomains(s, [256, 256], [20, 0]);
    const ran = simulate(s, [a, b], 50 * PERIOD);
    expect(ran.get(a)! / (50 * PERIOD)).toBeCloseTo(0.2, 2);
    expect(ran.get(b)! / (50 * PERIOD)).toBeCloseTo(0.8, 2);
  });

  it('gives an idle domain nothing and its share to the busy ones', () => {
    const s = new CreditScheduler({ periodNs: PERIOD, sliceNs: PERIOD / 10 });
    const [a, b, idle] = busyDomains(s, [256, 256, 1024]);
    idle.runnable = false;
    const ran = simulate(s, [a, b, idle], 40 * PERIOD);
    expect(ran.get(idle)).toBe(0);
    expect(ran.get(a)! / (40 * PERIOD)).toBeCloseTo(0.5, 2);
    // It did not hoard credit while idle: at most one period's worth.
    expect(s.credit(idle)).toBeLessThanOrEqual(PERIOD);
  });

  it('BOOSTs a vCPU woken from block ahead of busy ones, for one short slice', () => {
    const s = new CreditScheduler({ periodNs: PERIOD, sliceNs: PERIOD / 10, boostSliceNs: 1000 });
    const [busy, sleeper] = busyDomains(s, [256, 256]);
    sleeper.runnable = false;
    simulate(s, [busy, sleeper], 3 * PERIOD);
    sleeper.runnable = true;
    s.wake(sleeper);
    expect(s.priority(sleeper)).toBe(PRIO_BOOST);
    const p = s.pick(BigInt(3 * PERIOD));
    expect(p).toEqual({ kind: 'run', vcpu: sleeper, sliceNs: 1000 });
    s.charge(sleeper, 1000, BigInt(3 * PERIOD + 1000));
    expect(s.priority(sleeper)).not.toBe(PRIO_BOOST);
  });

  it('does not BOOST a vCPU that is over its share', () => {
    const s = new CreditScheduler({ periodNs: PERIOD, sliceNs: PERIOD });
    // Two equal domains: each earns half a period per period; v uses three quarters of one.
    const [v] = busyDomains(s, [256, 256]);
    s.pick(0n);
    s.charge(v, (3 * PERIOD) / 4, BigInt((3 * PERIOD) / 4));
    expect(s.priority(v)).toBe(PRIO_OVER);
    s.wake(v);
    expect(s.priority(v)).toBe(PRIO_OVER);
  });

  it('round-robins vCPUs of equal priority', () => {
    const s = new CreditScheduler({ periodNs: PERIOD, sliceNs: 10 });
    const vs = busyDomains(s, [256, 256, 256]);
    const order: string[] = [];
    for (let i = 0; i < 6; i++) {
      const p = s.pick(BigInt(i * 10));
      if (p.kind !== 'run') throw new Error('expected a vCPU');
      order.push((p.vcpu as FakeVcpu).name);
      s.charge(p.vcpu, 10, BigInt(i * 10 + 10));
    }
    expect(order).toEqual(['d1', 'd2', 'd3', 'd1', 'd2', 'd3']);
    expect(vs).toHaveLength(3);
  });

  it('never picks a paused domain, and resumes it on unpause', () => {
    const s = new CreditScheduler({ periodNs: PERIOD, sliceNs: PERIOD / 10 });
    const [a, b] = busyDomains(s, [256, 256]);
    s.setPaused(1, true);
    const ran = simulate(s, [a, b], 4 * PERIOD);
    expect(ran.get(a)).toBe(0);
    expect(ran.get(b)).toBe(4 * PERIOD);
    s.setPaused(1, false);
    expect(s.isPaused(1)).toBe(false);
    const after = simulate(s, [a, b], 4 * PERIOD, BigInt(4 * PERIOD));
    expect(after.get(a)).toBeGreaterThan(0);
  });

  it('lets a yielding vCPU go after an OVER one (SCHEDOP_yield)', () => {
    const s = new CreditScheduler({ periodNs: PERIOD, sliceNs: 10 });
    const [under, over] = busyDomains(s, [256, 256]);
    s.pick(0n);
    s.charge(over, PERIOD, 10n);
    s.yield(under);
    const p = s.pick(10n);
    expect(p.kind === 'run' && p.vcpu).toBe(over);
    // The yield is spent once the yielder is picked again (over is parked by pausing its domain).
    s.setPaused(2, true);
    expect(s.pick(20n)).toMatchObject({ vcpu: under });
    s.setPaused(2, false);
    expect(s.pick(30n)).toMatchObject({ vcpu: under });
  });

  it('reports idle with no deadline when nothing is runnable', () => {
    const s = new CreditScheduler();
    const [v] = busyDomains(s, [256]);
    v.runnable = false;
    expect(s.pick(0n)).toEqual({ kind: 'idle', untilNs: undefined });
    expect(s.hasPickable()).toBe(false);
  });

  it('refuses bad weights and caps with BAD_SCHED_PARAM', () => {
    const s = new CreditScheduler({ nrPcpus: 2 });
    for (const p of [{ weight: 0 }, { weight: 65536 }, { weight: 1.5 }, { cap: -1 }, { cap: 201 }]) {
      expect(() => s.addDomain(1, p)).toThrow(XenCoreError);
      try {
        s.addDomain(1, p);
      } catch (e) {
        expect((e as XenCoreError).code).toBe('BAD_SCHED_PARAM');
      }
    }
    s.addDomain(1, { cap: 200 });
    expect(() => s.addDomain(1)).toThrow(/already scheduled/);
    expect(() => s.setParams(9, { weight: 1 })).toThrow(/not scheduled/);
    s.setParams(1, { weight: 512 });
    expect(s.params(1)).toEqual({ weight: 512, cap: 200 });
  });
});
