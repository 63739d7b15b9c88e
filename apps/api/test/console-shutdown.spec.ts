import { Module, type INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { createServer } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { configureApp } from '../src/app-setup';
import { ApiConfigModule } from '../src/config/api-config.module';
import type { ConsoleAccess } from '../src/console/console-access';
import { ConsoleModule } from '../src/console/console.module';
import { testApiConfig } from './api-test-app';

/*
 * Quick start-then-stop of the console gateway must leave no unhandled rejection behind — vitest fails the
 * run on one even when every test passes. With Redis up the subscriptions go out on ready connections and
 * QUIT waits for the adapter's unsubscribes; with Redis unreachable the queued commands are rejected at
 * shutdown, and that rejection must be observed.
 */
const access: ConsoleAccess = { authenticate: async () => undefined, grant: async () => undefined };
const rejections: unknown[] = [];
const record = (reason: unknown) => rejections.push(reason);

beforeEach(() => {
  rejections.length = 0;
  process.on('unhandledRejection', record);
});
afterEach(() => {
  process.off('unhandledRejection', record);
});

async function startAndStop(redisUrl?: string): Promise<void> {
  const config = testApiConfig(redisUrl ? { redisUrl } : {});
  @Module({
    imports: [ApiConfigModule.forRoot(config), ConsoleModule.register({ useFactory: () => access })],
  })
  class ShortLivedModule {}
  const app: INestApplication = configureApp(await NestFactory.create(ShortLivedModule, { logger: false }));
  await app.init();
  await app.close();
  // Rejections of closed connections surface on the next turns of the event loop.
  await new Promise((resolve) => setTimeout(resolve, 100));
}

/** A port on which nothing listens (bound, then closed). */
async function deadPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('console gateway shutdown', () => {
  it('leaves no unhandled rejection when the app stops right after starting', async () => {
    for (let i = 0; i < 3; i++) await startAndStop();
    expect(rejections).toEqual([]);
  });

  it('leaves no unhandled rejection when Redis was unreachable the whole time', async () => {
    await startAndStop(`redis://127.0.0.1:${await deadPort()}`);
    expect(rejections).toEqual([]);
  });
});
