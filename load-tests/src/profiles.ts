import type { ApiMixOptions } from './scenarios/api-mix';
import type { ConsoleFanOutOptions } from './scenarios/console-fanout';
import type { LaunchStormOptions } from './scenarios/launch-storm';
import type { NoisyNeighboursOptions } from './scenarios/noisy-neighbours';
import type { Threshold } from './thresholds';

export interface LoadProfile {
  name: 'smoke' | 'full';
  /** Agents in a throwaway stack (noisy neighbours needs every domain on one agent, so: one). */
  agents: number;
  launchStorm: LaunchStormOptions;
  consoleFanOut: ConsoleFanOutOptions;
  noisyNeighbours: NoisyNeighboursOptions;
  apiMix: ApiMixOptions;
  thresholds: Threshold[];
}

const TIMEOUT_MS = 120_000;

/** The goals; every profile is judged by them (metric names are `<scenario>.<metric>`). */
const GOALS: Threshold[] = [
  { metric: 'launch storm.launch_errors', op: '==', limit: 0, why: 'every launch must succeed' },
  {
    metric: 'console fan-out.round_trip_failures',
    op: '==',
    limit: 0,
    why: 'no console round trip may be lost',
  },
  { metric: 'console fan-out.dropped_sessions', op: '==', limit: 0, why: 'no console session may drop' },
  {
    metric: 'noisy neighbours.same_agent',
    op: '==',
    limit: 1,
    why: 'victims and neighbours must share one agent',
  },
  {
    metric: 'noisy neighbours.victim_isolation_min',
    op: '>=',
    limit: 0.9,
    why: 'a victim keeps >= 90% of what it is owed at equal weights',
  },
  {
    metric: 'noisy neighbours.measurement_failures',
    op: '==',
    limit: 0,
    why: 'every victim measurement must complete',
  },
  { metric: 'api mix.error_rate', op: '==', limit: 0, why: 'the API must not fail requests at this rate' },
  {
    metric: 'api mix.dropped_arrivals',
    op: '==',
    limit: 0,
    why: 'the generator must keep the requested rate',
  },
];

/** A run that measured less than it was asked to proves nothing: every planned sample must exist. */
function completeness(p: Omit<LoadProfile, 'thresholds'>): Threshold[] {
  const all = (metric: string, limit: number): Threshold => ({
    metric,
    op: '>=',
    limit,
    why: 'every planned launch, session and round trip must have happened',
  });
  return [
    all('launch storm.launched', p.launchStorm.tenants * p.launchStorm.domainsPerTenant),
    all('console fan-out.round_trips', p.consoleFanOut.sessions * p.consoleFanOut.roundTripsPerSession),
    all('noisy neighbours.victims', p.noisyNeighbours.victims),
    all(
      'noisy neighbours.neighbours',
      p.noisyNeighbours.hogs + p.noisyNeighbours.spammers + p.noisyNeighbours.memoryStressors,
    ),
    all('api mix.requests', Math.floor((p.apiMix.ratePerSecond * p.apiMix.durationMs) / 1000)),
  ];
}

/** Small enough for CI (well under 3 minutes on this 2-core machine), still every scenario end to end. */
const SMOKE_SHAPE: Omit<LoadProfile, 'thresholds'> = {
  name: 'smoke',
  agents: 1,
  launchStorm: { tenants: 3, domainsPerTenant: 2, concurrency: 3, timeoutMs: TIMEOUT_MS },
  consoleFanOut: { domains: 2, sessions: 10, roundTripsPerSession: 3, timeoutMs: TIMEOUT_MS },
  noisyNeighbours: {
    victims: 2,
    hogs: 1,
    spammers: 1,
    memoryStressors: 1,
    benchSeconds: 1,
    roundTrips: 3,
    timeoutMs: TIMEOUT_MS,
  },
  apiMix: { tenants: 3, ratePerSecond: 20, durationMs: 10_000, maxInFlight: 50 },
};
export const SMOKE: LoadProfile = { ...SMOKE_SHAPE, thresholds: [...GOALS, ...completeness(SMOKE_SHAPE)] };

/** The scale: 200 concurrent consoles, a storm of launches, sustained API traffic. */
const FULL_SHAPE: Omit<LoadProfile, 'thresholds'> = {
  name: 'full',
  agents: 1,
  launchStorm: { tenants: 12, domainsPerTenant: 4, concurrency: 12, timeoutMs: TIMEOUT_MS * 2 },
  consoleFanOut: { domains: 10, sessions: 200, roundTripsPerSession: 5, timeoutMs: TIMEOUT_MS },
  noisyNeighbours: {
    victims: 4,
    hogs: 2,
    spammers: 1,
    memoryStressors: 1,
    benchSeconds: 3,
    roundTrips: 10,
    timeoutMs: TIMEOUT_MS,
  },
  apiMix: { tenants: 6, ratePerSecond: 50, durationMs: 60_000, maxInFlight: 200 },
};
export const FULL: LoadProfile = {
  ...FULL_SHAPE,
  thresholds: [
    ...GOALS,
    ...completeness(FULL_SHAPE),
    {
      metric: 'console fan-out.round_trip_p99_ms',
      op: '<=',
      limit: 50,
      why: 'console round trip p99 <= 50 ms at 200 concurrent consoles',
    },
  ],
};

export const PROFILES = { smoke: SMOKE, full: FULL } as const;
