import type { DomainView, ListDomainsResponse } from '@xeno/contracts';
import type { ScenarioReport } from '../run-report';
import { runAtArrivalRate } from '../arrival-rate';
import { LatencyRecorder } from '../latency-recorder';
import { LoadTenant } from '../client/tenant';
import { XENOLITE, errorTally, settleWithLimit, tallyNotes } from './launch';

export interface ApiMixOptions {
  tenants: number;
  ratePerSecond: number;
  durationMs: number;
  maxInFlight: number;
}

/**
 * The control plane alone at a fixed request rate (open model): 60% list, 25% get, 10% create, 5% delete,
 * spread over several tenants. Created domains are never started, so this measures the API and Postgres,
 * not the emulator. Latency per operation and the error rate are reported.
 */
export async function apiMix(baseUrl: string, options: ApiMixOptions): Promise<ScenarioReport> {
  const signUps = await settleWithLimit(
    Array.from({ length: options.tenants }, (_, i) => i),
    4,
    (i) => LoadTenant.signUp(baseUrl, `mix${i}`),
  );
  const tenants = signUps.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
  if (tenants.length === 0)
    throw new Error(`api mix: no tenant could sign up: ${tallyNotes(errorTally(signUps)).join('; ')}`);
  const owned = tenants.map(() => [] as DomainView[]);
  const creating = tenants.map(() => 0);
  const latency = {
    list: new LatencyRecorder(),
    get: new LatencyRecorder(),
    create: new LatencyRecorder(),
    delete: new LatencyRecorder(),
  };
  let created = 0;
  // A domain is deleted only while no get of it is in flight: a 404 from our own race is not an API error.
  const reading = new Map<string, number>();
  const takeForDelete = (mine: DomainView[]): DomainView | undefined => {
    const index = mine.findIndex((d) => !reading.get(d.id));
    return index < 0 ? undefined : mine.splice(index, 1)[0];
  };

  const timed = async <T>(recorder: LatencyRecorder, call: () => Promise<T>): Promise<T> => {
    const startedAt = performance.now();
    const value = await call();
    recorder.record(performance.now() - startedAt);
    return value;
  };

  const result = await runAtArrivalRate(options, async (i) => {
    const t = i % tenants.length;
    const tenant = tenants[t];
    const mine = owned[t];
    const roll = (i * 7919) % 100; // deterministic mix, evenly interleaved
    if (roll < 10 || mine.length === 0) {
      // Stay under the tenant's domain quota (10 by default), counting creates still in flight.
      if (mine.length + creating[t] >= 8) {
        const victim = takeForDelete(mine);
        if (victim) await timed(latency.delete, () => tenant.api.delete(`/api/domains/${victim.id}`));
        return;
      }
      creating[t]++;
      try {
        const domain = await timed(latency.create, () =>
          tenant.createDomain({ name: `load-mix-${t}-${created++}`, imageId: XENOLITE, memoryMiB: 32 }),
        );
        mine.push(domain);
      } finally {
        creating[t]--;
      }
    } else if (roll < 15) {
      const victim = takeForDelete(mine);
      if (victim) await timed(latency.delete, () => tenant.api.delete(`/api/domains/${victim.id}`));
    } else if (roll < 40) {
      const domain = mine[i % mine.length];
      reading.set(domain.id, (reading.get(domain.id) ?? 0) + 1);
      try {
        await timed(latency.get, () => tenant.getDomain(domain.id));
      } finally {
        reading.set(domain.id, reading.get(domain.id)! - 1);
      }
    } else {
      await timed(latency.list, () => tenant.api.get<ListDomainsResponse>('/api/domains'));
    }
  });
  await settleWithLimit(
    tenants.flatMap((tenant, t) => owned[t].map((d) => ({ tenant, d }))),
    8,
    ({ tenant, d }) => tenant.api.delete(`/api/domains/${d.id}`),
  );
  for (const tenant of tenants) tenant.close();

  const metrics: Record<string, number> = {};
  for (const [name, recorder] of Object.entries(latency)) {
    const s = recorder.summary();
    metrics[`${name}_p50_ms`] = s.p50;
    metrics[`${name}_p99_ms`] = s.p99;
  }
  const requests = result.completed + result.failed;
  return {
    scenario: 'api mix',
    metrics: {
      requests,
      target_rate_per_s: options.ratePerSecond,
      achieved_rate_per_s: requests / (options.durationMs / 1000),
      error_rate: requests ? result.failed / requests : Number.NaN,
      dropped_arrivals: result.dropped,
      ...metrics,
    },
    notes: [...result.errors].map(([message, count]) => `${count} × ${message}`),
  };
}
