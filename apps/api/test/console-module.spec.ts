import type { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { agentLoadChannel, consoleLogKey, domainEventsChannel, domainStatsChannel } from '@xeno/contracts';
import { Redis } from 'ioredis';
import type { AddressInfo } from 'node:net';
import { io as connect, type Socket } from 'socket.io-client';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configureApp } from '../src/app-setup';
import { ApiConfigModule } from '../src/config/api-config.module';
import type { ConsoleAccess } from '../src/console/console-access';
import { ConsoleModule } from '../src/console/console.module';
import { testApiConfig } from './api-test-app';

const config = testApiConfig();
/** Token = tenant id; domain `d-<tenant>-*` belongs to that tenant. */
const access: ConsoleAccess = {
  authenticate: async ({ token }) =>
    token ? { userId: `u-${token}`, tenantId: token, platformAdmin: token === 'admin' } : undefined,
  grant: async (principal, domainId) =>
    domainId.startsWith(`d-${principal.tenantId}-`)
      ? { tenantId: principal.tenantId, readOnly: false }
      : undefined,
};

let app: INestApplication;
let redis: Redis;
const sockets: Socket[] = [];

beforeAll(async () => {
  const { Module } = await import('@nestjs/common');
  @Module({
    imports: [ApiConfigModule.forRoot(config), ConsoleModule.register({ useFactory: () => access })],
  })
  class ConsoleTestModule {}
  app = configureApp(await NestFactory.create(ConsoleTestModule, { logger: false }));
  await app.listen(0, '127.0.0.1');
  redis = new Redis(config.redisUrl);
});

afterAll(async () => {
  for (const socket of sockets) socket.close();
  await app.close();
  const keys = await redis.keys(`${config.redisPrefix}*`);
  if (keys.length > 0) await redis.del(...keys);
  redis.disconnect();
});

describe('console log download', () => {
  it("serves the scrollback of one's own domain as a text file", async () => {
    const key = consoleLogKey(config.redisPrefix, 'd-ta-log');
    await redis.xadd(key, '*', 'seq', '0', 'data', Buffer.from('boot\n').toString('base64'));
    await redis.xadd(key, '*', 'seq', '5', 'data', Buffer.from('$ ').toString('base64'));
    const response = await request(app.getHttpServer())
      .get('/api/domains/d-ta-log/console/log.txt')
      .set('Authorization', 'Bearer ta');
    expect(response.status).toBe(200);
    expect(response.headers['content-disposition']).toBe('attachment; filename="console-d-ta-log.txt"');
    expect(response.text).toBe('boot\n$ ');
  });

  it("answers 404 for another tenant's domain and 401 without credentials", async () => {
    const server = app.getHttpServer();
    const foreign = await request(server)
      .get('/api/domains/d-ta-log/console/log.txt')
      .set('Authorization', 'Bearer tb');
    expect(foreign.status).toBe(404);
    expect(foreign.body.message).toBe('domain not found');
    expect((await request(server).get('/api/domains/d-ta-log/console/log.txt')).status).toBe(401);
  });
});

describe('/events push', () => {
  it("delivers a domain's state change to its tenant's browsers only", async () => {
    const port = (app.getHttpServer().address() as AddressInfo).port;
    const open = async (token: string) => {
      const socket = connect(`http://127.0.0.1:${port}/events`, {
        auth: { token },
        transports: ['websocket'],
        forceNew: true,
      });
      sockets.push(socket);
      await new Promise((resolve) => socket.on('connect', () => resolve(undefined)));
      return socket;
    };
    const mine = await open('ta');
    const other = await open('tb');
    const seenByMine: unknown[] = [];
    const seenByOther: unknown[] = [];
    mine.on('domain', (event) => seenByMine.push(event));
    other.on('domain', (event) => seenByOther.push(event));
    const event = { domainId: 'd-ta-1', tenantId: 'ta', state: 'running' };
    await redis.publish(domainEventsChannel(config.redisPrefix), 'not json');
    await redis.publish(domainEventsChannel(config.redisPrefix), JSON.stringify(event));
    for (let i = 0; i < 200 && seenByMine.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
    expect(seenByMine).toEqual([event]);
    expect(seenByOther).toEqual([]);

    // Heartbeat figures travel the same way, as `stats`.
    const statsMine: unknown[] = [];
    const statsOther: unknown[] = [];
    mine.on('stats', (sample) => statsMine.push(sample));
    other.on('stats', (sample) => statsOther.push(sample));
    const sample = { domainId: 'd-ta-1', tenantId: 'ta', at: new Date().toISOString(), cpuShare: 0.25 };
    await redis.publish(domainStatsChannel(config.redisPrefix), JSON.stringify(sample));
    for (let i = 0; i < 200 && statsMine.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
    expect(statsMine).toEqual([sample]);
    expect(statsOther).toEqual([]);
    expect(seenByMine).toEqual([event]);

    // An agent's load belongs to no tenant: only platform admins receive it.
    const admin = await open('admin');
    const agentSeen: unknown[] = [];
    const agentLeaked: unknown[] = [];
    admin.on('agent', (beat) => agentSeen.push(beat));
    mine.on('agent', (beat) => agentLeaked.push(beat));
    const beat = { agentId: 'node-1', at: new Date().toISOString(), load: { cpuBusy: 0.5 } };
    await redis.publish(agentLoadChannel(config.redisPrefix), JSON.stringify(beat));
    for (let i = 0; i < 200 && agentSeen.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
    expect(agentSeen).toEqual([beat]);
    expect(agentLeaked).toEqual([]);
  });
});
