import { findProjectRoot } from '../../tools/infra';
import { PROFILES, type LoadProfile } from './profiles';
import {
  appendToPerformanceDoc,
  currentCommit,
  machineDescription,
  writeJsonSummary,
  type RunReport,
  type ScenarioReport,
} from './run-report';
import { apiMix } from './scenarios/api-mix';
import { consoleFanOut } from './scenarios/console-fanout';
import { launchStorm } from './scenarios/launch-storm';
import { noisyNeighbours } from './scenarios/noisy-neighbours';
import { startThrowawayStack, type ThrowawayStack } from './stack';
import { checkThresholds, describeOutcome } from './thresholds';

/*
 * `npm run load:smoke` / `npm run load:full` [-- --target URL] [--only SCENARIO] [--no-record].
 * Without --target a throwaway stack is started (and removed) for the run. Prints every figure, writes
 * the JSON summary, appends the dated table to docs/performance.md (full runs, or with --record), and
 * exits 1 when a threshold is breached.
 */
interface Scenario {
  /** The name its report and thresholds use. */
  title: string;
  run(baseUrl: string, profile: LoadProfile): Promise<ScenarioReport>;
}

const SCENARIOS: Record<string, Scenario> = {
  'launch-storm': { title: 'launch storm', run: (url, p) => launchStorm(url, p.launchStorm) },
  'console-fanout': { title: 'console fan-out', run: (url, p) => consoleFanOut(url, p.consoleFanOut) },
  'noisy-neighbours': { title: 'noisy neighbours', run: (url, p) => noisyNeighbours(url, p.noisyNeighbours) },
  'api-mix': { title: 'api mix', run: (url, p) => apiMix(url, p.apiMix) },
};

async function main(argv: string[]): Promise<number> {
  const args = parseArgs(argv);
  const profile = PROFILES[args.profile];
  const repoRoot = findProjectRoot();
  const startedAt = new Date();
  let stack: ThrowawayStack | undefined;
  const scenarios: ScenarioReport[] = [];
  try {
    if (!args.target) stack = await startThrowawayStack(profile.agents);
    const target = args.target ?? stack!.baseUrl;
    console.log(`load run: profile ${profile.name}, target ${target}`);
    for (const [name, { title, run }] of Object.entries(SCENARIOS)) {
      if (args.only && args.only !== name) continue;
      const t0 = performance.now();
      console.log(`\n▶ ${name}`);
      const report = await run(target, profile).catch((error: unknown): ScenarioReport => ({
        scenario: title,
        metrics: {},
        notes: [`scenario failed: ${error instanceof Error ? error.message : String(error)}`],
      }));
      scenarios.push(report);
      for (const [metric, value] of Object.entries(report.metrics))
        console.log(`  ${metric.padEnd(28)} ${Number.isFinite(value) ? Number(value.toFixed(3)) : 'n/a'}`);
      for (const note of report.notes) console.log(`  note: ${note}`);
      console.log(`  (${((performance.now() - t0) / 1000).toFixed(1)} s)`);
    }
  } finally {
    await stack?.stop();
  }

  const measured = Object.fromEntries(
    scenarios.flatMap((s) =>
      Object.entries(s.metrics).map(([metric, value]) => [`${s.scenario}.${metric}`, value]),
    ),
  );
  const thresholds = checkThresholds(
    profile.thresholds.filter((t) => !args.only || t.metric.startsWith(`${SCENARIOS[args.only].title}.`)),
    measured,
  );
  const report: RunReport = {
    profile: profile.name,
    target: args.target ?? 'throwaway stack (npm start)',
    startedAt: startedAt.toISOString(),
    durationS: (Date.now() - startedAt.getTime()) / 1000,
    machine: machineDescription(),
    commit: currentCommit(repoRoot),
    scenarios,
    thresholds,
  };
  console.log('\nthresholds:');
  for (const outcome of thresholds) console.log(`  ${describeOutcome(outcome)}`);
  console.log(`\nsummary: ${writeJsonSummary(repoRoot, report)}`);
  if (args.record ?? profile.name === 'full') {
    appendToPerformanceDoc(repoRoot, report);
    console.log('appended to docs/performance.md');
  }
  return thresholds.every((t) => t.passed) ? 0 : 1;
}

interface Args {
  profile: keyof typeof PROFILES;
  target?: string;
  only?: string;
  record?: boolean;
}

function parseArgs(argv: string[]): Args {
  const args: Args = { profile: 'smoke' };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${flag} needs a value`);
      return v;
    };
    if (flag === '--profile') {
      const p = value();
      if (p !== 'smoke' && p !== 'full') throw new Error(`--profile must be smoke or full, got "${p}"`);
      args.profile = p;
    } else if (flag === '--target') args.target = new URL(value()).toString();
    else if (flag === '--only') {
      args.only = value();
      if (!(args.only in SCENARIOS))
        throw new Error(`--only must be one of ${Object.keys(SCENARIOS).join(', ')}`);
    } else if (flag === '--record') args.record = true;
    else if (flag === '--no-record') args.record = false;
    else
      throw new Error(`unknown argument "${flag}" (use --profile, --target, --only, --record, --no-record)`);
  }
  return args;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`load run failed: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(2);
  },
);
