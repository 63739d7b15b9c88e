import { accessSync, constants, mkdirSync } from 'node:fs';
import path from 'node:path';
import { ManagedProcess } from './managed-process';
import { MissingDependencyError } from './missing-dependency-error';
import { probeRedis } from './redis-admin';
import { sleep } from './sleep';

export interface EmbeddedRedisOptions {
  /** Working directory of the server (it persists nothing: --save "" and no AOF). */
  dir: string;
  port: number;
  log: (line: string) => void;
}

export interface EmbeddedRedis {
  url: string;
  stop(): Promise<void>;
}

/** Runs the `redis-server` found on PATH, bound to loopback, as a child we stop on shutdown. */
export async function startEmbeddedRedis(options: EmbeddedRedisOptions): Promise<EmbeddedRedis> {
  const binary = findRedisServer();
  mkdirSync(options.dir, { recursive: true });
  const logFile = path.join(options.dir, 'redis.log');
  const server = ManagedProcess.start({
    name: 'redis-server',
    command: binary,
    args: [
      ...['--port', String(options.port), '--bind', '127.0.0.1'],
      ...['--save', '', '--appendonly', 'no', '--dir', options.dir, '--daemonize', 'no'],
    ],
    output: { file: logFile },
  });
  const url = `redis://127.0.0.1:${options.port}`;
  const deadline = Date.now() + 20_000;
  while ((await probeRedis(url, 500)) !== undefined) {
    if (server.hasExited) throw new Error(`redis-server exited during start-up; see ${logFile}`);
    if (Date.now() > deadline) {
      await server.stop();
      throw new Error(`redis-server did not answer within 20 s; see ${logFile}`);
    }
    await sleep(50);
  }
  options.log(`embedded Redis ready on 127.0.0.1:${options.port} (pid ${server.pid}, ${binary})`);
  return {
    url,
    stop: async () => {
      await server.stop();
    },
  };
}

/** Looks for redis-server on PATH, plus the sbin folders where some distributions put it. */
export function findRedisServer(searchPath = `${process.env.PATH ?? ''}:/usr/sbin:/usr/local/sbin`): string {
  for (const dir of searchPath.split(path.delimiter).filter(Boolean)) {
    const candidate = path.join(dir, 'redis-server');
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // Not in this directory.
    }
  }
  throw new MissingDependencyError(
    'no Redis is reachable and `redis-server` is not installed',
    'install it (Debian/Ubuntu: `apt-get install redis-server`; macOS: `brew install redis`) or set REDIS_URL',
  );
}
