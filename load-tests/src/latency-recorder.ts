/**
 * Collects latency samples (ms) for one metric and answers percentiles. Samples are kept exactly (a load
 * run here records at most a few hundred thousand), so p99 is the true p99 of the run, not an estimate.
 */
export interface LatencySummary {
  count: number;
  min: number;
  mean: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

export class LatencyRecorder {
  private samples: number[] = [];
  private sorted = true;

  record(ms: number): void {
    if (!Number.isFinite(ms) || ms < 0)
      throw new RangeError(`latency must be a finite ms value >= 0, got ${ms}`);
    this.samples.push(ms);
    this.sorted = false;
  }

  get count(): number {
    return this.samples.length;
  }

  /** The q-quantile (0 < q <= 1) by the nearest-rank method; NaN when nothing was recorded. */
  quantile(q: number): number {
    if (!(q > 0 && q <= 1)) throw new RangeError(`quantile must be in (0, 1], got ${q}`);
    if (this.samples.length === 0) return Number.NaN;
    this.sort();
    return this.samples[Math.ceil(q * this.samples.length) - 1];
  }

  summary(): LatencySummary {
    const n = this.samples.length;
    if (n === 0) return { count: 0, min: NaN, mean: NaN, p50: NaN, p95: NaN, p99: NaN, max: NaN };
    this.sort();
    const total = this.samples.reduce((a, b) => a + b, 0);
    return {
      count: n,
      min: this.samples[0],
      mean: total / n,
      p50: this.quantile(0.5),
      p95: this.quantile(0.95),
      p99: this.quantile(0.99),
      max: this.samples[n - 1],
    };
  }

  private sort(): void {
    if (this.sorted) return;
    this.samples.sort((a, b) => a - b);
    this.sorted = true;
  }
}
