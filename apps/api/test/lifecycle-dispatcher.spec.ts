import type { INestApplication } from '@nestjs/common';
import { agentLifecycleQueue, bullmqPrefix, type AgentJob } from '@xeno/contracts';
import { Queue, UnrecoverableError, Worker } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LifecycleDispatcher } from '../src/queues/lifecycle-dispatcher.service';
import { createTestApp, testApiConfig } from './api-test-app';
import { requireTestEnv } from '../../../test/support/test-env';

const spec = {
  domainId: 'dom-1',
  tenantId: 't1',
  name: 'web',
  imageId: 'xenolite',
  memoryMiB: 16,
  vcpus: 1,
  weight: 256,
  cap: 0,
  cmdline: '',
};

describe('LifecycleDispatcher (real Redis)', () => {
  const config = testApiConfig();
  const connection = { url: requireTestEnv('redisUrl'), maxRetriesPerRequest: null };
  const prefix = bullmqPrefix(config.redisPrefix);
  let app: INestApplication;
  let dispatcher: LifecycleDispatcher;

  beforeAll(async () => {
    app = await createTestApp(config);
    dispatcher = app.get(LifecycleDispatcher);
  });
  afterAll(() => app.close());

  it('puts the job on the agent’s own queue with jobId = actionId, once however often it is dispatched', async () => {
    const job: AgentJob = { kind: 'domain.start', actionId: 'act-1', domainId: 'dom-1', spec };
    await dispatcher.dispatch('agent-a', job);
    await dispatcher.dispatch('agent-a', job);
    const queue = new Queue(agentLifecycleQueue('agent-a'), { connection, prefix });
    const otherQueue = new Queue(agentLifecycleQueue('agent-b'), { connection, prefix });
    try {
      const waiting = await queue.getWaiting();
      expect(waiting.map((j) => [j.id, j.name, j.data])).toEqual([['act-1', 'domain.start', job]]);
      expect(waiting[0].opts).toMatchObject({ attempts: 5, backoff: { type: 'exponential', delay: 1000 } });
      expect(await otherQueue.count()).toBe(0);
    } finally {
      await Promise.all([queue.close(), otherQueue.close()]);
    }
  });

  it('refuses an invalid job before it reaches any queue', async () => {
    const bad = { kind: 'domain.stop', actionId: 'act-2', domainId: 'dom-1', timeoutMs: 0 } as AgentJob;
    await expect(dispatcher.dispatch('agent-a', bad)).rejects.toThrow('timeoutMs must be a positive integer');
  });

  it('keeps a job that failed for good and lists it as a dead letter', async () => {
    await dispatcher.dispatch('agent-c', { kind: 'domain.pause', actionId: 'act-3', domainId: 'dom-9' });
    const worker = new Worker(
      agentLifecycleQueue('agent-c'),
      async () => {
        throw new UnrecoverableError('no such domain on this agent');
      },
      { connection, prefix },
    );
    try {
      await new Promise<void>((resolve) => worker.once('failed', () => resolve()));
    } finally {
      await worker.close();
    }
    expect(await dispatcher.deadLetters(['agent-a', 'agent-c'])).toEqual([
      expect.objectContaining({
        queue: 'lifecycle-agent-c',
        jobId: 'act-3',
        kind: 'domain.pause',
        actionId: 'act-3',
        domainId: 'dom-9',
        failedReason: 'no such domain on this agent',
      }),
    ]);
  });
});
