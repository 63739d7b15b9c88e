import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

const PROJECT_NAME = 'xenoserver';

/**
 * The repository root, found by walking up to our package.json. Code runs both from sources (vitest)
 * and from dist/, at different depths, so a fixed number of '..' would be wrong in one of them.
 */
export function findProjectRoot(startDir: string = __dirname): string {
  let dir = path.resolve(startDir);
  for (;;) {
    const manifest = path.join(dir, 'package.json');
    if (existsSync(manifest) && readManifest(manifest).name === PROJECT_NAME) return dir;
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`cannot find the ${PROJECT_NAME} package.json above ${startDir}`);
    dir = parent;
  }
}

function readManifest(file: string): { name?: string; version?: string } {
  return JSON.parse(readFileSync(file, 'utf8')) as { name?: string; version?: string };
}
