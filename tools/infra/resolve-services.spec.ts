import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { requireTestEnv } from '../../test/support/test-env';
import { MissingDependencyError } from './missing-dependency-error';
import { findFreePort } from './ports';
import { probePostgres } from './postgres-admin';
import { probeRedis } from './redis-admin';
import { embeddedDirsUnder, resolvePostgres, resolveRedis, type ResolveOptions } from './resolve-services';

describe('resolving Postgres and Redis', () => {
  const scratch = mkdtempSync(path.join(os.tmpdir(), 'xeno-resolve-'));
  const options = (env: NodeJS.ProcessEnv, order: ResolveOptions['order']): ResolveOptions => ({
    order,
    env,
    envNames: { postgres: 'DATABASE_URL', redis: 'REDIS_URL' },
    embeddedDirs: embeddedDirsUnder(scratch),
    embeddedOnProbedPort: true,
    log: () => undefined,
  });

  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  it('uses the URLs from the environment when they are set', async () => {
    const env = { DATABASE_URL: requireTestEnv('databaseUrl'), REDIS_URL: requireTestEnv('redisUrl') };
    const postgres = await resolvePostgres(options(env, ['env', 'local', 'embedded']));
    const redis = await resolveRedis(options(env, ['env', 'local', 'embedded']));
    expect([postgres.source, postgres.url]).toEqual(['env', env.DATABASE_URL]);
    expect([redis.source, redis.url]).toEqual(['env', env.REDIS_URL]);
  });

  it('refuses an environment URL that does not answer rather than silently using another server', async () => {
    const env = { DATABASE_URL: `postgresql://postgres@127.0.0.1:${await findFreePort()}/x` };
    await expect(resolvePostgres(options(env, ['env', 'local']))).rejects.toThrow(
      /DATABASE_URL does not answer/,
    );
  });

  it('explains every source it tried when none is available', async () => {
    const env = { REDIS_PORT: String(await findFreePort()) };
    const failure = resolveRedis(options(env, ['env', 'local']));
    await expect(failure).rejects.toBeInstanceOf(MissingDependencyError);
    await expect(failure).rejects.toThrow(
      /env: REDIS_URL is not set; local: no usable Redis on 127\.0\.0\.1:\d+/,
    );
  });

  it('starts embedded servers when nothing listens on the probed ports, and stops them', async () => {
    const env = { PG_PORT: String(await findFreePort()), REDIS_PORT: String(await findFreePort()) };
    const [postgres, redis] = await Promise.all([
      resolvePostgres(options(env, ['local', 'embedded'])),
      resolveRedis(options(env, ['local', 'embedded'])),
    ]);
    try {
      expect([postgres.source, redis.source]).toEqual(['embedded', 'embedded']);
      expect(new URL(postgres.url).port).toBe(env.PG_PORT);
      expect(new URL(redis.url).port).toBe(env.REDIS_PORT);
      expect(await probePostgres(postgres.url)).toBeUndefined();
      expect(await probeRedis(redis.url)).toBeUndefined();
    } finally {
      await Promise.all([postgres.stop(), redis.stop()]);
    }
    expect(await probePostgres(postgres.url)).toMatch(/ECONNREFUSED/);
    expect(await probeRedis(redis.url)).toMatch(/ECONNREFUSED/);
  });
});
