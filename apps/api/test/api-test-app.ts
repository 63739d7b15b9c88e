import type { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { randomBytes } from 'node:crypto';
import { requireTestEnv } from '../../../test/support/test-env';
import { configureApp } from '../src/app-setup';
import { AppModule } from '../src/app.module';
import type { ApiConfig } from '../src/config/api-config';

/** The API wired to this run's test Postgres and Redis, with a Redis prefix of its own. */
export function testApiConfig(overrides: Partial<ApiConfig> = {}): ApiConfig {
  return {
    port: 0,
    databaseUrl: requireTestEnv('databaseUrl'),
    redisUrl: requireTestEnv('redisUrl'),
    redisPrefix: `${requireTestEnv('redisPrefix')}api-${randomBytes(3).toString('hex')}:`,
    webDistDir: undefined,
    firstAdmin: { email: 'admin@test.local', password: 'test-admin-password' },
    version: '0.0.0-test',
    placementPolicy: 'spread',
    stopTimeoutMs: 10_000,
    lostDomainPolicy: 'restart',
    ...overrides,
  };
}

/**
 * Builds and initialises (without listening) the real AppModule the way main.ts does; supertest talks
 * to its HTTP server. NestFactory rather than Test.createTestingModule: the latter has no HTTP adapter
 * while providers are created, so ServeStaticModule would silently serve nothing.
 */
export async function createTestApp(config: ApiConfig): Promise<INestApplication> {
  const app = configureApp(await NestFactory.create(AppModule.register(config), { logger: false }));
  await app.init();
  return app;
}

/** The real app listening on a random local port (for fetch / socket clients and the lead's e2e tests). */
export async function startTestApp(config: ApiConfig): Promise<{ app: INestApplication; baseUrl: string }> {
  const app = await createTestApp(config);
  await app.listen(0, '127.0.0.1');
  const address = app.getHttpServer().address() as { port: number };
  return { app, baseUrl: `http://127.0.0.1:${address.port}` };
}
