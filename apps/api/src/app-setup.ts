import { ValidationPipe, type INestApplication } from '@nestjs/common';
import { API_CONFIG, type ApiConfig } from './config/api-config';
import { serveOpenApi } from './openapi';

export const API_PREFIX = 'api';

/** HTTP-level settings shared by main.ts and the integration tests, so tests see the real routes. */
export function configureApp(app: INestApplication): INestApplication {
  // /metrics stays at the root, where Prometheus scrapes by default.
  app.setGlobalPrefix(API_PREFIX, { exclude: ['metrics'] });
  // Unknown fields are refused (400 naming them) rather than silently dropped, so typos surface.
  app.useGlobalPipes(new ValidationPipe({ whitelist: true, forbidNonWhitelisted: true, transform: true }));
  serveOpenApi(app, app.get<ApiConfig>(API_CONFIG).version);
  return app;
}
