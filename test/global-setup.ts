import { rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  deleteKeysWithPrefix,
  dropDatabase,
  embeddedDirsUnder,
  ensureDatabase,
  redactUrl,
  resolvePostgres,
  resolveRedis,
  withDatabase,
  type ResolveOptions,
  type ResolvedService,
} from '../tools/infra';
import { dropStaleTestDatabases } from './support/stale-test-databases';
import { TEST_ENV } from './support/test-env';

/*
 * Runs once per `vitest run`, before any test file. Finds a real Postgres and Redis the same way as
 * `npm start` (tools/infra), preferring throwaway containers when a Docker engine answers, then gives
 * this run its own database and Redis key prefix, exported through process.env (the test workers
 * inherit it). Teardown drops the database and the keys. Library unit tests ignore all of this.
 *
 * XENO_TEST_SERVICES=off skips it, for running pure unit tests on a machine without the services.
 */
export default async function setup(): Promise<() => Promise<void>> {
  if (process.env.XENO_TEST_SERVICES === 'off') return async () => undefined;
  const startedAt = Date.now();
  const runId = `${startedAt}_${process.pid}`;
  const scratchDir = path.join(os.tmpdir(), `xeno-test-${runId}`);
  const log = (line: string) => console.log(`[test services] ${line}`);
  const options: ResolveOptions = {
    order: ['env', 'container', 'local', 'embedded'],
    env: process.env,
    envNames: { postgres: 'TEST_DATABASE_URL', redis: 'TEST_REDIS_URL' },
    embeddedDirs: embeddedDirsUnder(scratchDir),
    embeddedOnProbedPort: false,
    log,
  };

  const [postgres, redis] = await resolveBoth(options);
  const databaseName = `xeno_test_${runId}`;
  const redisPrefix = `xeno_test:${runId}:`;
  await dropStaleTestDatabases(postgres.url).catch(() => undefined);
  await ensureDatabase(postgres.url, databaseName);

  process.env[TEST_ENV.postgresAdminUrl] = postgres.url;
  process.env[TEST_ENV.databaseUrl] = withDatabase(postgres.url, databaseName);
  process.env[TEST_ENV.redisUrl] = redis.url;
  process.env[TEST_ENV.redisPrefix] = redisPrefix;
  log(
    `Postgres ${postgres.source} (${redactUrl(postgres.url)}), Redis ${redis.source} (${redis.url}); ` +
      `database ${databaseName}, key prefix ${redisPrefix}; ready in ${Date.now() - startedAt} ms`,
  );

  return async () => {
    await dropDatabase(postgres.url, databaseName).catch((error) =>
      log(`could not drop ${databaseName}: ${error}`),
    );
    await deleteKeysWithPrefix(redis.url, redisPrefix).catch((error) =>
      log(`could not clean Redis: ${error}`),
    );
    await Promise.all([postgres.stop(), redis.stop()]);
    rmSync(scratchDir, { recursive: true, force: true });
  };
}

async function resolveBoth(options: ResolveOptions): Promise<[ResolvedService, ResolvedService]> {
  const [postgres, redis] = await Promise.allSettled([resolvePostgres(options), resolveRedis(options)]);
  if (postgres.status === 'fulfilled' && redis.status === 'fulfilled') return [postgres.value, redis.value];
  // Do not leave behind the one that did start.
  if (postgres.status === 'fulfilled') await postgres.value.stop();
  if (redis.status === 'fulfilled') await redis.value.stop();
  throw postgres.status === 'rejected' ? postgres.reason : (redis as PromiseRejectedResult).reason;
}
