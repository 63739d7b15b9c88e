/** Fetching and unpacking Debian packages with the machine's own apt and dpkg-deb (cached). */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import path from 'node:path';

export class PackageToolError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PackageToolError';
  }
}

function run(tool: string, args: string[], cwd?: string): string {
  try {
    return execFileSync(tool, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (error) {
    const e = error as NodeJS.ErrnoException & { stderr?: string };
    if (e.code === 'ENOENT') {
      throw new PackageToolError(
        `${tool} not found: building the Linux image needs a Debian (or derived) machine with apt and dpkg ` +
          `(apt-get download fetches Debian's own kernel and busybox-static packages)`,
      );
    }
    throw new PackageToolError(`${tool} ${args.join(' ')} failed: ${(e.stderr ?? e.message).trim()}`);
  }
}

/**
 * The concrete package a metapackage depends on (linux-image-cloud-amd64 → linux-image-6.1.0-N-cloud-amd64),
 * so the cache is keyed by the real kernel version.
 */
export function resolveVersionedDependency(metapackage: string, prefix: string): string {
  const output = run('apt-cache', ['depends', metapackage]);
  const dependency = output
    .split('\n')
    .map((line) => /^\s*Depends:\s*(\S+)/.exec(line)?.[1])
    .find((name) => name?.startsWith(prefix));
  if (!dependency) {
    throw new PackageToolError(
      `apt-cache knows no ${prefix}* dependency of ${metapackage} (run apt-get update first?)`,
    );
  }
  return dependency;
}

/** Path of `<pkg>_*.deb` in `cacheDir`, downloading it with apt-get when it is not there yet. */
export function fetchDeb(pkg: string, cacheDir: string): string {
  mkdirSync(cacheDir, { recursive: true });
  const cached = findDeb(pkg, cacheDir);
  if (cached) return cached;
  run('apt-get', ['download', pkg], cacheDir);
  const downloaded = findDeb(pkg, cacheDir);
  if (!downloaded) throw new PackageToolError(`apt-get download ${pkg} left no ${pkg}_*.deb in ${cacheDir}`);
  return downloaded;
}

function findDeb(pkg: string, dir: string): string | undefined {
  const name = readdirSync(dir).find((file) => file.startsWith(`${pkg}_`) && file.endsWith('.deb'));
  return name ? path.join(dir, name) : undefined;
}

/** Unpacks a .deb's data archive into `target` (once). */
export function extractDeb(deb: string, target: string): string {
  if (!existsSync(target)) {
    mkdirSync(target, { recursive: true });
    run('dpkg-deb', ['-x', deb, target]);
  }
  return target;
}
