import { describe, expect, it } from 'vitest';
import { requireTestEnv } from '../../test/support/test-env';
import {
  databaseName,
  dropDatabase,
  ensureDatabase,
  probePostgres,
  redactUrl,
  withDatabase,
} from './postgres-admin';

describe('postgres admin helpers', () => {
  it('creates a database once, tolerates concurrent creators, and drops it', async () => {
    const admin = requireTestEnv('postgresAdminUrl');
    const name = `${databaseName(requireTestEnv('databaseUrl'))}_ensure`;
    const outcomes = await Promise.all([ensureDatabase(admin, name), ensureDatabase(admin, name)]);
    expect(outcomes.sort()).toEqual(['created', 'existed']);
    expect(await probePostgres(withDatabase(admin, name))).toBeUndefined();
    await dropDatabase(admin, name);
    expect(await probePostgres(withDatabase(admin, name))).toMatch(/does not exist/);
  });

  it('rewrites the database of a URL and masks passwords for logs', () => {
    expect(withDatabase('postgresql://u:p@h:5/a?sslmode=disable', 'b')).toBe(
      'postgresql://u:p@h:5/b?sslmode=disable',
    );
    expect(redactUrl('postgresql://u:secret@h:5/a')).toBe('postgresql://u:***@h:5/a');
  });
});
