import { DEFAULT_REDIS_PREFIX, type PlacementPolicy } from '@xeno/contracts';
import path from 'node:path';
import { findProjectRoot } from './project-root';

/** Everything the API reads from its environment, parsed once at start-up. */
export interface ApiConfig {
  port: number;
  /** Postgres database of the control plane (migrated at boot). */
  databaseUrl: string;
  redisUrl: string;
  /** Prefix of every Redis key, so several deployments or test runs can share one Redis. */
  redisPrefix: string;
  /** Built web app to serve at /; undefined to serve none. */
  webDistDir: string | undefined;
  /** First platform admin, created when the users table is empty. No password: one is generated. */
  firstAdmin: { email: string; password: string | undefined };
  version: string;
  /** How placement picks an agent: `spread` (emptiest first, the default) or `pack` (fullest that fits). */
  placementPolicy: PlacementPolicy;
  /** How long a clean stop waits for the guest to power off before the agent destroys it. */
  stopTimeoutMs: number;
  /** What happens to domains of an agent that went down: `restart` elsewhere (default) or `keep` them lost. */
  lostDomainPolicy: 'restart' | 'keep';
}

export const API_CONFIG = Symbol('API_CONFIG');

export function loadApiConfig(env: NodeJS.ProcessEnv = process.env): ApiConfig {
  const project = findProjectRoot();
  return {
    port: Number(env.PORT ?? 3000),
    databaseUrl: env.DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/xenoserver',
    redisUrl: env.REDIS_URL ?? 'redis://127.0.0.1:6379',
    redisPrefix: env.REDIS_PREFIX ?? DEFAULT_REDIS_PREFIX,
    webDistDir:
      env.WEB_DIST_DIR === '' ? undefined : (env.WEB_DIST_DIR ?? path.join(project.root, 'dist', 'web')),
    firstAdmin: {
      email: (env.ADMIN_EMAIL ?? 'admin@xenoserver.local').trim().toLowerCase(),
      password: env.ADMIN_PASSWORD || undefined,
    },
    version: env.APP_VERSION ?? project.version,
    placementPolicy: placementPolicy(env.PLACEMENT_POLICY),
    stopTimeoutMs: Number(env.STOP_TIMEOUT_MS ?? 30_000),
    lostDomainPolicy: env.LOST_DOMAIN_POLICY === 'keep' ? 'keep' : 'restart',
  };
}

function placementPolicy(value: string | undefined): PlacementPolicy {
  if (value === undefined || value === '' || value === 'spread') return 'spread';
  if (value === 'pack') return 'pack';
  throw new Error(`PLACEMENT_POLICY must be spread or pack, got "${value}"`);
}
