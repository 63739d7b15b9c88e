import type { INestApplication } from '@nestjs/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, testApiConfig } from './api-test-app';

let app: INestApplication;
let baseUrl: string;
beforeAll(async () => {
  ({ app, baseUrl } = await startTestApp(testApiConfig()));
});
afterAll(() => app?.close());

describe('OpenAPI', () => {
  it('serves the document generated from the controllers at /api/docs-json, and the UI at /api/docs', async () => {
    const response = await fetch(`${baseUrl}/api/docs-json`);
    expect(response.status).toBe(200);
    const document = (await response.json()) as { info: { version: string }; paths: Record<string, object> };
    expect(document.info.version).toBe('0.0.0-test');
    for (const path of ['/api/domains', '/api/domains/{id}/actions', '/api/auth/signup', '/api/images'])
      expect(Object.keys(document.paths)).toContain(path);
    const ui = await fetch(`${baseUrl}/api/docs`);
    expect(ui.status).toBe(200);
    expect(await ui.text()).toContain('swagger');
  });
});
