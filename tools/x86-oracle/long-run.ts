/**
 * The long differential run: generates fresh vectors (new seeds, not the committed ones), runs them on
 * the host CPU through the native harness and in x86-core, and compares on the fly. Needs x86-64 Linux
 * with gcc.
 *
 *   npm run test:x86-long -- [--vectors 2000000] [--seed 1] [--groups alu,shift] [--examples 25]
 *
 * Exits 1 if any vector disagrees, printing the differing forms with one minimal example each.
 */
import { runSnippet } from '@xeno/x86-core';
import { compareCase, formatMismatch, MismatchLog, snippetInput } from './src/compare';
import { generateGroup } from './src/group';
import { GROUPS } from './src/groups/index';
import { harnessBinary, nativeAvailable, runNative, Status } from './src/native-runner';
import { fromNative } from './src/vector-file';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && i + 1 < process.argv.length ? process.argv[i + 1] : fallback;
}

function main(): void {
  const total = Number(arg('vectors', '2000000'));
  const seed0 = Number(arg('seed', String(Date.now() % 1_000_000)));
  const examples = Number(arg('examples', '25'));
  const only = arg('groups', '').split(',').filter(Boolean);
  const groups = only.length ? GROUPS.filter((g) => only.includes(g.name)) : GROUPS;
  if (!groups.length) throw new Error(`no such group: ${only.join(',')}`);
  if (!nativeAvailable()) throw new Error('the long run needs x86-64 Linux with gcc (the CPU is the oracle)');
  const bin = harnessBinary();
  const weight = groups.reduce((s, g) => s + g.count, 0);
  const BATCH = 10_000;
  const log = new MismatchLog();
  let nativeMs = 0;
  let emuMs = 0;
  const t0 = performance.now();
  console.log(`long run: ${total} vectors, seed ${seed0}, groups ${groups.map((g) => g.name).join(' ')}`);
  for (let batch = 0, done = 0; done < total; batch++) {
    // Groups take turns in proportion to their committed sizes.
    let x = (batch * 7919) % weight;
    const def = groups.find((g) => (x -= g.count) < 0) ?? groups[0];
    const n = Math.min(BATCH, total - done);
    const seed = (Math.imul(seed0, 0x9e3779b1) ^ Math.imul(batch + 1, 0x85ebca6b)) >>> 0;
    const { base, cases } = generateGroup(def, seed, n);
    const t1 = performance.now();
    const native = runNative(bin, base, cases);
    const t2 = performance.now();
    nativeMs += t2 - t1;
    for (let i = 0; i < n; i++) {
      const exp = fromNative(native[i]);
      if (exp.status === Status.Timeout) {
        log.skipped++;
        continue;
      }
      log.checked++;
      let diffs: string[];
      try {
        diffs = compareCase(base, cases[i], exp, runSnippet(snippetInput(base, cases[i])));
      } catch (e) {
        diffs = [`runSnippet threw: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}`];
      }
      if (diffs.length) {
        const c = cases[i];
        log.add(c.label, c.code.length, () => formatMismatch(`${def.name} (seed ${seed})`, i, c, exp, diffs));
      }
    }
    emuMs += performance.now() - t2;
    done += n;
    if (batch % 5 === 4 || done >= total) {
      const s = (performance.now() - t0) / 1000;
      console.log(
        `  ${done} vectors, ${log.total} mismatches, ${s.toFixed(0)} s (native ${((done / nativeMs) * 1000).toFixed(0)}/s, emulator ${((done / emuMs) * 1000).toFixed(0)}/s)`,
      );
    }
  }
  console.log(log.summary('long run', examples));
  console.log(`${log.checked - log.total} passed, ${log.total} failed`);
  if (log.total) process.exitCode = 1;
}

main();
