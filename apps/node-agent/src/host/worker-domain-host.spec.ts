import type { DomainSpec } from '@xeno/contracts';
import { ImageStore } from '@xeno/images';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findProjectRoot } from '../../../../tools/infra';
import { hostWorkerBundle } from '../../test/support/host-worker-bundle';
import { HostError } from './host-protocol';
import { WorkerDomainHost } from './worker-domain-host';

const PROMPT = 'xenolite:~$ ';
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

function createRequest(domainId: string) {
  const { kernel } = images.load('xenolite');
  return { op: 'create' as const, spec: spec(domainId), kernel };
}

describe('WorkerDomainHost (xenolite in a worker thread)', () => {
  const host = new WorkerDomainHost({ memoryMiB: 96, workerEntry: hostWorkerBundle() });
  const output = new Map<string, string>();
  const exits: Array<{ domainId: string; reason: string }> = [];
  const reboots: string[] = [];
  host.on('console', (domainId, data) => {
    output.set(domainId, (output.get(domainId) ?? '') + Buffer.from(data).toString('latin1'));
    host.acknowledgeConsole(domainId, data.length);
  });
  host.on('exit', (domainId, reason) => exits.push({ domainId, reason }));
  host.on('rebooted', (domainId) => reboots.push(domainId));
  const text = (id: string): string => output.get(id) ?? '';

  beforeAll(async () => {
    expect(await host.create(createRequest('dom-a'))).toMatchObject({ domainId: 'dom-a', state: 'paused' });
    expect(await host.start('dom-a')).toMatchObject({ state: 'running' });
    await until(() => text('dom-a').includes(PROMPT));
  });
  afterAll(() => host.close());

  it('boots to the prompt and answers typed input', async () => {
    const before = text('dom-a').length;
    host.sendConsoleInput('dom-a', new TextEncoder().encode('echo hi\n'));
    await until(() => /\nhi\r?\n/.test(text('dom-a').slice(before)));
  });

  it('pauses (no output while paused) and resumes', async () => {
    expect(await host.pause('dom-a')).toMatchObject({ state: 'paused' });
    const before = text('dom-a').length;
    host.sendConsoleInput('dom-a', new TextEncoder().encode('echo after\n'));
    const { instructions } = (await host.info('dom-a'))!;
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect((await host.info('dom-a'))!.instructions).toBe(instructions);
    expect(text('dom-a').length).toBe(before);
    expect(await host.resume('dom-a')).toMatchObject({ state: 'running' });
    await until(() => text('dom-a').slice(before).includes('after'));
  });

  it('reboots through xenstore, keeping the console stream', async () => {
    const before = text('dom-a').length;
    expect(await host.reboot('dom-a', 10_000)).toMatchObject({ state: 'running' });
    // A new incarnation prints its boot banner again, on the same stream.
    await until(() => /xenolite \d+\.\d+\.\d+[\s\S]*xenolite:~\$ $/.test(text('dom-a').slice(before)));
  });

  it('reports a guest-initiated reboot', async () => {
    host.sendConsoleInput('dom-a', new TextEncoder().encode('reboot\n'));
    await until(() => reboots.includes('dom-a'));
  });

  it('stops cleanly through xenstore (poweroff), then the domain is gone', async () => {
    expect(await host.stop('dom-a', 10_000)).toEqual({ shutdownReason: 'poweroff' });
    expect(await host.info('dom-a')).toBeNull();
    expect(exits).toEqual([]); // a requested stop is the job's result, not a guest event
  });

  it('destroys by force and reports a guest poweroff as an exit', async () => {
    await host.create(createRequest('dom-b'));
    await host.start('dom-b');
    await until(() => text('dom-b').includes(PROMPT));
    host.sendConsoleInput('dom-b', new TextEncoder().encode('poweroff\n'));
    await until(() => exits.some((e) => e.domainId === 'dom-b'));
    expect(exits).toContainEqual({ domainId: 'dom-b', reason: 'poweroff' });
    await host.create(createRequest('dom-c'));
    expect(await host.destroy('dom-c')).toEqual({ existed: true });
    expect(await host.destroy('dom-c')).toEqual({ existed: false });
  });

  it('refuses unknown domains, duplicates and domains that do not fit, with a reason', async () => {
    await expect(host.pause('nope')).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await host.create(createRequest('dom-d'));
    await expect(host.create(createRequest('dom-d'))).rejects.toBeInstanceOf(HostError);
    const huge = { ...createRequest('dom-e'), spec: { ...spec('dom-e'), memoryMiB: 4096 } };
    await expect(host.create(huge)).rejects.toMatchObject({ code: 'REFUSED' });
    await host.destroy('dom-d');
  });

  it('keeps console memory bounded while a guest prints as fast as it can', async () => {
    let unacked: Uint8Array[] = [];
    const slow = new WorkerDomainHost({ memoryMiB: 48, workerEntry: hostWorkerBundle() });
    let seen = '';
    slow.on('console', (_id, data) => {
      unacked.push(data);
      seen = (seen + Buffer.from(data).toString('latin1')).slice(-4096);
    });
    await slow.create(createRequest('spam'));
    await slow.start('spam');
    await until(() => seen.includes(PROMPT));
    for (const d of unacked) slow.acknowledgeConsole('spam', d.length);
    unacked = [];
    slow.sendConsoleInput('spam', new TextEncoder().encode('spam 100000\n'));
    // Nobody acknowledges: the worker must stop at its credit and leave the rest in the guest's ring.
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    const held = unacked.reduce((sum, d) => sum + d.length, 0);
    expect(held).toBeGreaterThan(0);
    expect(held).toBeLessThanOrEqual(256 * 1024 + 64 * 1024);
    const stalled = (await slow.info('spam'))!.instructions;
    await new Promise((resolve) => setTimeout(resolve, 300));
    // The guest waits for ring space (blocked), it is not spinning through the budget.
    expect((await slow.info('spam'))!.instructions - stalled).toBeLessThan(50_000_000);
    await slow.close();
  });
});

async function until(condition: () => boolean, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
