/**
 * `guests/build.sh --check` inside `npm test`: the committed guests/dist/ images must be exactly what
 * the sources build (twice, in temporary directories, byte for byte). Skipped only when gcc is not
 * installed — the committed images exist so such machines can still run everything else.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const BUILD_SH = join(__dirname, '../../../../guests/build.sh');
const hasGcc = spawnSync('gcc', ['--version'], { stdio: 'ignore' }).status === 0;

if (!hasGcc) console.warn('guests/build.sh --check skipped: gcc is not installed on this machine');

describe('guests/build.sh --check', () => {
  it.skipIf(!hasGcc)(
    'rebuilds guests/dist reproducibly and identically to the committed bytes',
    () => {
      const r = spawnSync('bash', [BUILD_SH, '--check'], { encoding: 'utf8', timeout: 120_000 });
      const report = `${r.stdout}\n${r.stderr}`;
      expect(r.status, report).toBe(0);
      expect(r.stdout).toMatch(/^ok xenolite [0-9a-f]{64}$/m);
      expect(r.stdout).toMatch(/^ok catalog\.json [0-9a-f]{64}$/m);
    },
    150_000,
  );
});
