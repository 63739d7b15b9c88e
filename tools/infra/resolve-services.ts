import os from 'node:os';
import path from 'node:path';
import { startPostgresContainer, startRedisContainer } from './container-services';
import { dockerEngineAnswers } from './docker-probe';
import { startEmbeddedPostgres } from './embedded-postgres';
import { startEmbeddedRedis } from './embedded-redis';
import { MissingDependencyError } from './missing-dependency-error';
import { probePostgres } from './postgres-admin';
import { findFreePort, preferredOrFreePort } from './ports';
import { probeRedis } from './redis-admin';

/*
 * The one place that decides where Postgres and Redis come from, shared by the launcher (`npm start`)
 * and the test global setup (`npm test`). Sources are tried in the caller's order:
 *   env       – a URL given in the environment (must work: the user asked for it);
 *   container – throwaway testcontainers, only when a Docker engine answers;
 *   local     – a server already listening on localhost (PG_PORT / REDIS_PORT, default 5432 / 6379);
 *   embedded  – a server we start ourselves: Postgres from the embedded-postgres package binaries,
 *               Redis from the redis-server on PATH.
 */

export type ServiceSource = 'env' | 'container' | 'local' | 'embedded';

export interface ResolvedService {
  kind: 'postgres' | 'redis';
  source: ServiceSource;
  /** Postgres: a URL whose database the caller may use as an admin connection. Redis: the server URL. */
  url: string;
  /** True when we started the server (embedded or container) and so must stop it. */
  startedHere: boolean;
  /** Stops what we started (no-op for servers we merely found). */
  stop(): Promise<void>;
}

export interface ResolveOptions {
  order: ServiceSource[];
  env: NodeJS.ProcessEnv;
  /** Which variables hold the 'env' URLs (the launcher uses DATABASE_URL, tests TEST_DATABASE_URL). */
  envNames: { postgres: string; redis: string };
  /** Where embedded servers keep their files. */
  embeddedDirs: { postgres: string; redis: string };
  /**
   * Start embedded servers on the probed port (PG_PORT / REDIS_PORT) when it is free, for a stable URL
   * (`npm start`), or always on a random free port (tests: a throwaway server must never take the port
   * that the machine's own service is about to be restarted on).
   */
  embeddedOnProbedPort: boolean;
  log: (line: string) => void;
}

/** Why a source was passed over; collected into the final error if every source fails. */
class Skip {
  constructor(readonly reason: string) {}
}

type Strategy = () => Promise<ResolvedService | Skip>;

export async function resolvePostgres(options: ResolveOptions): Promise<ResolvedService> {
  const { env, log } = options;
  const port = Number(env.PG_PORT ?? 5432);
  const found = (source: ServiceSource, url: string, stop?: () => Promise<void>): ResolvedService => ({
    kind: 'postgres',
    source,
    url,
    startedHere: stop !== undefined,
    stop: stop ?? noop,
  });
  return resolveFirst('Postgres', options.order, {
    env: async () => {
      const url = env[options.envNames.postgres];
      if (!url) return new Skip(`${options.envNames.postgres} is not set`);
      const problem = await probePostgres(url);
      if (problem) throw new Error(`${options.envNames.postgres} does not answer: ${problem}`);
      return found('env', url);
    },
    container: async () => {
      if (!(await dockerEngineAnswers(env))) return new Skip('no Docker engine answered');
      const container = await startPostgresContainer();
      return found('container', container.url, container.stop);
    },
    local: async () => {
      const reasons: string[] = [];
      for (const url of localPostgresCandidates(env, port)) {
        const problem = await probePostgres(url, 1_500);
        if (!problem) return found('local', url);
        reasons.push(`${new URL(url).username}: ${problem}`);
      }
      return new Skip(`no usable Postgres on 127.0.0.1:${port} (${reasons.join('; ')})`);
    },
    embedded: async () => {
      const server = await startEmbeddedPostgres({
        dataDir: options.embeddedDirs.postgres,
        port: options.embeddedOnProbedPort ? await preferredOrFreePort(port) : await findFreePort(),
        log,
      });
      return found('embedded', server.url, server.stop);
    },
  });
}

export async function resolveRedis(options: ResolveOptions): Promise<ResolvedService> {
  const { env, log } = options;
  const port = Number(env.REDIS_PORT ?? 6379);
  const found = (source: ServiceSource, url: string, stop?: () => Promise<void>): ResolvedService => ({
    kind: 'redis',
    source,
    url,
    startedHere: stop !== undefined,
    stop: stop ?? noop,
  });
  return resolveFirst('Redis', options.order, {
    env: async () => {
      const url = env[options.envNames.redis];
      if (!url) return new Skip(`${options.envNames.redis} is not set`);
      const problem = await probeRedis(url, 2_000);
      if (problem) throw new Error(`${options.envNames.redis} does not answer: ${problem}`);
      return found('env', url);
    },
    container: async () => {
      if (!(await dockerEngineAnswers(env))) return new Skip('no Docker engine answered');
      const container = await startRedisContainer();
      return found('container', container.url, container.stop);
    },
    local: async () => {
      const url = `redis://127.0.0.1:${port}`;
      const problem = await probeRedis(url);
      return problem ? new Skip(`no usable Redis on 127.0.0.1:${port} (${problem})`) : found('local', url);
    },
    embedded: async () => {
      const server = await startEmbeddedRedis({
        dir: options.embeddedDirs.redis,
        port: options.embeddedOnProbedPort ? await preferredOrFreePort(port) : await findFreePort(),
        log,
      });
      return found('embedded', server.url, server.stop);
    },
  });
}

async function resolveFirst(
  what: string,
  order: ServiceSource[],
  strategies: Record<ServiceSource, Strategy>,
): Promise<ResolvedService> {
  const skipped: string[] = [];
  for (const source of order) {
    try {
      const outcome = await strategies[source]();
      if (!(outcome instanceof Skip)) return outcome;
      skipped.push(`${source}: ${outcome.reason}`);
    } catch (error) {
      if (skipped.length === 0 || !(error instanceof Error)) throw error;
      // Keep the original type (MissingDependencyError carries an install hint) but say what was tried.
      error.message += `\n  (tried before: ${skipped.join('; ')})`;
      throw error;
    }
  }
  throw new MissingDependencyError(
    `no ${what} available (${skipped.join('; ')})`,
    `start one locally or set the URL in the environment`,
  );
}

/** Logins to try on a local server: $PGUSER, then `postgres`, then the OS user (peer-style setups). */
function localPostgresCandidates(env: NodeJS.ProcessEnv, port: number): string[] {
  const users = [env.PGUSER, 'postgres', os.userInfo().username].filter((user): user is string => !!user);
  const password = env.PGPASSWORD ? `:${encodeURIComponent(env.PGPASSWORD)}` : '';
  return [...new Set(users)].map(
    (user) => `postgresql://${encodeURIComponent(user)}${password}@127.0.0.1:${port}/postgres`,
  );
}

/** The embedded servers' default folders under a data directory (DATA_DIR, default <project>/.data). */
export function embeddedDirsUnder(dataDir: string): ResolveOptions['embeddedDirs'] {
  return { postgres: path.join(dataDir, 'postgres'), redis: path.join(dataDir, 'redis') };
}

async function noop(): Promise<void> {}
