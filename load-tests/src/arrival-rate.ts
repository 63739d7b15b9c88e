/**
 * Open-model load: starts `ratePerSecond` iterations per second for `durationMs`, whatever the latency
 * of earlier ones (closed loops hide a slow server by slowing down with it — coordinated omission).
 * Iterations that would exceed `maxInFlight` are not started and are counted as `dropped`, which a
 * threshold can fail on: the generator, not the server, was the limit.
 */
export interface ArrivalRateOptions {
  ratePerSecond: number;
  durationMs: number;
  maxInFlight: number;
}

export interface ArrivalRateResult {
  started: number;
  completed: number;
  failed: number;
  dropped: number;
  errors: Map<string, number>;
}

export async function runAtArrivalRate(
  options: ArrivalRateOptions,
  iteration: (index: number) => Promise<void>,
): Promise<ArrivalRateResult> {
  const { ratePerSecond, durationMs, maxInFlight } = options;
  if (!(ratePerSecond > 0) || !(durationMs > 0) || !(maxInFlight >= 1)) {
    throw new RangeError('ratePerSecond, durationMs and maxInFlight must be positive');
  }
  const result: ArrivalRateResult = { started: 0, completed: 0, failed: 0, dropped: 0, errors: new Map() };
  const inFlight = new Set<Promise<void>>();
  const startedAt = performance.now();
  const total = Math.floor((ratePerSecond * durationMs) / 1000);
  for (let i = 0; i < total; i++) {
    const dueAt = startedAt + (i * 1000) / ratePerSecond;
    const wait = dueAt - performance.now();
    if (wait > 1) await new Promise((resolve) => setTimeout(resolve, wait));
    if (inFlight.size >= maxInFlight) {
      result.dropped++;
      continue;
    }
    result.started++;
    const run = iteration(i).then(
      () => void result.completed++,
      (error: unknown) => {
        result.failed++;
        const key = error instanceof Error ? error.message : String(error);
        result.errors.set(key, (result.errors.get(key) ?? 0) + 1);
      },
    );
    const tracked = run.finally(() => inFlight.delete(tracked));
    inFlight.add(tracked);
  }
  await Promise.all(inFlight);
  return result;
}
