/**
 * A threshold is a goal a run must meet, e.g. "console round-trip p99 <= 50 ms". Each scenario reports its
 * measured values by name; the thresholds of the profile are checked against them and every breach is
 * listed (a missing measurement is a breach too: a goal that was not measured was not met).
 */
export interface Threshold {
  metric: string;
  op: '<=' | '>=' | '==';
  limit: number;
  /** Why this goal exists (printed with a breach). */
  why: string;
}

export interface ThresholdOutcome extends Threshold {
  value: number | undefined;
  passed: boolean;
}

export function checkThresholds(
  thresholds: readonly Threshold[],
  measured: Readonly<Record<string, number>>,
): ThresholdOutcome[] {
  return thresholds.map((t) => {
    const value = measured[t.metric];
    const passed =
      value !== undefined &&
      Number.isFinite(value) &&
      (t.op === '<=' ? value <= t.limit : t.op === '>=' ? value >= t.limit : value === t.limit);
    return { ...t, value, passed };
  });
}

export function describeOutcome(o: ThresholdOutcome): string {
  const shown = o.value === undefined ? 'not measured' : Number(o.value.toFixed(3)).toString();
  return `${o.passed ? 'ok  ' : 'FAIL'} ${o.metric} ${o.op} ${o.limit}: ${shown}${o.passed ? '' : ` (${o.why})`}`;
}
