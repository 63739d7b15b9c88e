import type { INestApplication } from '@nestjs/common';
import { ImageStore } from '@xeno/images';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findProjectRoot } from '../src/config/project-root';
import { createTestApp, testApiConfig } from './api-test-app';

describe('GET /api/images', () => {
  let app: INestApplication;
  beforeAll(async () => {
    app = await createTestApp(testApiConfig());
  });
  afterAll(async () => {
    await app?.close();
  });

  it('needs a caller', async () => {
    await request(app.getHttpServer()).get('/api/images').expect(401);
  });

  it("lists the ImageStore's bootable images with their defaults, without host file paths", async () => {
    const signup = await request(app.getHttpServer())
      .post('/api/auth/signup')
      .send({ email: 'images@example.test', password: 'correct horse battery', tenantName: 'Img' })
      .expect(201);
    const response = await request(app.getHttpServer())
      .get('/api/images')
      .set('cookie', signup.headers['set-cookie']![0]!.split(';')[0]!)
      .expect(200);
    const expected = new ImageStore(findProjectRoot().root).list();
    expect(expected.length).toBeGreaterThan(0); // xenolite is committed in guests/dist
    expect(response.body.images.map((image: { id: string }) => image.id)).toEqual(
      expected.map((image) => image.id),
    );
    expect(response.body.images[0]).toMatchObject({ id: expected[0]!.id, defaults: expected[0]!.defaults });
    expect(JSON.stringify(response.body)).not.toContain('kernelPath');
  });
});
