import { DEFAULT_REDIS_PREFIX } from '@xeno/contracts';
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
  };
}
