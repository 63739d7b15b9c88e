import {
  agentLifecycleQueue,
  bullmqPrefix,
  consoleInputChannel,
  consoleLogKey,
  DOMAIN_EVENTS_QUEUE,
  type AgentDomainEvent,
  type AgentJob,
  type DomainSpec,
} from '@xeno/contracts';
import { ImageStore } from '@xeno/images';
import { Queue, type Job } from 'bullmq';
import { Redis } from 'ioredis';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findProjectRoot } from '../../../tools/infra';
import { requireTestEnv } from '../../../test/support/test-env';
import { hostWorkerBundle } from '../test/support/host-worker-bundle';
import { DomainAgent } from './domain-agent';
import { WorkerDomainHost } from './host/worker-domain-host';
import { JsonLogger } from './json-logger';

const AGENT = 'agent-under-test';
const prefix = `${requireTestEnv('redisPrefix')}domain-agent:`;
const url = requireTestEnv('redisUrl');

function spec(domainId: string): DomainSpec {
  return {
    domainId,
    tenantId: 't1',
    name: domainId,
    imageId: 'xenolite',
    memoryMiB: 16,
    vcpus: 1,
    weight: 256,
    cap: 0,
    cmdline: '',
  };
}

describe('DomainAgent: lifecycle jobs, events and consoles over real Redis', () => {
  const redis = new Redis(url);
  const subscriber = new Redis(url);
  const queueConnection = new Redis(url, { maxRetriesPerRequest: null });
  const host = new WorkerDomainHost({ memoryMiB: 96, workerEntry: hostWorkerBundle() });
  const options = {
    agentId: AGENT,
    redisPrefix: prefix,
    dataDir: mkdtempSync(path.join(os.tmpdir(), 'xeno-agent-data-')),
    redis,
    subscriber,
    queueConnection,
    host,
    images: new ImageStore(findProjectRoot()),
    logger: new JsonLogger({}, () => undefined),
  };
  const agent = new DomainAgent(options);
  const lifecycle = new Queue(agentLifecycleQueue(AGENT), {
    connection: queueConnection,
    prefix: bullmqPrefix(prefix),
  });
  const events = new Queue(DOMAIN_EVENTS_QUEUE, {
    connection: queueConnection,
    prefix: bullmqPrefix(prefix),
  });
  let jobCount = 0;

  async function run(job: unknown, attempts = 1): Promise<Job> {
    const added = await lifecycle.add('job', job, {
      jobId: `j${++jobCount}`,
      attempts,
      backoff: { type: 'fixed', delay: 10 },
    });
    for (;;) {
      // State first, then the job: a job object fetched before it finished has no returnvalue/failedReason.
      const state = await lifecycle.getJobState(added.id!);
      if (state === 'completed' || state === 'failed') return (await lifecycle.getJob(added.id!))!;
      await new Promise((resolve) => setTimeout(resolve, 30));
    }
  }

  async function domainEvents(): Promise<AgentDomainEvent[]> {
    await agent.events.drain();
    const jobs = await events.getJobs(['waiting', 'paused'], 0, -1, true);
    return jobs.filter((j) => j.name !== 'reconcile').map((j) => j.data as AgentDomainEvent);
  }

  async function consoleText(domainId: string): Promise<{ text: string; seqs: number[] }> {
    const entries = await redis.xrange(consoleLogKey(prefix, domainId), '-', '+');
    const seqs: number[] = [];
    let text = '';
    for (const [, fields] of entries) {
      seqs.push(Number(fields[fields.indexOf('seq') + 1]));
      text += Buffer.from(fields[fields.indexOf('data') + 1], 'base64').toString('latin1');
    }
    return { text, seqs };
  }

  async function until(condition: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!(await condition())) {
      if (Date.now() > deadline) throw new Error('condition not met in time');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  const start = (actionId: string, domainId: string): AgentJob => ({
    kind: 'domain.start',
    actionId,
    domainId,
    spec: spec(domainId),
  });

  beforeAll(() => agent.start());
  afterAll(async () => {
    await agent.close();
    await host.close();
    await lifecycle.close();
    await events.close();
    for (const connection of [redis, subscriber, queueConnection]) await connection.quit();
  });

  it('boots xenolite for a start job: starting → running events, numbered console in the stream, input echoed', async () => {
    const job = await run(start('act-1', 'vm-1'));
    expect(job.returnvalue).toEqual({ actionId: 'act-1', domainId: 'vm-1', state: 'running' });
    expect((await domainEvents()).map((e) => [e.actionId, e.state])).toEqual([
      ['act-1', 'starting'],
      ['act-1', 'running'],
    ]);
    await until(async () => (await consoleText('vm-1')).text.includes('xenolite:~$ '));
    await redis.publish(consoleInputChannel(prefix, 'vm-1'), Buffer.from('echo hi\n').toString('base64'));
    await until(async () => /\nhi\r?\n/.test((await consoleText('vm-1')).text));
    const { text, seqs } = await consoleText('vm-1');
    // seq is the byte offset of each chunk: strictly increasing and gap-free.
    let expected = 0;
    const entries = await redis.xrange(consoleLogKey(prefix, 'vm-1'), '-', '+');
    for (const [, fields] of entries) {
      expect(Number(fields[fields.indexOf('seq') + 1])).toBe(expected);
      expected += Buffer.from(fields[fields.indexOf('data') + 1], 'base64').length;
    }
    expect(seqs.length).toBeGreaterThan(0);
    expect(expected).toBe(Buffer.from(text, 'latin1').length);
  });

  it('does not boot a domain twice for a repeated action, nor for a second start', async () => {
    const again = await run(start('act-1', 'vm-1'));
    expect(again.returnvalue).toMatchObject({ state: 'running' });
    const other = await run(start('act-1b', 'vm-1'));
    expect(other.returnvalue).toMatchObject({ state: 'running' });
    expect((await host.stats()).domains).toHaveLength(1);
    expect((await domainEvents()).filter((e) => e.actionId === 'act-1')).toHaveLength(2); // deduplicated
  });

  it('refuses malformed jobs and impossible actions with the reason, without retrying', async () => {
    const bad = await run(
      { kind: 'domain.start', actionId: 'act-bad', domainId: 'vm-x', spec: { domainId: 'vm-x' } },
      3,
    );
    expect(await bad.getState()).toBe('failed');
    expect(bad.failedReason).toBe('spec.tenantId missing');
    expect(bad.attemptsMade).toBe(1);
    const missing = await run({ kind: 'domain.pause', actionId: 'act-p0', domainId: 'vm-none' }, 3);
    expect(missing.failedReason).toContain('not on this host');
    expect(missing.attemptsMade).toBe(1);
    const events = await domainEvents();
    expect(events).toContainEqual(
      expect.objectContaining({
        actionId: 'act-bad',
        state: 'error',
        detail: 'job refused: spec.tenantId missing',
      }),
    );
  });

  it('pauses, resumes, reboots (seq keeps counting) and stops a domain', async () => {
    expect(
      (await run({ kind: 'domain.pause', actionId: 'act-2', domainId: 'vm-1' })).returnvalue,
    ).toMatchObject({ state: 'paused' });
    expect(
      (await run({ kind: 'domain.resume', actionId: 'act-3', domainId: 'vm-1' })).returnvalue,
    ).toMatchObject({ state: 'running' });
    const before = (await consoleText('vm-1')).text.length;
    expect(
      (await run({ kind: 'domain.reboot', actionId: 'act-4', domainId: 'vm-1' })).returnvalue,
    ).toMatchObject({ state: 'running' });
    await until(async () => (await consoleText('vm-1')).text.slice(before).includes('xenolite:~$ '));
    const stopped = await run({
      kind: 'domain.stop',
      actionId: 'act-5',
      domainId: 'vm-1',
      timeoutMs: 10_000,
    });
    expect(stopped.returnvalue).toMatchObject({ state: 'stopped', shutdownReason: 'poweroff' });
    expect((await host.stats()).domains).toHaveLength(0);
  });
});
