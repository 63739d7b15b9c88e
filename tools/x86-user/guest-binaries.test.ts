/**
 * The committed guest binaries are what the sources build to: SHA256SUMS matches the files, and a
 * rebuild from source (make verify: gcc 12 + static glibc 2.36, as on Debian 12) is byte-identical.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const DIR = resolve(__dirname, '../../guests/test-programs');

describe('guest test binaries', () => {
  const sums = readFileSync(join(DIR, 'bin/SHA256SUMS'), 'utf8')
    .trim()
    .split('\n')
    .map((line) => line.split(/\s+/));

  it('match bin/SHA256SUMS', () => {
    expect(sums.length).toBeGreaterThanOrEqual(17);
    for (const [sum, name] of sums) {
      expect(
        createHash('sha256')
          .update(readFileSync(join(DIR, 'bin', name)))
          .digest('hex'),
        name,
      ).toBe(sum);
    }
  });

  it('rebuild reproducibly from source', () => {
    const out = execFileSync('make', ['-s', '--no-print-directory', 'verify'], {
      cwd: DIR,
      encoding: 'utf8',
    });
    expect(out).toContain('committed binaries are reproducible');
  }, 180_000);
});
