import 'reflect-metadata';
import { ConsoleLogger, Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { configureApp } from './app-setup';
import { AppModule } from './app.module';
import { loadApiConfig } from './config/api-config';

async function bootstrap(): Promise<void> {
  const config = loadApiConfig();
  // One JSON object per line (time, level, context, message), like the agents' logs; LOG_FORMAT=text for
  // Nest's coloured lines.
  const logger = new ConsoleLogger({ json: process.env.LOG_FORMAT !== 'text' });
  const app = configureApp(await NestFactory.create(AppModule.register(config), { logger }));
  // SIGTERM / SIGINT close the app: HTTP server, then Redis and Postgres connections.
  app.enableShutdownHooks();
  // Started by the launcher with an IPC channel: if the launcher dies, do not outlive it.
  process.once('disconnect', () => void app.close().then(() => process.exit(0)));
  await app.listen(config.port);
  new Logger('Bootstrap').log(`API ${config.version} listening on port ${config.port}`);
}

bootstrap().catch((error: unknown) => {
  new Logger('Bootstrap').error(error instanceof Error ? (error.stack ?? error.message) : String(error));
  process.exit(1);
});
