import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

interface Manifest {
  name?: string;
  version?: string;
}

/**
 * The repository (or image) root holding our package.json. The API runs from sources under vitest
 * and from dist/ in production, at different depths, so we search upwards instead of counting '..'.
 */
export function findProjectRoot(startDir: string = __dirname): { root: string; version: string } {
  for (let dir = path.resolve(startDir); ; dir = path.dirname(dir)) {
    const file = path.join(dir, 'package.json');
    if (existsSync(file)) {
      const manifest = JSON.parse(readFileSync(file, 'utf8')) as Manifest;
      if (manifest.name === 'xenoserver') return { root: dir, version: manifest.version ?? '0.0.0' };
    }
    if (dir === path.dirname(dir)) throw new Error(`no xenoserver package.json above ${startDir}`);
  }
}
