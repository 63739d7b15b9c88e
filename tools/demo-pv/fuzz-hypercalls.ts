/**
 * npm run fuzz:hypercalls — the long hostile-guest campaign (see hostile-guest.ts): many seeds, many
 * operations each. Prints one line per seed and a summary; exits 1 if the hypervisor threw, domain B
 * changed, or the reference-count audit failed.
 *
 *   node dist/tools/demo-pv/fuzz-hypercalls.js [--seeds=N] [--first-seed=S] [--ops=N] [--budget=N] [--verbose]
 */
import { fuzzHostileGuest, type FuzzReport } from './hostile-guest';

function option(name: string, fallback: number): number {
  const a = process.argv.find((x) => x.startsWith(`--${name}=`));
  const v = a ? Number(a.slice(name.length + 3)) : fallback;
  if (!Number.isFinite(v)) throw new Error(`--${name} needs a number`);
  return v;
}

function main(): number {
  const seeds = option('seeds', 20);
  const first = option('first-seed', 1);
  const ops = option('ops', 20000);
  const budget = option('budget', 500);
  const verbose = process.argv.includes('--verbose');
  let failed = 0;
  const total: Pick<FuzzReport, 'operations' | 'hypercalls' | 'instructions' | 'rebuildsOfA' | 'ms'> = {
    operations: 0,
    hypercalls: 0,
    instructions: 0,
    rebuildsOfA: 0,
    ms: 0,
  };
  for (let seed = first; seed < first + seeds; seed++) {
    const r = fuzzHostileGuest({
      seed,
      operations: ops,
      budget,
      log: verbose ? (l) => console.log(`  ${l}`) : undefined,
    });
    const ok = r.hostErrors.length === 0 && r.auditErrors.length === 0 && r.bIntact;
    if (!ok) failed++;
    total.operations += r.operations;
    total.hypercalls += r.hypercalls;
    total.instructions += r.instructions;
    total.rebuildsOfA += r.rebuildsOfA;
    total.ms += r.ms;
    console.log(
      `seed ${seed}: ${ok ? 'ok' : 'FAILED'} ops ${r.operations} hypercalls ${r.hypercalls} ` +
        `(continued ${r.continuations}) pte ${r.pteWrites} ` +
        `code ${r.randomCode} (user ${r.userModeOps}) A rebuilt ${r.rebuildsOfA} insns ${r.instructions} ` +
        `${r.ms} ms (${Math.round(r.hypercalls / (r.ms / 1000))} hypercalls/s)`,
    );
    if (!ok) {
      if (!r.bIntact) console.log('  domain B memory changed');
      for (const e of r.hostErrors.slice(0, 5)) console.log(`  host error: ${e}`);
      for (const e of r.auditErrors.slice(0, 10)) console.log(`  audit: ${e}`);
    }
  }
  console.log(
    `${seeds} seeds, ${total.operations} operations, ${total.hypercalls} hypercalls, ${total.instructions} guest ` +
      `instructions, A rebuilt ${total.rebuildsOfA} times, ${(total.ms / 1000).toFixed(1)} s: ` +
      `${failed === 0 ? 'no failures' : `${failed} seed(s) FAILED`}`,
  );
  return failed === 0 ? 0 : 1;
}

process.exitCode = main();
