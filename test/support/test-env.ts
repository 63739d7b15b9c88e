/** Names of the variables test/global-setup.ts exports to every test worker. */
export const TEST_ENV = {
  /** Database of this test run (created empty, dropped at the end). */
  databaseUrl: 'XENO_TEST_DATABASE_URL',
  /** Superuser connection to the same server, for tests that need a database of their own. */
  postgresAdminUrl: 'XENO_TEST_POSTGRES_URL',
  redisUrl: 'XENO_TEST_REDIS_URL',
  /** Prefix for every Redis key of this run; deleted at the end. */
  redisPrefix: 'XENO_TEST_REDIS_PREFIX',
} as const;

export function requireTestEnv(name: keyof typeof TEST_ENV): string {
  const value = process.env[TEST_ENV[name]];
  if (!value) {
    throw new Error(`${TEST_ENV[name]} is not set: run the tests through vitest (test/global-setup.ts)`);
  }
  return value;
}
