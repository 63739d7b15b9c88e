import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { findProjectRoot } from '../../infra';

const entry = path.join(findProjectRoot(), 'dist/tools/launcher/main.js');

export interface RunningLauncher {
  child: ChildProcess;
  output: string[];
  /** Resolves with the first output line matching, or rejects if the launcher exits first. */
  waitForLine(pattern: RegExp, timeoutMs: number): Promise<string>;
  /** Sends the signal and resolves with the exit code. */
  stop(signal: NodeJS.Signals): Promise<number | null>;
}

/** Runs the built launcher (npm test builds first) as `npm start` would, with extra environment. */
export function runLauncher(env: Record<string, string>): RunningLauncher {
  const child = spawn(process.execPath, [entry], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  const waiters: Array<() => void> = [];
  const onLine = (line: string) => {
    output.push(line);
    for (const wake of waiters.splice(0)) wake();
  };
  createInterface({ input: child.stdout! }).on('line', onLine);
  createInterface({ input: child.stderr! }).on('line', onLine);
  const exited = once(child, 'exit');
  let hasExited = false;
  void exited.then(() => {
    hasExited = true;
    for (const wake of waiters.splice(0)) wake();
  });

  return {
    child,
    output,
    async waitForLine(pattern, timeoutMs) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const line = output.find((candidate) => pattern.test(candidate));
        if (line) return line;
        if (hasExited) throw new Error(`launcher exited before printing ${pattern}:\n${output.join('\n')}`);
        if (Date.now() > deadline)
          throw new Error(`no ${pattern} within ${timeoutMs} ms:\n${output.join('\n')}`);
        await new Promise<void>((resolve) => {
          waiters.push(resolve);
          setTimeout(resolve, 200);
        });
      }
    },
    async stop(signal) {
      if (!hasExited) child.kill(signal);
      const [code] = await exited;
      return code as number | null;
    },
  };
}

/** Pids the launcher reported for what it started ("(pid N, ...", "(pids N, M)"). */
export function childPids(output: string[]): number[] {
  return output.flatMap((line) => {
    const listed = line.match(/\(pids? ([\d, ]+)[,)]/)?.[1] ?? '';
    return listed
      .split(',')
      .filter((pid) => pid.trim())
      .map(Number);
  });
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
