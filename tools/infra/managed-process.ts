import { spawn, type ChildProcess, type StdioOptions } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { createInterface } from 'node:readline';

export interface ExitInfo {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** Set when the program could not be started at all (e.g. ENOENT). */
  error?: Error;
}

export type ProcessOutput =
  /** Append stdout and stderr to a file (daemons: survives our own stdout closing). */
  | { file: string }
  /** Hand every output line to a callback (apps whose logs the launcher re-prints). */
  | { onLine: (line: string, stream: 'stdout' | 'stderr') => void };

export interface ManagedProcessOptions {
  name: string;
  command: string;
  args: string[];
  output: ProcessOutput;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  uid?: number;
  gid?: number;
  /** Open a Node IPC channel, so a Node child can notice (on 'disconnect') that its parent died. */
  ipc?: boolean;
  /** Signal that asks this program for a clean, prompt shutdown (Postgres: SIGINT = fast shutdown). */
  stopSignal?: NodeJS.Signals;
}

/**
 * A long-running child we own and must stop. Every child runs in its own process group (detached),
 * so a Ctrl-C in the terminal reaches only the parent, which then stops children in the order it
 * chooses (apps before the databases they use) instead of all of them racing at once.
 *
 * All live instances are tracked: `stopAll` is the safety net at the end of a shutdown, and on
 * process exit any survivor still gets its stop signal.
 */
export class ManagedProcess {
  private static readonly live = new Set<ManagedProcess>();
  private static closed = false;

  readonly exited: Promise<ExitInfo>;
  private exitInfo: ExitInfo | undefined;

  private constructor(
    readonly name: string,
    private readonly child: ChildProcess,
    private readonly stopSignal: NodeJS.Signals,
  ) {
    this.exited = new Promise<ExitInfo>((resolve) => {
      child.once('exit', (code, signal) => resolve({ code, signal }));
      // 'error' without a pid means the program never started; 'exit' will not follow.
      child.once('error', (error) => {
        if (child.pid === undefined) resolve({ code: null, signal: null, error });
      });
    }).then((info) => {
      this.exitInfo = info;
      ManagedProcess.live.delete(this);
      return info;
    });
  }

  static start(options: ManagedProcessOptions): ManagedProcess {
    if (ManagedProcess.closed) throw new Error(`not starting ${options.name}: shutting down`);
    const { stdio, fileFd } = stdioFor(options);
    const child = spawn(options.command, options.args, {
      cwd: options.cwd,
      env: options.env ?? process.env,
      uid: options.uid,
      gid: options.gid,
      stdio,
      detached: true,
    });
    if (fileFd !== undefined) closeSync(fileFd);
    const managed = new ManagedProcess(options.name, child, options.stopSignal ?? 'SIGTERM');
    if ('onLine' in options.output) forwardLines(child, options.output.onLine);
    ManagedProcess.live.add(managed);
    return managed;
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get hasExited(): boolean {
    return this.exitInfo !== undefined;
  }

  /** Sends the stop signal, waits up to graceMs, then kills the whole process group. */
  async stop(graceMs = 10_000): Promise<ExitInfo> {
    if (this.exitInfo) return this.exitInfo;
    this.signal(this.stopSignal);
    const timer = setTimeout(() => this.signalGroup('SIGKILL'), graceMs);
    try {
      return await this.exited;
    } finally {
      clearTimeout(timer);
    }
  }

  /** Safety net: stops whatever is still running, newest first, and refuses new starts. */
  static async stopAll(graceMs = 10_000): Promise<void> {
    ManagedProcess.closed = true;
    for (const managed of [...ManagedProcess.live].reverse()) await managed.stop(graceMs);
  }

  /** Synchronous last resort for process 'exit': no waiting is possible there. */
  static signalAllSync(): void {
    for (const managed of ManagedProcess.live) managed.signal(managed.stopSignal);
  }

  private signal(signal: NodeJS.Signals): void {
    try {
      this.child.kill(signal);
    } catch {
      // Already gone.
    }
  }

  private signalGroup(signal: NodeJS.Signals): void {
    if (this.child.pid === undefined) return;
    try {
      process.kill(-this.child.pid, signal);
    } catch {
      this.signal(signal);
    }
  }
}

process.once('exit', () => ManagedProcess.signalAllSync());

function stdioFor(options: ManagedProcessOptions): { stdio: StdioOptions; fileFd?: number } {
  const extra = options.ipc ? ['ipc'] : [];
  if ('file' in options.output) {
    const fd = openSync(options.output.file, 'a');
    return { stdio: ['ignore', fd, fd, ...extra] as StdioOptions, fileFd: fd };
  }
  return { stdio: ['ignore', 'pipe', 'pipe', ...extra] as StdioOptions };
}

function forwardLines(
  child: ChildProcess,
  onLine: (line: string, stream: 'stdout' | 'stderr') => void,
): void {
  if (child.stdout) createInterface({ input: child.stdout }).on('line', (line) => onLine(line, 'stdout'));
  if (child.stderr) createInterface({ input: child.stderr }).on('line', (line) => onLine(line, 'stderr'));
}
