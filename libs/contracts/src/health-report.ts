/** Reachability of one dependency as seen by the API. */
export type DependencyState = 'up' | 'down';

/**
 * Body of GET /api/health. `status` is 'degraded' (and the HTTP status 503) as soon as Postgres or
 * Redis is unreachable; having no live agent is reported but does not degrade the API itself.
 */
export interface HealthReport {
  service: 'xenoserver-api';
  status: 'ok' | 'degraded';
  db: DependencyState;
  redis: DependencyState;
  /** Node agents with a live heartbeat. */
  agents: number;
  version: string;
}
