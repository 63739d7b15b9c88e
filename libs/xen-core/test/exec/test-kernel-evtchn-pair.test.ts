/**
 * Whole-system: the `evtchn-pair` test kernels of guests/test-kernels (manifest harness
 * "evtchn-pair") run as two domains of one PvHost that ping-pong over an interdomain event channel.
 * The test plays the toolstack: it allocates the server's port for the client (as libxl does for the
 * console) and hands the number to the client on its command line.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { hostCaller } from '../../src/events/event-channels';
import { PvHost } from '../../src/exec/pv-host';
import { auditMemory } from '../../src/mm/audit';
import { finalLine, KERNELS_DIR, manifest, take, type KernelEntry } from './helpers/test-kernels';

const SERVER = 1;
const CLIENT = 2;
const pairs = manifest().filter((k) => k.harness === 'evtchn-pair');

function runPair(k: KernelEntry, limit = 2_000_000_000) {
  const host = new PvHost({ memoryMiB: 2 * k.maxMemoryMiB + 16 });
  const freeAtStart = host.sys.host.allocator.freeFrames;
  const image = new Uint8Array(readFileSync(join(KERNELS_DIR, k.image)));
  const common = {
    image,
    memoryMiB: k.memoryMiB,
    maxMemoryMiB: k.maxMemoryMiB,
    vcpus: k.vcpus,
    paused: true,
  };
  const server = host.createDomain({ ...common, id: SERVER, cmdline: `pingpong=server peer=${CLIENT}` });
  const port = host.sys.events.allocUnbound(hostCaller(0), SERVER, CLIENT);
  expect(port).toBeGreaterThan(0);
  const client = host.createDomain({
    ...common,
    id: CLIENT,
    cmdline: `pingpong=client peer=${SERVER} port=${port}`,
  });
  host.unpause(SERVER);
  host.unpause(CLIENT);
  const out = { server: '', client: '' };
  let instructions = 0;
  const done = () => server.exec.shutdown !== undefined && client.exec.shutdown !== undefined;
  while (!done() && instructions < limit) {
    const r = host.run(10_000_000);
    instructions += r.instructions;
    out.server += take(server);
    out.client += take(client);
    if (r.reason !== 'budget') break;
  }
  out.server += take(server);
  out.client += take(client);
  return { host, server, client, out, freeAtStart };
}

describe('PV test kernels on two domains (evtchn-pair)', () => {
  it('the manifest has the ping-pong kernel', () => {
    expect(pairs.map((k) => k.name)).toContain('evtchn-pingpong');
  });

  for (const k of pairs) {
    it(`${k.name}: both domains print ${k.expectedFinalLine} and ${k.expectedShutdown}`, () => {
      const { host, server, client, out, freeAtStart } = runPair(k);
      for (const [who, text, dom] of [
        ['server', out.server, server],
        ['client', out.client, client],
      ] as const) {
        if (finalLine(text) !== k.expectedFinalLine)
          throw new Error(
            `${who}: final line "${finalLine(text)}"\n${text.slice(-1500)}\n${host.logLines.join('\n')}`,
          );
        expect(dom.exec.shutdown?.name).toBe(k.expectedShutdown);
      }
      expect(out.server).toContain('server: answered 100 pings');
      expect(out.client).toContain('client: 100 pings answered by 100 pongs');
      // Each side sent its 100 notifications over the pair's channel (plus console kicks) and got 100.
      for (const domid of [SERVER, CLIENT]) {
        const counts = host.sys.events.counts(domid);
        expect(counts.sent).toBeGreaterThanOrEqual(100);
        expect(counts.received).toBeGreaterThanOrEqual(100);
      }
      expect(auditMemory(host.sys.host, host.sys.allDomains, host.heldReferences())).toEqual([]);
      host.destroyDomain(CLIENT);
      host.destroyDomain(SERVER);
      expect(host.sys.host.allocator.freeFrames).toBe(freeAtStart);
    });
  }

  it('a client told a wrong port fails its bind and crashes; the server is unaffected', () => {
    const k = pairs.find((p) => p.name === 'evtchn-pingpong');
    if (!k) throw new Error('evtchn-pingpong missing from the manifest');
    const host = new PvHost({ memoryMiB: 2 * k.maxMemoryMiB + 16 });
    const image = new Uint8Array(readFileSync(join(KERNELS_DIR, k.image)));
    const common = { image, memoryMiB: k.memoryMiB, maxMemoryMiB: k.maxMemoryMiB, vcpus: k.vcpus };
    const server = host.createDomain({ ...common, id: SERVER, cmdline: `pingpong=server peer=${CLIENT}` });
    host.sys.events.allocUnbound(hostCaller(0), SERVER, CLIENT);
    // Port 2 is the server's console port, bound to the control domain.
    const client = host.createDomain({
      ...common,
      id: CLIENT,
      cmdline: `pingpong=client peer=${SERVER} port=2`,
    });
    let text = '';
    for (let i = 0; i < 50 && client.exec.shutdown === undefined; i++) {
      host.run(10_000_000);
      text += take(client);
    }
    text += take(client);
    expect(client.exec.shutdown?.name).toBe('crash');
    // The negative binds passed; the bind of the real (wrong) port is what failed.
    expect(text).toContain('client: binding the peer');
    expect(text).not.toContain('client: bound');
    expect(finalLine(text)).toMatch(/^TEST evtchn-pingpong FAIL: evtchn-pingpong\.c:\d+: /);
    expect(server.exec.shutdown).toBeUndefined();
  });
});
