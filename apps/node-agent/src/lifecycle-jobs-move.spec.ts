/**
 * The move jobs on two real agents (DomainAgent, WorkerDomainHost, real Redis): domain.snapshot on the
 * source, domain.start with restoreSnapshotKey on the target, their retries, and the refusals.
 */
import {
  agentLifecycleQueue,
  bullmqPrefix,
  consoleInputChannel,
  consoleLogKey,
  DOMAIN_EVENTS_QUEUE,
  domainSnapshotKey,
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
import { ActionJournal } from './action-journal';
import { DomainAgent } from './domain-agent';
import { WorkerDomainHost } from './host/worker-domain-host';
import { JsonLogger } from './json-logger';
import { LifecycleJobs, JobRefusedError } from './lifecycle-jobs';
import { startLifecycleWorker } from './lifecycle-worker';
import { encodeMoveSnapshot } from './move-snapshot';
import { RedisSnapshotStore, type SnapshotStore } from './snapshot-store';

const prefix = `${requireTestEnv('redisPrefix')}move-jobs:`;
const url = requireTestEnv('redisUrl');
const images = new ImageStore(findProjectRoot());

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

describe('move jobs between two agents', () => {
  const redis = new Redis(url);
  const subscriber = new Redis(url);
  const queueConnection = new Redis(url, { maxRetriesPerRequest: null });
  const logger = new JsonLogger({}, () => undefined);
  const makeAgent = (agentId: string) => {
    const host = new WorkerDomainHost({ memoryMiB: 96, workerEntry: hostWorkerBundle() });
    const dataDir = mkdtempSync(path.join(os.tmpdir(), `xeno-${agentId}-`));
    const agent = new DomainAgent({
      agentId,
      redisPrefix: prefix,
      dataDir,
      redis,
      subscriber: new Redis(url),
      queueConnection,
      host,
      images,
      logger,
    });
    const queue = new Queue(agentLifecycleQueue(agentId), {
      connection: queueConnection,
      prefix: bullmqPrefix(prefix),
    });
    return { agentId, host, agent, queue, dataDir };
  };
  const a = makeAgent('move-src');
  const b = makeAgent('move-dst');
  const events = new Queue(DOMAIN_EVENTS_QUEUE, {
    connection: queueConnection,
    prefix: bullmqPrefix(prefix),
  });
  let jobCount = 0;

  async function run(on: typeof a, job: AgentJob): Promise<Job> {
    const added = await on.queue.add('job', job, { jobId: `j${++jobCount}`, attempts: 1 });
    for (;;) {
      const state = await on.queue.getJobState(added.id!);
      if (state === 'completed' || state === 'failed') return (await on.queue.getJob(added.id!))!;
      await new Promise((resolve) => setTimeout(resolve, 30));
    }
  }

  async function domainEvents(): Promise<AgentDomainEvent[]> {
    await Promise.all([a.agent.events.drain(), b.agent.events.drain()]);
    const jobs = await events.getJobs(['waiting', 'paused'], 0, -1, true);
    return jobs.filter((j) => j.name !== 'reconcile').map((j) => j.data as AgentDomainEvent);
  }

  /** The console stream, checking that every entry starts where the previous one ended. */
  async function consoleStream(domainId: string): Promise<string> {
    const entries = await redis.xrange(consoleLogKey(prefix, domainId), '-', '+');
    let expected = 0;
    let text = '';
    for (const [, fields] of entries) {
      const data = Buffer.from(fields[fields.indexOf('data') + 1], 'base64');
      expect(Number(fields[fields.indexOf('seq') + 1])).toBe(expected);
      expected += data.length;
      text += data.toString('latin1');
    }
    return text;
  }

  async function until(condition: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!(await condition())) {
      if (Date.now() > deadline) throw new Error('condition not met in time');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  const type = (domainId: string, line: string) =>
    redis.publish(consoleInputChannel(prefix, domainId), Buffer.from(line).toString('base64'));

  beforeAll(() => Promise.all([a.agent.start(), b.agent.start()]));
  afterAll(async () => {
    for (const side of [a, b]) {
      await side.agent.close();
      await side.host.close();
      await side.queue.close();
    }
    await events.close();
    for (const connection of [redis, subscriber, queueConnection]) await connection.quit();
  });

  it('snapshots on the source, restores on the target, and the console stream runs on without a gap', async () => {
    await run(a, { kind: 'domain.start', actionId: 'boot-1', domainId: 'vm-m', spec: spec('vm-m') });
    await until(async () => (await consoleStream('vm-m')).includes('xenolite:~$ '));
    await type('vm-m', 'echo before-move\n');
    await until(async () => /before-move\r?\n[\s\S]*xenolite:~\$ $/.test(await consoleStream('vm-m')));

    const key = domainSnapshotKey(prefix, 'vm-m', 'move-1');
    const snap = await run(a, {
      kind: 'domain.snapshot',
      actionId: 'move-1',
      domainId: 'vm-m',
      snapshotKey: key,
      thenDestroy: true,
    });
    expect(snap.returnvalue).toMatchObject({ state: 'stopped', shutdownReason: 'destroyed' });
    expect(snap.returnvalue.snapshotBytes).toBeGreaterThan(1000);
    expect(await a.host.info('vm-m')).toBeNull();
    const ttl = await redis.ttl(key);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(3600);
    // A retry of the same action answers from the journal; one whose journal entry was lost (agent
    // crashed after destroying) finds the stored snapshot: neither saves again.
    const again = await run(a, {
      kind: 'domain.snapshot',
      actionId: 'move-1',
      domainId: 'vm-m',
      snapshotKey: key,
      thenDestroy: true,
    });
    expect(again.returnvalue).toEqual(snap.returnvalue);
    const noJournal = new LifecycleJobs(
      'move-src',
      a.host,
      images,
      new ActionJournal(mkdtempSync(path.join(os.tmpdir(), 'xeno-journal-'))),
      a.agent.consoles,
      a.agent.events,
      new RedisSnapshotStore(redis),
    );
    expect(
      await noJournal.handle({
        kind: 'domain.snapshot',
        actionId: 'move-1',
        domainId: 'vm-m',
        snapshotKey: key,
        thenDestroy: true,
      }),
    ).toEqual({ actionId: 'move-1', domainId: 'vm-m', state: 'stopped', shutdownReason: 'destroyed' });

    const restore: AgentJob = {
      kind: 'domain.start',
      actionId: 'move-1',
      domainId: 'vm-m',
      spec: spec('vm-m'),
      restoreSnapshotKey: key,
    };
    expect((await run(b, restore)).returnvalue).toEqual({
      actionId: 'move-1',
      domainId: 'vm-m',
      state: 'running',
    });
    const { domid } = (await b.host.info('vm-m'))!;
    await type('vm-m', 'echo after-move\n');
    await until(async () => /after-move\r?\n[\s\S]*xenolite:~\$ $/.test(await consoleStream('vm-m')));
    const text = await consoleStream('vm-m');
    // One banner (no second boot), both commands, in order.
    expect(text.match(/xenolite \d+\.\d+\.\d+/g)).toHaveLength(1);
    expect(text.indexOf('before-move')).toBeLessThan(text.indexOf('after-move'));
    expect(await redis.exists(key)).toBe(0); // restored: the snapshot is not kept

    // A retried restore never restores twice, even without the journal: the domain is here already.
    expect((await run(b, restore)).returnvalue).toMatchObject({ state: 'running' });
    const freshJournal = new LifecycleJobs(
      'move-dst',
      b.host,
      images,
      new ActionJournal(mkdtempSync(path.join(os.tmpdir(), 'xeno-journal-'))),
      b.agent.consoles,
      b.agent.events,
      { put: never, get: never, exists: never, delete: never },
    );
    expect(await freshJournal.handle(restore)).toMatchObject({ state: 'running' });
    expect((await b.host.info('vm-m'))!.domid).toBe(domid);

    const events = (await domainEvents()).filter((e) => e.actionId === 'move-1');
    expect(events.map((e) => `${e.agentId}:${e.state}`)).toEqual([
      'move-src:stopped',
      'move-dst:starting',
      'move-dst:running',
    ]);
  });

  it('refuses a missing or damaged snapshot with the reason, leaving nothing on the target', async () => {
    const missing = await run(b, {
      kind: 'domain.start',
      actionId: 'move-2',
      domainId: 'vm-n',
      spec: spec('vm-n'),
      restoreSnapshotKey: domainSnapshotKey(prefix, 'vm-n', 'nothing-here'),
    });
    expect(await missing.getState()).toBe('failed');
    expect(missing.failedReason).toMatch(/^no snapshot under .*nothing-here \(expired, or never stored\)$/);

    const garbage = domainSnapshotKey(prefix, 'vm-n', 'garbage');
    await redis.set(garbage, Buffer.from('definitely not a snapshot'));
    const refused = await run(b, {
      kind: 'domain.start',
      actionId: 'move-3',
      domainId: 'vm-n',
      spec: spec('vm-n'),
      restoreSnapshotKey: garbage,
    });
    expect(refused.failedReason).toContain('is damaged: not a move snapshot');

    // A well-formed envelope around a damaged xen-core stream: the hypervisor's BAD_SNAPSHOT, named.
    const damaged = domainSnapshotKey(prefix, 'vm-n', 'damaged');
    const xen = new Uint8Array(4096).fill(7);
    await redis.set(
      damaged,
      encodeMoveSnapshot({
        snapshot: { domainId: 'vm-n', xen, paused: false, pendingInput: new Uint8Array() },
        imageId: 'xenolite',
        consoleNextSeq: 0,
      }),
    );
    const bad = await run(b, {
      kind: 'domain.start',
      actionId: 'move-4',
      domainId: 'vm-n',
      spec: spec('vm-n'),
      restoreSnapshotKey: damaged,
    });
    expect(bad.failedReason).toContain('BAD_SNAPSHOT');
    expect(bad.attemptsMade).toBe(1);
    expect(await b.host.info('vm-n')).toBeNull();

    const events = await domainEvents();
    expect(events).toContainEqual(
      expect.objectContaining({
        actionId: 'move-4',
        state: 'error',
        detail: expect.stringContaining('BAD_SNAPSHOT'),
      }),
    );
    const notHere = await run(a, {
      kind: 'domain.snapshot',
      actionId: 'move-5',
      domainId: 'vm-n',
      snapshotKey: domainSnapshotKey(prefix, 'vm-n', 'move-5'),
      thenDestroy: true,
    });
    expect(notHere.failedReason).toBe('domain vm-n is not on agent move-src');
  });

  it('lets the domain run on where it was when the snapshot cannot be stored', async () => {
    await run(a, { kind: 'domain.start', actionId: 'boot-6', domainId: 'vm-s', spec: spec('vm-s') });
    await until(async () => (await consoleStream('vm-s')).includes('xenolite:~$ '));
    const failing: SnapshotStore = {
      put: () => Promise.reject(new Error('Redis is out of memory')),
      get: never,
      exists: never,
      delete: never,
    };
    const jobs = new LifecycleJobs(
      'move-src',
      a.host,
      images,
      new ActionJournal(mkdtempSync(path.join(os.tmpdir(), 'xeno-journal-'))),
      a.agent.consoles,
      a.agent.events,
      failing,
    );
    const job: AgentJob = {
      kind: 'domain.snapshot',
      actionId: 'move-6',
      domainId: 'vm-s',
      snapshotKey: domainSnapshotKey(prefix, 'vm-s', 'move-6'),
      thenDestroy: true,
    };
    // A transient failure (retried by BullMQ), not a refusal; the domain is thawed and answers.
    const failure = await jobs.handle(job).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(Error);
    expect(failure).not.toBeInstanceOf(JobRefusedError);
    expect((await a.host.info('vm-s'))!.state).toBe('running');
    await type('vm-s', 'echo still-on-source\n');
    await until(async () => /still-on-source\r?\n/.test(await consoleStream('vm-s')));

    // Through the queue: once BullMQ gives up, the agent reports the move failed (the domain runs on).
    const worker = startLifecycleWorker('move-flaky', prefix, queueConnection, jobs, logger);
    const flaky = new Queue(agentLifecycleQueue('move-flaky'), {
      connection: queueConnection,
      prefix: bullmqPrefix(prefix),
    });
    const added = await flaky.add('job', job, {
      jobId: 'flaky-1',
      attempts: 2,
      backoff: { type: 'fixed', delay: 10 },
    });
    await until(async () => (await flaky.getJobState(added.id!)) === 'failed');
    await until(async () =>
      (await domainEvents()).some(
        (e) =>
          e.actionId === 'move-6' &&
          e.state === 'error' &&
          e.detail === 'gave up after 2 attempts: Redis is out of memory',
      ),
    );
    expect((await a.host.info('vm-s'))!.state).toBe('running');
    await worker.close();
    await flaky.close();
    await run(a, { kind: 'domain.destroy', actionId: 'destroy-6', domainId: 'vm-s' });
  });
});

function never(): never {
  throw new Error('not expected to be called');
}
