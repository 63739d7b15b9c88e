/**
 * Worker threads cannot load TypeScript, so tests bundle the host worker entry from the sources (esbuild,
 * the same tsconfig paths) into a temporary CommonJS file: the worker under test is the current code, not
 * a stale dist build.
 */
import { buildSync } from 'esbuild';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { findProjectRoot } from '../../../../tools/infra';

let bundled: string | undefined;

export function hostWorkerBundle(): string {
  if (bundled) return bundled;
  const root = findProjectRoot();
  const outfile = path.join(mkdtempSync(path.join(os.tmpdir(), 'xeno-host-worker-')), 'host-worker.js');
  buildSync({
    entryPoints: [path.join(root, 'apps/node-agent/src/host/host-worker.ts')],
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    tsconfig: path.join(root, 'tsconfig.json'),
    outfile,
    logLevel: 'error',
  });
  bundled = outfile;
  return outfile;
}
