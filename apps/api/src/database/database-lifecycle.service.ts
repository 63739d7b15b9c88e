import { Injectable, Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { isConnectionError } from './connection-errors';

/** Any constant works; it only has to be the same in every API replica. */
const MIGRATION_LOCK_KEY = 0x78656e6f; // "xeno"
const RETRY_DELAYS_MS = [1_000, 2_000, 5_000, 10_000];

type ReadyHook = () => Promise<void>;

/**
 * Connects TypeORM and applies pending migrations at boot. When Postgres is unreachable the API still
 * starts (health says db: down, HTTP 503) and keeps retrying in the background; code that needs the
 * schema registers an onReady hook instead of assuming the database is there.
 */
@Injectable()
export class DatabaseLifecycle implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(DatabaseLifecycle.name);
  private readonly readyHooks: ReadyHook[] = [];
  private ready = false;
  private stopped = false;
  private retryTimer: NodeJS.Timeout | undefined;
  private failures = 0;

  constructor(private readonly dataSource: DataSource) {}

  async onModuleInit(): Promise<void> {
    try {
      await this.connectAndMigrate();
    } catch (error) {
      if (!isConnectionError(error)) throw error;
      this.logger.warn(`Postgres unreachable at boot (${String(error)}); retrying in the background`);
      this.scheduleRetry();
    }
  }

  get isReady(): boolean {
    return this.ready;
  }

  /** Runs the hook now if the schema is ready, otherwise as soon as it is. */
  async onReady(hook: ReadyHook): Promise<void> {
    if (this.ready) return hook();
    this.readyHooks.push(hook);
  }

  /** True when Postgres answers a trivial query within the timeout. */
  async ping(timeoutMs = 1_500): Promise<boolean> {
    if (!this.ready || !this.dataSource.isInitialized) return false;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), timeoutMs)));
    const query = this.dataSource.query('SELECT 1').then(
      () => true,
      () => false,
    );
    try {
      return await Promise.race([query, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    if (this.dataSource.isInitialized) await this.dataSource.destroy();
  }

  private async connectAndMigrate(): Promise<void> {
    if (!this.dataSource.isInitialized) await this.dataSource.initialize();
    await this.runMigrationsExclusively();
    this.ready = true;
    this.logger.log('Postgres connected, schema up to date');
    for (const hook of this.readyHooks.splice(0)) {
      await hook().catch((error: unknown) => this.logger.error(`on-ready task failed: ${String(error)}`));
    }
  }

  /** A session-level advisory lock serialises replicas; the loser then finds nothing left to run. */
  private async runMigrationsExclusively(): Promise<void> {
    const lockHolder = this.dataSource.createQueryRunner();
    await lockHolder.connect();
    try {
      await lockHolder.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
      const applied = await this.dataSource.runMigrations({ transaction: 'each' });
      for (const migration of applied) this.logger.log(`applied migration ${migration.name}`);
    } finally {
      await lockHolder.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]).catch(() => undefined);
      await lockHolder.release();
    }
  }

  private scheduleRetry(): void {
    if (this.stopped) return;
    const delay = RETRY_DELAYS_MS[Math.min(this.failures++, RETRY_DELAYS_MS.length - 1)];
    this.retryTimer = setTimeout(() => void this.retry(), delay);
    this.retryTimer.unref();
  }

  private async retry(): Promise<void> {
    try {
      await this.connectAndMigrate();
      this.failures = 0;
    } catch (error) {
      // After boot nothing should kill the process: log and keep trying, health shows db: down.
      if (!isConnectionError(error)) this.logger.error(`database start-up failed: ${String(error)}`);
      this.scheduleRetry();
    }
  }
}
