import { connectPostgres } from '../../tools/infra';

const STALE_AFTER_MS = 24 * 60 * 60 * 1000;

/**
 * Drops test databases (xeno_test_<epoch ms>_...) left over by runs that were killed before their
 * teardown, once they are a day old: no live run is that old.
 */
export async function dropStaleTestDatabases(adminUrl: string): Promise<void> {
  const client = await connectPostgres(adminUrl);
  try {
    const { rows } = await client.query<{ datname: string }>(
      `SELECT datname FROM pg_database WHERE datname ~ '^xeno_test_[0-9]+_'`,
    );
    for (const { datname } of rows) {
      const createdAt = Number(datname.split('_')[2]);
      if (Date.now() - createdAt < STALE_AFTER_MS) continue;
      await client.query(`DROP DATABASE IF EXISTS ${client.escapeIdentifier(datname)} WITH (FORCE)`);
    }
  } finally {
    await client.end();
  }
}
