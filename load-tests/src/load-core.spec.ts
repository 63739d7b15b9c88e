import { describe, expect, it } from 'vitest';
import { runAtArrivalRate } from './arrival-rate';
import { LatencyRecorder } from './latency-recorder';
import { checkThresholds, describeOutcome } from './thresholds';

describe('LatencyRecorder', () => {
  it('answers nearest-rank percentiles over every sample', () => {
    const r = new LatencyRecorder();
    for (let i = 100; i >= 1; i--) r.record(i);
    expect(r.summary()).toEqual({ count: 100, min: 1, mean: 50.5, p50: 50, p95: 95, p99: 99, max: 100 });
    r.record(1000);
    expect(r.quantile(1)).toBe(1000);
  });

  it('refuses values that are not latencies', () => {
    const r = new LatencyRecorder();
    expect(() => r.record(-1)).toThrow(RangeError);
    expect(() => r.record(Number.NaN)).toThrow(RangeError);
    expect(Number.isNaN(r.summary().p99)).toBe(true);
  });
});

describe('runAtArrivalRate', () => {
  it('starts the planned number of iterations and counts failures by message', async () => {
    const seen: number[] = [];
    const result = await runAtArrivalRate(
      { ratePerSecond: 2000, durationMs: 50, maxInFlight: 1000 },
      async (i) => {
        seen.push(i);
        if (i % 10 === 0) throw new Error('boom');
      },
    );
    expect(result.started).toBe(100);
    expect(seen).toHaveLength(100);
    expect(result.failed).toBe(10);
    expect(result.completed).toBe(90);
    expect(result.errors.get('boom')).toBe(10);
  });

  it('drops arrivals instead of queueing them when in-flight work is at its limit', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const run = runAtArrivalRate({ ratePerSecond: 1000, durationMs: 20, maxInFlight: 3 }, () => gate);
    setTimeout(() => release(), 40);
    const result = await run;
    expect(result.started).toBe(3);
    expect(result.dropped).toBe(17);
  });
});

describe('checkThresholds', () => {
  it('passes met goals and fails breached or unmeasured ones', () => {
    const out = checkThresholds(
      [
        { metric: 'rtt_p99_ms', op: '<=', limit: 50, why: 'console feels instant' },
        { metric: 'victim_ratio', op: '>=', limit: 0.9, why: 'isolation' },
        { metric: 'errors', op: '==', limit: 0, why: 'no errors' },
      ],
      { rtt_p99_ms: 51, victim_ratio: 0.95 },
    );
    expect(out.map((o) => o.passed)).toEqual([false, true, false]);
    expect(describeOutcome(out[2])).toContain('not measured');
  });
});
