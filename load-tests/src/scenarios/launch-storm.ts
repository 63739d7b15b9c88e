import type { ScenarioReport } from '../run-report';
import { LatencyRecorder } from '../latency-recorder';
import { LoadTenant } from '../client/tenant';
import { errorTally, launchXenolite, removeDomain, settleWithLimit, tallyNotes } from './launch';

export interface LaunchStormOptions {
  tenants: number;
  domainsPerTenant: number;
  /** How many launches are in flight at once across all tenants (sign-ups are throttled per client IP). */
  concurrency: number;
  timeoutMs: number;
}

/**
 * Many tenants sign up and launch domains at once. Measures time from the create request to `running`
 * and to the first console byte, and counts every failure by its message.
 */
export async function launchStorm(baseUrl: string, options: LaunchStormOptions): Promise<ScenarioReport> {
  const startedAt = performance.now();
  const signUps = await settleWithLimit(
    Array.from({ length: options.tenants }, (_, i) => i),
    options.concurrency,
    (i) => LoadTenant.signUp(baseUrl, `storm${i}`),
  );
  const tenants = signUps.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
  const launches = tenants.flatMap((tenant, t) =>
    Array.from({ length: options.domainsPerTenant }, (_, d) => ({ tenant, name: `load-storm-${t}-${d}` })),
  );
  const results = await settleWithLimit(launches, options.concurrency, ({ tenant, name }) =>
    launchXenolite(tenant, name, { timeoutMs: options.timeoutMs }),
  );
  const wallS = (performance.now() - startedAt) / 1000;

  const toRunning = new LatencyRecorder();
  const toFirstByte = new LatencyRecorder();
  for (const r of results) {
    if (r.status !== 'fulfilled') continue;
    toRunning.record(r.value.toRunningMs);
    toFirstByte.record(r.value.toFirstByteMs);
    r.value.console.close();
  }
  const cleanup = await settleWithLimit(
    results.flatMap((r, i) =>
      r.status === 'fulfilled' ? [{ tenant: launches[i].tenant, id: r.value.domain.id }] : [],
    ),
    options.concurrency,
    async ({ tenant, id }) => {
      const problem = await removeDomain(tenant, id, options.timeoutMs);
      if (problem) throw new Error(`cleanup: ${problem}`);
    },
  );
  for (const tenant of tenants) tenant.close();

  const running = toRunning.summary();
  const firstByte = toFirstByte.summary();
  const errors = errorTally([...signUps, ...results]);
  return {
    scenario: 'launch storm',
    metrics: {
      tenants: tenants.length,
      launched: running.count,
      launch_errors: options.tenants * options.domainsPerTenant - running.count,
      to_running_p50_ms: running.p50,
      to_running_p95_ms: running.p95,
      to_running_p99_ms: running.p99,
      first_byte_p50_ms: firstByte.p50,
      first_byte_p95_ms: firstByte.p95,
      first_byte_p99_ms: firstByte.p99,
      launches_per_s: running.count / wallS,
    },
    notes: [...tallyNotes(errors), ...tallyNotes(errorTally(cleanup))],
  };
}
