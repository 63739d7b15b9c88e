import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { findRedisServer } from './embedded-redis';
import { MissingDependencyError } from './missing-dependency-error';

describe('findRedisServer', () => {
  it('tells how to install redis-server when it is nowhere on the search path', () => {
    const empty = mkdtempSync(path.join(os.tmpdir(), 'xeno-nopath-'));
    try {
      expect(() => findRedisServer(empty)).toThrow(MissingDependencyError);
      expect(() => findRedisServer(empty)).toThrow(/apt-get install redis-server/);
    } finally {
      rmSync(empty, { recursive: true });
    }
  });
});
