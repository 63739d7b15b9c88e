/**
 * Whole-domain save/restore, end to end: xenolite is saved in the middle of printing 2000 numbered
 * lines (`spam`), destroyed, restored on a fresh host (other machine frames, another clock), and
 * carries on: the console output before the save plus the output after the restore equals an
 * uninterrupted run's, byte for byte, including the command after it.
 */
import { describe, expect, it } from 'vitest';
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
});
