import type { DataSourceOptions } from 'typeorm';
import { ENTITIES } from './entities';
import { MIGRATIONS } from './migrations';

/**
 * TypeORM settings for the control-plane database. The schema only ever changes through migrations:
 * synchronize stays off, and DatabaseLifecycle runs pending migrations at boot.
 */
export function dataSourceOptions(databaseUrl: string): DataSourceOptions {
  return {
    type: 'postgres',
    url: databaseUrl,
    entities: ENTITIES,
    migrations: MIGRATIONS,
    migrationsTableName: 'migrations',
    synchronize: false,
    // Run by DatabaseLifecycle under an advisory lock, so API replicas booting together do not race.
    migrationsRun: false,
    // gen_random_uuid() is built in (Postgres 13+): no CREATE EXTENSION, which needs a superuser.
    uuidExtension: 'pgcrypto',
    installExtensions: false,
    // Fail fast when Postgres is unreachable instead of hanging health checks and start-up.
    connectTimeoutMS: 3_000,
    extra: { max: 10 },
  };
}
