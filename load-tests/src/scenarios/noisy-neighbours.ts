import type { ScenarioReport } from '../run-report';
import { LatencyRecorder } from '../latency-recorder';
import type { ConsoleSession } from '../client/console-session';
import { LoadTenant } from '../client/tenant';
import {
  errorTally,
  launchXenolite,
  removeDomain,
  settleWithLimit,
  tallyNotes,
  type LaunchedDomain,
} from './launch';

export interface NoisyNeighboursOptions {
  victims: number;
  hogs: number;
  spammers: number;
  memoryStressors: number;
  benchSeconds: number;
  roundTrips: number;
  timeoutMs: number;
}

const CTRL_C = '\x03';

/**
 * Victim domains (one tenant) share an agent with noisy ones (another tenant) running `hog`, `spam` and a
 * memory stress loop, all at equal weights. Each victim's `bench` score and console round trip are taken
 * first with the neighbours idle, then with them noisy, in the same run on the same domains.
 *
 * Isolation is judged against what the credit scheduler owes a victim: with V victims busy alone each is
 * owed 1/V of the host; with N noisy domains busy too, 1/(V+N). A victim is isolated when its noisy score
 * is at least its alone score scaled by V/(V+N) — a neighbour may take its own share, never the victim's.
 * (Spam and memory stress rarely use a full share, so this owed figure is the victim's floor.)
 */
export async function noisyNeighbours(
  baseUrl: string,
  options: NoisyNeighboursOptions,
): Promise<ScenarioReport> {
  const victimsTenant = await LoadTenant.signUp(baseUrl, 'victims');
  const noisyTenant = await LoadTenant.signUp(baseUrl, 'noisy');
  const noisyCount = options.hogs + options.spammers + options.memoryStressors;
  const launchOne = (tenant: LoadTenant, name: string) =>
    launchXenolite(tenant, name, { memoryMiB: 32, timeoutMs: options.timeoutMs });
  const victimLaunches = await settleWithLimit(
    Array.from({ length: options.victims }, (_, i) => i),
    4,
    (i) => launchOne(victimsTenant, `load-victim-${i}`),
  );
  const noisyLaunches = await settleWithLimit(
    Array.from({ length: noisyCount }, (_, i) => i),
    4,
    (i) => launchOne(noisyTenant, `load-noisy-${i}`),
  );
  const victims = victimLaunches.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
  const noisy = noisyLaunches.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
  const notes = tallyNotes(errorTally([...victimLaunches, ...noisyLaunches]));
  const agents = new Set([...victims, ...noisy].map((d) => d.domain.agentId));
  if (agents.size > 1)
    notes.push(`domains landed on ${agents.size} agents; neighbours must share one (run with one agent)`);

  const alone = await measureVictims(victims, options);
  const stopNoise = startNoise(noisy, options);
  await new Promise((resolve) => setTimeout(resolve, 1_000)); // let the neighbours get going
  const withNoise = await measureVictims(victims, options);
  await stopNoise();

  const owedFraction = victims.length / (victims.length + noisy.length);
  const ratios = victims.map((_, i) => withNoise.scores[i] / (alone.scores[i] * owedFraction));
  const aloneRtt = alone.rtt.summary();
  const noisyRtt = withNoise.rtt.summary();
  for (const d of [...victims, ...noisy]) d.console.close();
  const cleanup = await settleWithLimit(
    [
      ...victims.map((d) => ({ tenant: victimsTenant, d })),
      ...noisy.map((d) => ({ tenant: noisyTenant, d })),
    ],
    4,
    async ({ tenant, d }) => {
      const problem = await removeDomain(tenant, d.domain.id, options.timeoutMs);
      if (problem) throw new Error(`cleanup: ${problem}`);
    },
  );
  victimsTenant.close();
  noisyTenant.close();
  notes.push(...tallyNotes(errorTally(cleanup)));
  if (alone.failures + withNoise.failures > 0)
    notes.push(`${alone.failures + withNoise.failures} victim measurements failed`);

  return {
    scenario: 'noisy neighbours',
    metrics: {
      victims: victims.length,
      neighbours: noisy.length,
      same_agent: agents.size === 1 ? 1 : 0,
      victim_score_alone_mean: mean(alone.scores),
      victim_score_noisy_mean: mean(withNoise.scores),
      victim_isolation_min: ratios.length ? Math.min(...ratios) : Number.NaN,
      victim_isolation_mean: mean(ratios),
      victim_rtt_alone_p99_ms: aloneRtt.p99,
      victim_rtt_noisy_p99_ms: noisyRtt.p99,
      measurement_failures: alone.failures + withNoise.failures,
    },
    notes,
  };
}

interface VictimMeasurement {
  scores: number[];
  rtt: LatencyRecorder;
  failures: number;
}

/** Every victim runs `bench` at the same time, then does its console round trips one after another. */
async function measureVictims(
  victims: readonly LaunchedDomain[],
  options: NoisyNeighboursOptions,
): Promise<VictimMeasurement> {
  let failures = 0;
  const benchTimeout = options.benchSeconds * 1000 * 20 + options.timeoutMs;
  const scores = await Promise.all(
    victims.map(async ({ console }) => {
      try {
        const from = console.mark;
        console.type(`bench ${options.benchSeconds}\r`);
        const match = await console.waitForMatch(/bench: score=(\d+)/, from, benchTimeout);
        await console.waitFor('xenolite:~$ ', from, options.timeoutMs);
        return Number(match[1]);
      } catch {
        failures++;
        return Number.NaN;
      }
    }),
  );
  const rtt = new LatencyRecorder();
  for (const { console } of victims) {
    for (let r = 0; r < options.roundTrips; r++) {
      try {
        rtt.record(await echoRoundTrip(console, `v${r}`, options.timeoutMs));
      } catch {
        failures++;
      }
    }
  }
  return { scores, rtt, failures };
}

async function echoRoundTrip(console: ConsoleSession, tag: string, timeoutMs: number): Promise<number> {
  const nonce = Math.random().toString(36).slice(2, 8);
  const from = console.mark;
  const sentAt = performance.now();
  console.type(`echo ${tag}  ${nonce}\r`);
  await console.waitFor(`${tag} ${nonce}`, from, timeoutMs);
  return performance.now() - sentAt;
}

/** Starts the neighbours' noise; the returned function stops it and waits for their prompts. */
function startNoise(noisy: readonly LaunchedDomain[], options: NoisyNeighboursOptions): () => Promise<void> {
  let stressing = true;
  const loops: Promise<void>[] = [];
  noisy.forEach(({ console }, i) => {
    if (i < options.hogs) console.type('hog\r');
    else if (i < options.hogs + options.spammers) console.type('spam 100000000\r');
    else
      loops.push(
        (async () => {
          while (stressing) {
            const from = console.mark;
            console.type('mem 8\r');
            await console.waitFor('xenolite:~$ ', from, options.timeoutMs).catch(() => undefined);
          }
        })(),
      );
  });
  return async () => {
    stressing = false;
    await Promise.all(loops);
    await Promise.all(
      noisy.slice(0, options.hogs + options.spammers).map(async ({ console }) => {
        const from = console.mark;
        console.type(CTRL_C);
        await console.waitFor('xenolite:~$ ', from, options.timeoutMs).catch(() => undefined);
      }),
    );
  };
}

function mean(values: readonly number[]): number {
  const finite = values.filter(Number.isFinite);
  return finite.length ? finite.reduce((a, b) => a + b, 0) / finite.length : Number.NaN;
}
