/**
 * Whole-domain save/restore, end to end: xenolite is saved in the middle of printing 2000 numbered
 * lines (`spam`), destroyed, restored on a fresh host (other machine frames, another clock), and
 * carries on: the console output before the save plus the output after the restore equals an
 * uninterrupted run's, byte for byte, including the command after it.
 */
import { describe, expect, it } from 'vitest';
import { ECS_INTERDOMAIN, ECS_VIRQ } from '../../src/events/port-table';
import { VIRQ_TIMER } from '../../src/events/abi';
import { domainPath } from '../../src/xenstore/paths';
import { capture, node, PROMPT, runFor, runUntil, XENOLITE, type Node } from './helpers';

const SPEC = { name: 'web-1', image: XENOLITE, memoryMiB: 32 };

async function bootToPrompt(n: Node): Promise<{ domid: number; out: () => string }> {
  const { domid } = n.ctl.create(SPEC);
  const out = capture(n, domid);
  n.ctl.unpause(domid);
  expect(await runUntil(n, () => out().includes(PROMPT))).toBe(true);
  return { domid, out };
}

const prompts = (s: string): number => s.split(PROMPT).length - 1;

describe('xenolite snapshot', () => {
  it('continues after save → destroy → restore elsewhere exactly as an uninterrupted run', async () => {
    // Reference: uninterrupted.
    const ref = node();
    const r = await bootToPrompt(ref);
    ref.ctl.consoleInput(r.domid).write('spam 2000\n');
    expect(await runUntil(ref, () => prompts(r.out()) === 2)).toBe(true);
    ref.ctl.consoleInput(r.domid).write('echo after the move\n');
    expect(await runUntil(ref, () => prompts(r.out()) === 3)).toBe(true);
    const expected = r.out();
    expect(expected).toContain('spam: ');
    expect(expected).toContain('after the move');

    // The same, saved in the middle of the spam.
    const a = node();
    const s = await bootToPrompt(a);
    a.ctl.consoleInput(s.domid).write('spam 2000\n');
    await runFor(a, 1_500_000);
    const before = s.out();
    expect(prompts(before)).toBe(1); // still printing
    const bytes = a.ctl.save(s.domid);
    a.ctl.destroy(s.domid);

    const b = node(96, true);
    const info = b.ctl.restore(bytes);
    expect(info.name).toBe('web-1');
    expect(info.state).toBe('paused');
    const out = capture(b, info.domid);
    b.ctl.unpause(info.domid);
    expect(await runUntil(b, () => prompts(before + out()) === 2)).toBe(true);
    b.ctl.consoleInput(info.domid).write('echo after the move\n');
    expect(await runUntil(b, () => prompts(before + out()) === 3)).toBe(true);
    expect(before + out()).toBe(expected);
  }, 120_000);

  it('moves five times between two hosts while printing, and still matches the uninterrupted run', async () => {
    const ref = node();
    const r = await bootToPrompt(ref);
    ref.ctl.consoleInput(r.domid).write('spam 1500\n');
    expect(await runUntil(ref, () => prompts(r.out()) === 2)).toBe(true);
    const expected = r.out();

    const hosts = [node(), node(96, true)];
    const s = await bootToPrompt(hosts[0]);
    let text = '';
    hosts[0].ctl.consoleInput(s.domid).write('spam 1500\n');
    let at = { n: hosts[0], domid: s.domid, out: s.out };
    for (let move = 1; move <= 5; move++) {
      await runFor(at.n, 400_000);
      text += at.out();
      const bytes = at.n.ctl.save(at.domid);
      at.n.ctl.destroy(at.domid);
      const n = hosts[move % 2];
      const info = n.ctl.restore(bytes, { paused: false });
      at = { n, domid: info.domid, out: capture(n, info.domid) };
    }
    expect(prompts(text)).toBe(1); // every move happened while it was still printing
    expect(await runUntil(at.n, () => prompts(text + at.out()) === 2)).toBe(true);
    expect(text + at.out()).toBe(expected);
  }, 120_000);

  it('reconnects console and xenstore (rebased subtree, watches of the guest) and keeps its memory usable', async () => {
    const a = node();
    const s = await bootToPrompt(a);
    const oldHome = domainPath(s.domid);
    const bytes = a.ctl.save(s.domid);
    a.ctl.destroy(s.domid);

    const b = node(96, true);
    const info = b.ctl.restore(bytes, { paused: false, name: 'web-2' });
    expect(info.domid).not.toBe(s.domid);
    const xs = b.host.xenstore!.client;
    const home = domainPath(info.domid);
    const exec = b.host.domains.get(info.domid)!.exec;
    expect(xs.read(`${home}/name`)).toBe('web-2');
    expect(xs.read(`${home}/domid`)).toBe(String(info.domid));
    expect(xs.read(`${home}/console/ring-ref`)).toBe(String(exec.consoleMfn));
    expect(xs.read(`${home}/store/ring-ref`)).toBe(String(exec.storeMfn));
    // The guest's own nodes moved with it and belong to the new domid.
    expect(xs.getPerms(`${home}/control/shutdown`)[0].domid).toBe(info.domid);
    // The old domid is the filler's here: its subtree was left alone.
    expect(xs.read(`${oldHome}/name`)).toBe('filler');
    // Ring ports are bound to this host's backends again; the timer VIRQ kept its port.
    const ev = b.host.sys.events;
    expect(ev.channel(info.domid, exec.consolePort)!.state).toBe(ECS_INTERDOMAIN);
    expect(ev.channel(info.domid, exec.consolePort)!.remoteDomid).toBe(0);
    expect(ev.channel(info.domid, exec.storePort)!.state).toBe(ECS_INTERDOMAIN);
    const timerPorts = [...ev.table(info.domid)!.usedPorts()].filter(
      (p) => ev.channel(info.domid, p)!.state === ECS_VIRQ && ev.channel(info.domid, p)!.virq === VIRQ_TIMER,
    );
    expect(timerPorts).toHaveLength(1);

    const out = capture(b, info.domid);
    b.ctl.consoleInput(info.domid).write('mem 2\n');
    expect(await runUntil(b, () => out().includes(PROMPT))).toBe(true);
    expect(out()).toMatch(/mem: 2 MiB at 0x[0-9a-f]+: 4 passes ok/);
    // control/shutdown reaches the watch the guest registered before the move.
    const watches = b.host.xenstore!.server.domains.get(info.domid)!.conn.watches;
    expect(watches.map((w) => w.path)).toContain(`${home}/control/shutdown`);
    b.ctl.shutdown(info.domid);
    expect(await runUntil(b, () => b.ctl.info(info.domid).state === 'shutdown')).toBe(true);
    expect(b.ctl.info(info.domid).shutdownReason).toBe('poweroff');
  }, 120_000);

  it('a sleeping guest wakes after the same guest time on a host whose clock is far ahead', async () => {
    const a = node(96, false, 'realtime'); // run() returns when every vCPU blocks
    const s = await bootToPrompt(a);
    a.ctl.consoleInput(s.domid).write('sleep 2\n');
    const v = a.host.domains.get(s.domid)!.exec.vcpus[0];
    expect(await runUntil(a, () => v.blocked && v.singleshotDeadline !== undefined)).toBe(true);
    const left = v.singleshotDeadline! - a.host.clock.now();
    const guestNow = a.host.domains.get(s.domid)!.exec.guestTime(a.host.clock.now());
    const bytes = a.ctl.save(s.domid);
    a.ctl.destroy(s.domid);

    const b = node(96, true);
    b.host.clock.advanceTo(1_000_000_000_000n); // this host has been up for 1000 s
    const info = b.ctl.restore(bytes, { paused: false });
    const exec = b.host.domains.get(info.domid)!.exec;
    expect(exec.guestTime(b.host.clock.now())).toBe(guestNow);
    const w = exec.vcpus[0];
    expect(w.blocked).toBe(true);
    expect(w.singleshotDeadline! - b.host.clock.now()).toBe(left);
    const out = capture(b, info.domid);
    const start = b.host.clock.now();
    expect(await runUntil(b, () => out().includes(PROMPT))).toBe(true);
    expect(b.host.clock.now() - start).toBeGreaterThanOrEqual(left);
    b.ctl.consoleInput(info.domid).write('uptime\n');
    expect(await runUntil(b, () => out().split(PROMPT).length === 3)).toBe(true);
    // Guest time continued: uptime is seconds since its boot, not this host's 1000 s.
    const m = /up (\d+):(\d+):(\d+)\.(\d+)/.exec(out());
    const up = m ? Number(m[1]) * 3600 + Number(m[2]) * 60 + Number(m[3]) + Number(m[4]) / 1000 : NaN;
    expect(up).toBeGreaterThan(2);
    expect(up).toBeLessThan(10);
  }, 120_000);
});
