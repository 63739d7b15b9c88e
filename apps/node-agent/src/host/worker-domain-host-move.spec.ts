import type { DomainSpec } from '@xeno/contracts';
import { ImageStore } from '@xeno/images';
import { afterAll, describe, expect, it } from 'vitest';
import { findProjectRoot } from '../../../../tools/infra';
import { hostWorkerBundle } from '../../test/support/host-worker-bundle';
import type { CreateDomainRequest } from './host-protocol';
import { WorkerDomainHost } from './worker-domain-host';

const PROMPT = 'xenolite:~$ ';
const images = new ImageStore(findProjectRoot());

function createRequest(domainId: string): CreateDomainRequest {
  const spec: DomainSpec = {
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
  return { op: 'create', spec, kernel: images.load('xenolite').kernel };
}

/** A host whose console output is collected per domain (acknowledged at once, as the relay does). */
function collectingHost(memoryMiB: number) {
  const host = new WorkerDomainHost({ memoryMiB, workerEntry: hostWorkerBundle() });
  const output = new Map<string, string>();
  host.on('console', (domainId, data) => {
    output.set(domainId, (output.get(domainId) ?? '') + Buffer.from(data).toString('latin1'));
    host.acknowledgeConsole(domainId, data.length);
  });
  return { host, text: (id: string) => output.get(id) ?? '' };
}

const type = (host: WorkerDomainHost, id: string, line: string) =>
  host.sendConsoleInput(id, new TextEncoder().encode(line));

describe('moving a domain between two WorkerDomainHosts (save, destroy, restore)', () => {
  const a = collectingHost(64);
  const b = collectingHost(64);
  afterAll(() => Promise.all([a.host.close(), b.host.close()]));

  it('continues on the target where it stopped on the source, and still reboots there', async () => {
    await a.host.create(createRequest('mover'));
    await a.host.start('mover');
    await until(() => a.text('mover').includes(PROMPT));
    type(a.host, 'mover', 'echo before-move\n');
    await until(() => /before-move\r?\n[\s\S]*xenolite:~\$ $/.test(a.text('mover')));

    const snapshot = await a.host.save('mover');
    expect(snapshot).toMatchObject({ domainId: 'mover', paused: false });
    expect(snapshot.xen.length).toBeGreaterThan(0);
    // Frozen: not a single instruction runs after the save, so the snapshot is the domain's last word.
    const frozenAt = (await a.host.info('mover'))!;
    expect(frozenAt.state).toBe('paused');
    type(a.host, 'mover', 'echo too-late\n');
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect((await a.host.info('mover'))!.instructions).toBe(frozenAt.instructions);
    const sourceText = a.text('mover');
    await a.host.destroy('mover');
    expect(sourceText).not.toContain('too-late');

    const restored = await b.host.restore({ op: 'restore', create: createRequest('mover'), snapshot });
    expect(restored).toMatchObject({ domainId: 'mover', state: 'running' });
    type(b.host, 'mover', 'echo after-move\n');
    await until(() => /after-move\r?\n[\s\S]*xenolite:~\$ $/.test(b.text('mover')));
    // Nothing of the source's output is printed again: the target's stream starts with the new command.
    expect(b.text('mover')).not.toContain('before-move');
    expect(b.text('mover')).not.toMatch(/xenolite \d+\.\d+\.\d+/);

    // The restored domain keeps its image: a reboot rebuilds it and boots to the prompt again.
    const before = b.text('mover').length;
    expect(await b.host.reboot('mover', 10_000)).toMatchObject({ state: 'running' });
    await until(() => b.text('mover').slice(before).includes(PROMPT));
    await b.host.destroy('mover');
  });

  it('keeps a paused domain paused across the move and resumes it there', async () => {
    await a.host.create(createRequest('sleeper'));
    await a.host.start('sleeper');
    await until(() => a.text('sleeper').includes(PROMPT));
    await a.host.pause('sleeper');
    type(a.host, 'sleeper', 'echo queued\n');
    const snapshot = await a.host.save('sleeper');
    expect(snapshot.paused).toBe(true);
    await a.host.destroy('sleeper');

    expect(await b.host.restore({ op: 'restore', create: createRequest('sleeper'), snapshot })).toMatchObject(
      { state: 'paused' },
    );
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(b.text('sleeper')).toBe('');
    expect(await b.host.resume('sleeper')).toMatchObject({ state: 'running' });
    // The keystrokes typed while paused on the source travelled with the snapshot.
    await until(() => /queued\r?\n/.test(b.text('sleeper')));
    await b.host.destroy('sleeper');
  });

  it('thaws a saved domain when the move does not happen', async () => {
    await a.host.create(createRequest('stayer'));
    await a.host.start('stayer');
    await until(() => a.text('stayer').includes(PROMPT));
    await a.host.save('stayer');
    expect(await a.host.thaw('stayer')).toMatchObject({ state: 'running' });
    type(a.host, 'stayer', 'echo still-here\n');
    await until(() => /still-here\r?\n/.test(a.text('stayer')));
    await a.host.destroy('stayer');
  });

  it('refuses a damaged snapshot or one of another domain, leaving the target as it was', async () => {
    await a.host.create(createRequest('victim'));
    await a.host.start('victim');
    await until(() => a.text('victim').includes(PROMPT));
    const snapshot = await a.host.save('victim');
    await a.host.thaw('victim');
    const before = await b.host.stats();

    const damaged = snapshot.xen.slice();
    damaged[damaged.length >> 1] ^= 0x40;
    await expect(
      b.host.restore({
        op: 'restore',
        create: createRequest('victim'),
        snapshot: { ...snapshot, xen: damaged },
      }),
    ).rejects.toMatchObject({ code: 'REFUSED', message: expect.stringContaining('BAD_SNAPSHOT') });
    await expect(
      b.host.restore({
        op: 'restore',
        create: createRequest('victim'),
        snapshot: { ...snapshot, xen: snapshot.xen.subarray(0, 100) },
      }),
    ).rejects.toMatchObject({ code: 'REFUSED', message: expect.stringContaining('BAD_SNAPSHOT') });
    await expect(
      b.host.restore({ op: 'restore', create: createRequest('other'), snapshot }),
    ).rejects.toMatchObject({ code: 'REFUSED', message: expect.stringContaining('not of other') });
    expect(await b.host.info('victim')).toBeNull();
    expect((await b.host.stats()).memoryUsedMiB).toBe(before.memoryUsedMiB);
    // The undamaged stream still restores on that same host afterwards: the failures left nothing behind.
    expect(await b.host.restore({ op: 'restore', create: createRequest('victim'), snapshot })).toMatchObject({
      state: 'running',
    });
    await Promise.all([a.host.destroy('victim'), b.host.destroy('victim')]);
  });
});

async function until(condition: () => boolean, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
