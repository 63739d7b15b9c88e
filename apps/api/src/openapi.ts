import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { SESSION_COOKIE } from '@xeno/contracts';

/**
 * OpenAPI at /api/docs (UI) and /api/docs-json, generated from the controllers. Bodies are described by
 * the DTO classes; libs/contracts/src/api holds the authoritative response types (docs/api.md maps them).
 */
export function serveOpenApi(app: INestApplication, version: string): void {
  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('Xenoserver API')
      .setDescription('Tenants, domains and their lifecycle, consoles, agents. See docs/api.md.')
      .setVersion(version)
      .addBearerAuth({ type: 'http', scheme: 'bearer', description: 'personal API token' })
      .addCookieAuth(SESSION_COOKIE)
      .build(),
  );
  SwaggerModule.setup('api/docs', app, document, { jsonDocumentUrl: 'api/docs-json' });
}
