import { describe, expect, it } from 'vitest';
import { ManagedProcess } from './managed-process';

const node = process.execPath;

describe('ManagedProcess', () => {
  it('stops a child with its stop signal', async () => {
    const lines: string[] = [];
    const child = ManagedProcess.start({
      name: 'polite',
      command: node,
      args: ['-e', 'console.log("up"); setInterval(() => {}, 1000)'],
      output: { onLine: (line) => lines.push(line) },
    });
    await waitUntil(() => lines.includes('up'));
    expect(await child.stop()).toMatchObject({ signal: 'SIGTERM' });
    expect(child.hasExited).toBe(true);
  });

  it('kills a child that ignores its stop signal once the grace period is over', async () => {
    const lines: string[] = [];
    const child = ManagedProcess.start({
      name: 'stubborn',
      command: node,
      args: ['-e', 'process.on("SIGTERM", () => {}); console.log("up"); setInterval(() => {}, 1000)'],
      output: { onLine: (line) => lines.push(line) },
    });
    await waitUntil(() => lines.includes('up'));
    expect(await child.stop(200)).toMatchObject({ signal: 'SIGKILL' });
  });

  it('reports a program that cannot start instead of hanging', async () => {
    const child = ManagedProcess.start({
      name: 'missing',
      command: '/nonexistent/program',
      args: [],
      output: { onLine: () => undefined },
    });
    expect((await child.exited).error?.message).toMatch(/ENOENT/);
  });
});

async function waitUntil(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 20));
}
