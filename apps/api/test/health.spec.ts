import type { INestApplication } from '@nestjs/common';
import { agentHeartbeatKey } from '@xeno/contracts';
import request from 'supertest';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { connectRedisOnce, findFreePort } from '../../../tools/infra';
import { requireTestEnv } from '../../../test/support/test-env';
import { createTestApp, testApiConfig } from './api-test-app';

describe('GET /api/health', () => {
  let app: INestApplication | undefined;

  afterEach(async () => {
    await app?.close();
    app = undefined;
  });

  it('answers 200 with db and redis up when both answer', async () => {
    app = await createTestApp(testApiConfig());
    const response = await request(app.getHttpServer()).get('/api/health').expect(200);
    expect(response.body).toEqual({
      service: 'xenoserver-api',
      status: 'ok',
      db: 'up',
      redis: 'up',
      agents: 0,
      version: '0.0.0-test',
    });
  });

  it('answers 503 with redis down when Redis points at a closed port', async () => {
    app = await createTestApp(testApiConfig({ redisUrl: `redis://127.0.0.1:${await findFreePort()}` }));
    const response = await request(app.getHttpServer()).get('/api/health').expect(503);
    expect(response.body).toMatchObject({ status: 'degraded', db: 'up', redis: 'down', agents: 0 });
  });

  it('answers 503 with db down when Postgres points at a closed port (the API still boots)', async () => {
    const closed = `postgresql://postgres@127.0.0.1:${await findFreePort()}/xenoserver`;
    app = await createTestApp(testApiConfig({ databaseUrl: closed }));
    const response = await request(app.getHttpServer()).get('/api/health').expect(503);
    expect(response.body).toMatchObject({ status: 'degraded', db: 'down', redis: 'up' });
  });

  describe('agents', () => {
    const redis = connectRedisOnce(requireTestEnv('redisUrl'));
    beforeAll(() => redis.connect());
    afterAll(() => redis.quit());

    it('counts live heartbeats under its own key prefix only', async () => {
      const config = testApiConfig();
      app = await createTestApp(config);
      const beat = JSON.stringify({ agentId: 'x' });
      await redis.set(agentHeartbeatKey(config.redisPrefix, 'agent-a'), beat, 'PX', 10_000);
      await redis.set(agentHeartbeatKey(config.redisPrefix, 'agent-b'), beat, 'PX', 10_000);
      await redis.set(agentHeartbeatKey(`${config.redisPrefix}other:`, 'agent-c'), beat, 'PX', 10_000);

      const response = await request(app.getHttpServer()).get('/api/health').expect(200);
      expect(response.body.agents).toBe(2);
    });

    it('stops counting an agent once its heartbeat expires', async () => {
      const config = testApiConfig();
      app = await createTestApp(config);
      await redis.set(agentHeartbeatKey(config.redisPrefix, 'short-lived'), '{}', 'PX', 100);
      await new Promise((resolve) => setTimeout(resolve, 200));

      const response = await request(app.getHttpServer()).get('/api/health').expect(200);
      expect(response.body.agents).toBe(0);
    });
  });
});
