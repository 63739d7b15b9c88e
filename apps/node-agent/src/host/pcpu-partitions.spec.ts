import type { DomainSpec } from '@xeno/contracts';
import { ImageStore } from '@xeno/images';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findProjectRoot } from '../../../../tools/infra';
import { hostWorkerBundle } from '../../test/support/host-worker-bundle';
import { PartitionedDomainHost } from './pcpu-partitions';
import { HostError } from './host-protocol';
import { WorkerDomainHost } from './worker-domain-host';

const PROMPT = 'xenolite:~$ ';
const images = new ImageStore(findProjectRoot());
/** What a 64 MiB worker host can hand out (see guestMemoryMiB in main.ts). */
const PARTITION_GUEST_MIB = 47;

function createRequest(domainId: string, memoryMiB = 16) {
  const spec: DomainSpec = {
    domainId,
    tenantId: 't1',
    name: domainId,
    imageId: 'xenolite',
    memoryMiB,
    vcpus: 1,
    weight: 256,
    cap: 0,
    cmdline: '',
  };
  return { op: 'create' as const, spec, kernel: images.load('xenolite').kernel };
}

async function until(condition: () => boolean | Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('PartitionedDomainHost: one worker thread per pCPU', () => {
  const workers = [0, 1].map(() => new WorkerDomainHost({ memoryMiB: 64, workerEntry: hostWorkerBundle() }));
  const host = new PartitionedDomainHost(
    workers.map((w) => ({ host: w, guestMemoryMiB: PARTITION_GUEST_MIB })),
  );
  const output = new Map<string, string>();
  const exits: string[] = [];
  host.on('console', (domainId, data) => {
    output.set(domainId, (output.get(domainId) ?? '') + Buffer.from(data).toString('latin1'));
    host.acknowledgeConsole(domainId, data.length);
  });
  host.on('exit', (domainId) => exits.push(domainId));
  const text = (id: string): string => output.get(id) ?? '';

  beforeAll(async () => {
    for (const id of ['a', 'b']) {
      await host.create(createRequest(id));
      await host.start(id);
    }
    await until(() => text('a').includes(PROMPT) && text('b').includes(PROMPT));
  });
  afterAll(() => host.close());

  it('spreads domains over the partitions, and each partition runs its own on its own thread', async () => {
    expect([host.partitionOf('a'), host.partitionOf('b')].sort()).toEqual([0, 1]);
    const [p0, p1] = await Promise.all(workers.map((w) => w.stats()));
    // Each worker booted one guest: both threads executed guest instructions.
    expect(p0.instructions).toBeGreaterThan(100_000);
    expect(p1.instructions).toBeGreaterThan(100_000);
    const merged = await host.stats();
    expect(merged.instructions).toBe(p0.instructions + p1.instructions);
    expect(merged.domains.map((d) => d.domainId).sort()).toEqual(['a', 'b']);
    expect(merged.memoryUsedMiB).toBe(32);
  });

  it('routes console input and actions to the partition of the domain', async () => {
    for (const id of ['a', 'b']) {
      const before = text(id).length;
      host.sendConsoleInput(id, new TextEncoder().encode(`echo from-${id}\n`));
      await until(() => text(id).slice(before).includes(`\nfrom-${id}`));
    }
    expect(await host.pause('b')).toMatchObject({ domainId: 'b', state: 'paused' });
    expect(await host.resume('b')).toMatchObject({ domainId: 'b', state: 'running' });
    expect(await host.info('nobody')).toBeNull();
    await expect(host.start('nobody')).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('places by free memory, refuses what no partition can hold, and forgets destroyed domains', async () => {
    // 47 − 16 = 31 MiB free on each: a 30 MiB domain fits one of them, then a second 30 MiB one the other.
    await host.create(createRequest('big-1', 30));
    await host.create(createRequest('big-2', 30));
    expect(host.partitionOf('big-1')).not.toBe(host.partitionOf('big-2'));
    const tooBig = host.create(createRequest('huge', 64));
    await expect(tooBig).rejects.toBeInstanceOf(HostError);
    await expect(tooBig).rejects.toThrow(/larger than one pCPU partition of this host \(47 MiB\)/);
    await expect(host.create(createRequest('no-room', 10))).rejects.toThrow(
      /no pCPU partition .* 10 MiB free/,
    );
    await expect(host.create(createRequest('a'))).rejects.toMatchObject({ code: 'CONFLICT' });
    const freed = host.partitionOf('big-1');
    expect(await host.destroy('big-1')).toEqual({ existed: true });
    expect(host.partitionOf('big-1')).toBeUndefined();
    expect(await host.destroy('big-1')).toEqual({ existed: false });
    // The freed room is used again: only that partition has 10 MiB free now.
    await host.create(createRequest('after', 10));
    expect(host.partitionOf('after')).toBe(freed);
  });
});
