import type { INestApplication } from '@nestjs/common';
import {
  agentHeartbeatKey,
  agentLifecycleQueue,
  bullmqPrefix,
  DOMAIN_EVENTS_QUEUE,
  type AgentHeartbeat,
} from '@xeno/contracts';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AgentRegistry } from '../src/agents/agent-registry.service';
import type { ApiConfig } from '../src/config/api-config';
import { LifecycleDispatcher } from '../src/queues/lifecycle-dispatcher.service';
import { apiClient } from './api-client';
import { startTestApp, testApiConfig } from './api-test-app';
import { parsePrometheusText, sampleValue, type PromSample } from './prometheus-text';

let app: INestApplication;
let baseUrl: string;
let config: ApiConfig;
let redis: Redis;
let api: ReturnType<typeof apiClient>;

beforeAll(async () => {
  config = testApiConfig();
  ({ app, baseUrl } = await startTestApp(config));
  api = apiClient(baseUrl);
  redis = new Redis(config.redisUrl);
});
afterAll(async () => {
  redis?.disconnect();
  await app?.close();
});

async function scrape(): Promise<PromSample[]> {
  const response = await fetch(`${baseUrl}/metrics`);
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toMatch(/^text\/plain;.*version=0\.0\.4/);
  return parsePrometheusText(await response.text()).samples;
}

async function fakeAgent(): Promise<string> {
  const agentId = `agent-${randomBytes(3).toString('hex')}`;
  const beat: AgentHeartbeat = {
    agentId,
    hostname: 'metrics-test',
    pid: 1,
    capacity: { pcpus: 2, totalMemoryBytes: 2 ** 30, freeMemoryBytes: 2 ** 30 },
    startedAt: new Date().toISOString(),
    timestamp: new Date().toISOString(),
  };
  await redis.set(agentHeartbeatKey(config.redisPrefix, agentId), JSON.stringify(beat), 'PX', 60_000);
  return agentId;
}

describe('GET /metrics', () => {
  it('is valid text exposition with every family typed, outside /api and without auth', async () => {
    const response = await fetch(`${baseUrl}/metrics`);
    const { types } = parsePrometheusText(await response.text());
    expect(types.get('xeno_http_requests_total')).toBe('counter');
    expect(types.get('xeno_http_request_duration_seconds')).toBe('histogram');
    expect(types.get('xeno_domains')).toBe('gauge');
    expect(types.get('xeno_agents')).toBe('gauge');
    expect(types.get('xeno_queue_jobs')).toBe('gauge');
    expect(types.get('xeno_job_failures_total')).toBe('counter');
    expect(types.get('xeno_api_process_cpu_seconds_total')).toBe('counter');
    expect((await fetch(`${baseUrl}/api/metrics`)).status).toBe(404);
  });

  it('counts and times requests by route pattern and status, including guard refusals and unknown paths', async () => {
    const { cookie } = await api.signUp();
    const route = { method: 'GET', route: '/api/domains/:id', status: '404' };
    const before = await scrape();
    await api.call('GET', `/api/domains/${randomUUID()}`, { cookie });
    await api.call('GET', `/api/domains/${randomUUID()}`, { cookie });
    await api.call('GET', `/api/domains/${randomUUID()}`); // no credentials: 401 from the guard
    await api.call('GET', `/api/no-such-route/${randomUUID()}`, { cookie });
    const after = await scrape();
    const delta = (name: string, labels: Record<string, string>) =>
      sampleValue(after, name, labels) - sampleValue(before, name, labels);
    expect(delta('xeno_http_requests_total', route)).toBe(2);
    expect(delta('xeno_http_request_duration_seconds_count', route)).toBe(2);
    expect(delta('xeno_http_request_duration_seconds_bucket', { ...route, le: '+Inf' })).toBe(2);
    expect(sampleValue(after, 'xeno_http_request_duration_seconds_sum', route)).toBeGreaterThan(0);
    expect(delta('xeno_http_requests_total', { ...route, status: '401' })).toBe(1);
    expect(delta('xeno_http_requests_total', { method: 'GET', route: 'unmatched', status: '404' })).toBe(1);
    // Ids never become labels.
    expect(after.some((s) => Object.values(s.labels).some((v) => /[0-9a-f]{8}-[0-9a-f]{4}-/.test(v)))).toBe(
      false,
    );
  });

  it('reports domains and agents by state, with every state present', async () => {
    const { cookie } = await api.signUp();
    const before = await scrape();
    const created = await api.call('POST', '/api/domains', {
      cookie,
      body: { name: 'metered', imageId: 'xenolite', memoryMiB: 64 },
    });
    expect(created.status).toBe(201);
    const agentId = await fakeAgent();
    await app.get(AgentRegistry).setAdminState(agentId, 'cordoned');
    const after = await scrape();
    expect(sampleValue(after, 'xeno_domains', { state: 'pending' })).toBeGreaterThanOrEqual(
      sampleValue(before, 'xeno_domains', { state: 'pending' }) + 1,
    );
    for (const state of ['running', 'lost', 'error'])
      expect(after.some((s) => s.name === 'xeno_domains' && s.labels.state === state)).toBe(true);
    // The agents are this app's own (its Redis prefix), so the figures are exact.
    expect(sampleValue(after, 'xeno_agents', { state: 'cordoned' })).toBe(1);
    expect(sampleValue(after, 'xeno_agents', { state: 'draining' })).toBe(0);
    expect(sampleValue(after, 'xeno_scrape_source_up', { source: 'agents' })).toBe(1);
  });

  it('reports queue depths per lifecycle queue and counts failed domain-event jobs', async () => {
    const agentId = await fakeAgent();
    const queue = agentLifecycleQueue(agentId);
    await app.get(LifecycleDispatcher).dispatch(agentId, {
      kind: 'domain.pause',
      actionId: randomUUID(),
      domainId: randomUUID(),
    });
    const before = await scrape();
    expect(sampleValue(before, 'xeno_queue_jobs', { queue, state: 'waiting' })).toBe(1);
    expect(sampleValue(before, 'xeno_queue_jobs', { queue, state: 'failed' })).toBe(0);

    // An event the API cannot apply (its domain id is no uuid: Postgres refuses the query) fails its job.
    const events = new Queue(DOMAIN_EVENTS_QUEUE, {
      connection: redis,
      prefix: bullmqPrefix(config.redisPrefix),
    });
    await events.add(
      'running',
      { agentId, domainId: 'not-a-uuid', state: 'running', at: new Date().toISOString() },
      { attempts: 1 },
    );
    const failures = (samples: PromSample[]) =>
      sampleValue(samples, 'xeno_job_failures_total', { queue: DOMAIN_EVENTS_QUEUE });
    let after = await scrape();
    for (let i = 0; i < 50 && failures(after) === failures(before); i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      after = await scrape();
    }
    expect(failures(after) - failures(before)).toBe(1);
    expect(sampleValue(after, 'xeno_queue_jobs', { queue: DOMAIN_EVENTS_QUEUE, state: 'failed' })).toBe(1);
    await events.close();
  });
});
