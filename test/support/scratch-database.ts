import { randomBytes } from 'node:crypto';
import { databaseName, dropDatabase, ensureDatabase, withDatabase } from '../../tools/infra';
import { requireTestEnv } from './test-env';

export interface ScratchDatabase {
  url: string;
  drop(): Promise<void>;
}

/**
 * An empty database of its own for a test that must not share the run's database (e.g. one that
 * checks what happens on a first start). Named after the run's database, so stale ones are found.
 */
export async function createScratchDatabase(label: string): Promise<ScratchDatabase> {
  const adminUrl = requireTestEnv('postgresAdminUrl');
  const name = `${databaseName(requireTestEnv('databaseUrl'))}_${label}_${randomBytes(3).toString('hex')}`;
  await ensureDatabase(adminUrl, name);
  return { url: withDatabase(adminUrl, name), drop: () => dropDatabase(adminUrl, name) };
}
