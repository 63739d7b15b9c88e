import { DEFAULT_REDIS_PREFIX } from '@xeno/contracts';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { findProjectRoot } from '../infra';

export interface LauncherConfig {
  projectRoot: string;
  /** HTTP port of the API, which also serves the web app. */
  port: number;
  agentCount: number;
  /** Where embedded Postgres and Redis keep their files. */
  dataDir: string;
  /** Database created (if missing) on a local or embedded Postgres. */
  databaseName: string;
  redisPrefix: string;
  /** Shared secret the agents enrol with: AGENT_ENROLMENT_SECRET, or a fresh one for each `npm start`. */
  enrolmentSecret: string;
  /**
   * Where the agents keep their credential and action journal (one directory each); unset: the agents'
   * default under DATA_DIR. Throwaway stacks give theirs a fresh one, so a credential enrolled with another
   * database is never presented to theirs.
   */
  agentDataRoot?: string;
}

export function loadLauncherConfig(env: NodeJS.ProcessEnv = process.env): LauncherConfig {
  const projectRoot = findProjectRoot();
  return {
    projectRoot,
    port: integer(env, 'PORT', 3000, 1, 65_535),
    agentCount: integer(env, 'AGENT_COUNT', 2, 1, 64),
    dataDir: path.resolve(projectRoot, env.DATA_DIR ?? '.data'),
    databaseName: 'xenoserver',
    redisPrefix: env.REDIS_PREFIX ?? DEFAULT_REDIS_PREFIX,
    enrolmentSecret: env.AGENT_ENROLMENT_SECRET || randomBytes(32).toString('base64url'),
  };
}

function integer(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new Error(`${name} must be an integer from ${min} to ${max}, got "${raw}"`);
  }
  return value;
}
