import type { INestApplication } from '@nestjs/common';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, testApiConfig } from './api-test-app';

describe('web app serving', () => {
  const webDistDir = mkdtempSync(path.join(os.tmpdir(), 'xeno-web-'));
  let app: INestApplication;

  beforeAll(async () => {
    writeFileSync(path.join(webDistDir, 'index.html'), '<!doctype html><title>Xenoserver</title>');
    app = await createTestApp(testApiConfig({ webDistDir }));
  });

  afterAll(async () => {
    await app.close();
    rmSync(webDistDir, { recursive: true, force: true });
  });

  it('serves the built web app at /', async () => {
    const response = await request(app.getHttpServer()).get('/').expect(200);
    expect(response.text).toContain('<title>Xenoserver</title>');
  });

  it('leaves /api to the API: unknown API routes are JSON 404s, not the web page', async () => {
    const response = await request(app.getHttpServer()).get('/api/no-such-route').expect(404);
    expect(response.body).toMatchObject({ statusCode: 404 });
  });

  it('still answers /api/health', async () => {
    await request(app.getHttpServer()).get('/api/health').expect(200);
  });
});
