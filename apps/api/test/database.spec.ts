import type { INestApplication } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createScratchDatabase, type ScratchDatabase } from '../../../test/support/scratch-database';
import { MIGRATIONS } from '../src/database/migrations';
import { createTestApp, testApiConfig } from './api-test-app';

describe('database schema', () => {
  let scratch: ScratchDatabase;
  const apps: INestApplication[] = [];

  beforeAll(async () => {
    scratch = await createScratchDatabase('schema');
    // Two replicas booting at once on an empty database: the advisory lock must serialise them.
    apps.push(
      ...(await Promise.all([
        createTestApp(testApiConfig({ databaseUrl: scratch.url })),
        createTestApp(testApiConfig({ databaseUrl: scratch.url })),
      ])),
    );
  });

  afterAll(async () => {
    await Promise.all(apps.map((app) => app.close()));
    await scratch.drop();
  });

  it('applies every migration exactly once, even with replicas booting together', async () => {
    const rows = await apps[0].get(DataSource).query('SELECT name FROM migrations ORDER BY id');
    expect(rows.map((row: { name: string }) => row.name)).toEqual(
      MIGRATIONS.map((migration) => migration.name),
    );
  });

  it('matches the entities: TypeORM would change nothing (synchronize stays off for good)', async () => {
    const pending = await apps[0].get(DataSource).driver.createSchemaBuilder().log();
    expect(pending.upQueries.map((query) => query.query)).toEqual([]);
  });

  it('creates tenants and users with uuid ids and the role enum', async () => {
    const columns = await apps[0].get(DataSource).query(
      `SELECT table_name, column_name, udt_name FROM information_schema.columns
         WHERE table_name IN ('tenants', 'users') AND column_name IN ('id', 'role')
         ORDER BY table_name, column_name`,
    );
    expect(columns).toEqual([
      { table_name: 'tenants', column_name: 'id', udt_name: 'uuid' },
      { table_name: 'users', column_name: 'id', udt_name: 'uuid' },
      { table_name: 'users', column_name: 'role', udt_name: 'user_role' },
    ]);
    const roles = await apps[0].get(DataSource).query(`SELECT unnest(enum_range(NULL::user_role)) AS role`);
    expect(roles.map((row: { role: string }) => row.role)).toEqual(['owner', 'member', 'platform-admin']);
  });
});
