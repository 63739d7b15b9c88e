/**
 * Regenerates the committed vector files from the generators by running every vector on the host CPU.
 *
 *   npm run oracle:generate                 all groups
 *   npm run oracle:generate -- alu shift    some groups
 *   npm run oracle:generate -- --check      verify determinism: inputs regenerate to the same hash and the
 *                                           CPU reproduces the committed outputs (nothing is written)
 */
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { generateGroup } from './src/group';
import { GROUPS } from './src/groups/index';
import { loadGroup, vectorPath, VECTOR_DIR } from './src/load';
import { harnessBinary, nativeAvailable, runNative, Status } from './src/native-runner';
import { encodeVectorFile, fromNative, inputHash, readHeader } from './src/vector-file';

function main(): void {
  const args = process.argv.slice(2);
  const check = args.includes('--check');
  const names = args.filter((a) => !a.startsWith('--'));
  const groups = names.length ? GROUPS.filter((g) => names.includes(g.name)) : GROUPS;
  if (names.length && groups.length !== names.length) throw new Error(`unknown group in ${names.join(', ')}`);
  if (!nativeAvailable()) throw new Error('the x86 oracle needs x86-64 Linux with gcc');
  const bin = harnessBinary();
  mkdirSync(VECTOR_DIR, { recursive: true });
  let total = 0;
  let bytes = 0;
  let failures = 0;
  for (const def of groups) {
    const t0 = performance.now();
    const { base, cases } = generateGroup(def);
    const hash = inputHash(base, cases);
    const again = generateGroup(def);
    if (inputHash(again.base, again.cases) !== hash)
      throw new Error(`group ${def.name}: generation is not deterministic`);
    const t1 = performance.now();
    const results = runNative(bin, base, cases);
    const t2 = performance.now();
    const st = [0, 0, 0];
    for (const r of results) st[r.status]++;
    const rate = Math.round(cases.length / ((t2 - t1) / 1000));
    const line = `${def.name.padEnd(9)} ${String(cases.length).padStart(6)} vectors  ok ${st[0]}  faults ${st[1]}  timeouts ${st[2]}  gen ${((t1 - t0) / 2).toFixed(0)} ms  native ${(t2 - t1).toFixed(0)} ms (${rate}/s)`;
    if (check) {
      const loaded = loadGroup(def);
      let diff = 0;
      for (let i = 0; i < cases.length; i++) {
        const a = fromNative(results[i]);
        const b = loaded.expected[i];
        if (a.status === Status.Timeout) continue;
        const same =
          a.status === b.status &&
          (a.status !== Status.Exception || (a.vector === b.vector && a.rip === b.rip)) &&
          a.rflags === b.rflags &&
          a.gpr.every((g, k) => g === b.gpr[k]) &&
          JSON.stringify(a.diffs.map((d) => [d.win, d.off, Buffer.from(d.bytes).toString('hex')])) ===
            JSON.stringify(b.diffs.map((d) => [d.win, d.off, Buffer.from(d.bytes).toString('hex')]));
        if (!same) diff++;
      }
      failures += diff;
      console.log(
        `${line}  check: ${diff === 0 ? 'CPU reproduces the committed outputs' : `${diff} vectors differ from the committed file`}`,
      );
    } else {
      if (st[2]) console.warn(`  warning: ${st[2]} vectors timed out natively (they carry no expectation)`);
      const file = encodeVectorFile(def.name, def.seed, hash, cases, results);
      writeFileSync(vectorPath(def.name), file);
      const h = readHeader(readFileSync(vectorPath(def.name)));
      if (h.inputHash !== hash || h.count !== cases.length) throw new Error('vector file did not round-trip');
      console.log(`${line}  ${(file.length / 1024).toFixed(0)} KiB`);
    }
    total += cases.length;
    bytes += statSync(vectorPath(def.name)).size;
  }
  console.log(`total ${total} vectors, ${(bytes / 1024 / 1024).toFixed(2)} MiB of vector files`);
  if (failures) process.exitCode = 1;
}

main();
