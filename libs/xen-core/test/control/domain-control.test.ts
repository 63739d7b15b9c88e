/**
 * The Dom0 control API over an inline PvHost: validation with typed codes, pause/unpause, scheduler
 * parameters, memory target in xenstore, clean shutdown of xenolite through control/shutdown, the
 * shutdown timeout destroying a guest that ignores it, reboot keeping the domid, destroy freeing every
 * frame, and a freed frame reaching the next domain zeroed.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ControlError } from '../../src/control/control-error';
import { DomainControl, type StateEvent } from '../../src/control/domain-control';
import { PvHost } from '../../src/exec/pv-host';
import { xtfImage } from '../helpers/images';

const XENOLITE = new Uint8Array(readFileSync(join(__dirname, '../../../../guests/dist/xenolite')));
const ENTRY_PFN = 0x100; // xtfImage: entry 0x100000, VIRT_BASE 0

function setup(memoryMiB = 48): { host: PvHost; ctl: DomainControl; events: StateEvent[] } {
  const host = new PvHost({ memoryMiB });
  const ctl = new DomainControl(host);
  const events: StateEvent[] = [];
  ctl.onStateChange((e) => events.push(e));
  return { host, ctl, events };
}

/** An xtf guest that spins in `jmp .` and ignores every request. */
function spinner(host: PvHost, ctl: DomainControl, name: string): number {
  const { domid } = ctl.create({ name, image: xtfImage(), memoryMiB: 4 });
  host.sys.host.mem.writeBytes(
    host.domains.get(domid)!.built!.p2m[ENTRY_PFN] * 4096,
    Uint8Array.of(0xeb, 0xfe),
  );
  return domid;
}

function code(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(ControlError);
    return (e as ControlError).code;
  }
  throw new Error('expected a ControlError');
}

describe('DomainControl', () => {
  it('refuses bad requests with typed codes and builds nothing', () => {
    const { host, ctl } = setup();
    const free = host.sys.host.allocator.freeFrames;
    const ok = { name: 'a', image: xtfImage(), memoryMiB: 4 };
    expect(code(() => ctl.create({ ...ok, name: 'bad name!' }))).toBe('INVALID_ARGUMENT');
    expect(code(() => ctl.create({ ...ok, image: new Uint8Array() }))).toBe('INVALID_ARGUMENT');
    expect(code(() => ctl.create({ ...ok, memoryMiB: 0 }))).toBe('INVALID_ARGUMENT');
    expect(code(() => ctl.create({ ...ok, maxMemoryMiB: 2 }))).toBe('INVALID_ARGUMENT');
    expect(code(() => ctl.create({ ...ok, vcpus: 33 }))).toBe('INVALID_ARGUMENT');
    expect(code(() => ctl.create({ ...ok, weight: 0 }))).toBe('INVALID_ARGUMENT');
    expect(code(() => ctl.create({ ...ok, cap: 101 }))).toBe('INVALID_ARGUMENT');
    expect(code(() => ctl.create({ ...ok, memoryMiB: 4096 }))).toBe('OUT_OF_MEMORY');
    expect(code(() => ctl.create({ ...ok, image: Uint8Array.of(1, 2, 3, 4) }))).toBe('BAD_IMAGE');
    expect(host.sys.host.allocator.freeFrames).toBe(free);
    expect(ctl.list()).toEqual([]);
    for (const f of [() => ctl.info(7), () => ctl.destroy(7), () => ctl.pause(7), () => ctl.info(1.5)])
      expect(code(f)).toBe('NO_SUCH_DOMAIN');
  });

  it('creates paused; unpause runs it; pause stops it; parameters and info follow', () => {
    const { host, ctl, events } = setup();
    const id = spinner(host, ctl, 'spin');
    expect(ctl.info(id).state).toBe('paused');
    host.run(100_000);
    expect(ctl.info(id).instructionsRetired).toBe(0);
    ctl.unpause(id);
    host.run(100_000);
    const ran = ctl.info(id).instructionsRetired;
    expect(ran).toBeGreaterThan(50_000);
    expect(ctl.info(id).state).toBe('running');
    // A guest spinning in `jmp .` neither sends nor receives events.
    expect(ctl.info(id)).toMatchObject({ eventsSent: 0, eventsReceived: 0, upcalls: 0 });
    ctl.pause(id);
    host.run(100_000);
    expect(ctl.info(id).instructionsRetired).toBe(ran);
    ctl.setSchedParams(id, { weight: 512, cap: 50 });
    expect(ctl.info(id)).toMatchObject({ weight: 512, cap: 50, name: 'spin', vcpus: 1, memoryKiB: 4096 });
    expect(code(() => ctl.setSchedParams(id, { weight: 70000 }))).toBe('INVALID_ARGUMENT');
    expect(events.map((e) => e.state)).toEqual(['paused', 'running', 'paused']);
    expect(code(() => ctl.create({ name: 'spin', image: xtfImage(), memoryMiB: 4 }))).toBe(
      'INVALID_ARGUMENT',
    );
  });

  it('writes the balloon target to xenstore memory/target within max', () => {
    const { host, ctl } = setup();
    const { domid } = ctl.create({ name: 'b', image: xtfImage(), memoryMiB: 4, maxMemoryMiB: 8 });
    ctl.setMemoryTarget(domid, 6 * 1024);
    expect(host.xenstore!.client.read(`/local/domain/${domid}/memory/target`)).toBe('6144');
    expect(ctl.info(domid)).toMatchObject({ targetKiB: 6144, maxMemoryKiB: 8192 });
    expect(code(() => ctl.setMemoryTarget(domid, 9 * 1024))).toBe('INVALID_ARGUMENT');
    expect(code(() => ctl.setMemoryTarget(domid, 100))).toBe('INVALID_ARGUMENT');
  });

  it('shuts xenolite down cleanly through control/shutdown', async () => {
    const { host, ctl, events } = setup(64);
    const { domid } = ctl.create({ name: 'lite', image: XENOLITE, memoryMiB: 32, paused: false });
    let out = '';
    ctl.consoleOutput(domid).on('data', (b: Buffer) => (out += b.toString('latin1')));
    for (let i = 0; i < 60 && !out.includes('xenolite:~$ '); i++) {
      host.run(5_000_000);
      await new Promise((r) => setImmediate(r));
    }
    expect(out).toContain('xenolite:~$ ');
    // Its console output went out as event-channel notifications to the console backend.
    const atPrompt = ctl.info(domid);
    expect(atPrompt.eventsSent).toBeGreaterThan(0);
    ctl.shutdown(domid, { timeoutNs: 60_000_000_000n });
    for (let i = 0; i < 60 && ctl.info(domid).state !== 'shutdown'; i++) {
      host.run(5_000_000);
      ctl.service();
    }
    expect(ctl.info(domid)).toMatchObject({ state: 'shutdown', shutdownReason: 'poweroff' });
    // The request reached it as a xenstore watch event: a notification raised on its port, then an upcall.
    expect(ctl.info(domid).eventsReceived).toBeGreaterThan(atPrompt.eventsReceived);
    expect(ctl.info(domid).upcalls).toBeGreaterThan(atPrompt.upcalls);
    expect(events.at(-1)).toEqual({ domid, state: 'shutdown', reason: 'poweroff' });
    ctl.destroy(domid);
    expect(ctl.list()).toEqual([]);
  });

  it('destroys a guest that ignores the shutdown request once the timeout passes', () => {
    const { host, ctl, events } = setup();
    const id = spinner(host, ctl, 'deaf');
    ctl.unpause(id);
    ctl.shutdown(id, { timeoutNs: 3_000_000n });
    host.run(2_000_000);
    ctl.service();
    expect(ctl.info(id).state).toBe('running');
    host.run(2_000_000);
    ctl.service();
    expect(code(() => ctl.info(id))).toBe('NO_SUCH_DOMAIN');
    expect(events.at(-1)).toEqual({ domid: id, state: 'destroyed', reason: 'shutdown-timeout' });
  });

  it('reboot keeps the domid and starts afresh; destroy frees every frame', () => {
    const { host, ctl } = setup();
    const free = host.sys.host.allocator.freeFrames;
    const id = spinner(host, ctl, 'r');
    ctl.unpause(id);
    host.run(200_000);
    const info = ctl.reboot(id);
    expect(info).toMatchObject({ domid: id, state: 'running', instructionsRetired: 0, name: 'r' });
    ctl.destroy(id);
    expect(host.sys.host.allocator.freeFrames).toBe(free);
  });

  it('a frame freed by a destroyed domain reaches the next domain zeroed', () => {
    const { host, ctl } = setup(16);
    const a = spinner(host, ctl, 'a');
    const mem = host.sys.host.mem;
    const frames = [...host.domains.get(a)!.built!.p2m];
    for (const mfn of frames) mem.writeBytes(mfn * 4096 + 0x800, Uint8Array.of(0xde, 0xad, 0xbe, 0xef));
    ctl.destroy(a);
    const b = ctl.create({ name: 'b', image: xtfImage(), memoryMiB: 4 }).domid;
    const reused = host.domains.get(b)!.built!.p2m.filter((m) => frames.includes(m));
    expect(reused.length).toBeGreaterThan(0);
    for (const mfn of reused)
      expect([...mem.readBytes(mfn * 4096 + 0x800, 4)]).not.toEqual([0xde, 0xad, 0xbe, 0xef]);
  });
});
