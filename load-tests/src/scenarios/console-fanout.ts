import type { ScenarioReport } from '../run-report';
import { LatencyRecorder } from '../latency-recorder';
import { ConsoleSession } from '../client/console-session';
import { LoadTenant } from '../client/tenant';
import {
  errorTally,
  launchXenolite,
  removeDomain,
  settleWithLimit,
  tallyNotes,
  type LaunchedDomain,
} from './launch';

export interface ConsoleFanOutOptions {
  domains: number;
  /** Concurrent console sessions, spread evenly over the domains (each is also a viewer of its domain). */
  sessions: number;
  roundTripsPerSession: number;
  timeoutMs: number;
}

/**
 * K console sessions over D domains doing echo round trips. Typing `echo A  B` (two spaces) makes the
 * shell print `A B`, which the keystroke echo never contains, so the round trip ends exactly when the
 * command's output arrives. Sessions of one domain take turns typing (one shell, one line at a time);
 * every session sees every byte of its domain, so the fan-out is the real one.
 */
export async function consoleFanOut(baseUrl: string, options: ConsoleFanOutOptions): Promise<ScenarioReport> {
  const tenant = await LoadTenant.signUp(baseUrl, 'fanout');
  const launches = await settleWithLimit(
    Array.from({ length: options.domains }, (_, i) => i),
    4,
    (i) => launchXenolite(tenant, `load-fanout-${i}`, { memoryMiB: 32, timeoutMs: options.timeoutMs }),
  );
  const domains = launches.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
  const sessions: Array<{ session: ConsoleSession; domain: LaunchedDomain }> = [];
  const opened = await settleWithLimit(
    Array.from({ length: domains.length ? options.sessions : 0 }, (_, i) => domains[i % domains.length]),
    16,
    async (domain) => {
      const session = await ConsoleSession.open(baseUrl, domain.domain.id, tenant.api.auth.token ?? '', {
        maxTranscript: 64 * 1024,
      });
      sessions.push({ session, domain });
    },
  );

  const roundTrip = new LatencyRecorder();
  const turns = new Map<string, Promise<void>>(); // per domain: the tail of its typing queue
  const inTurn = (domainId: string, work: () => Promise<void>): Promise<void> => {
    const run = (turns.get(domainId) ?? Promise.resolve()).then(work, work);
    turns.set(
      domainId,
      run.catch(() => undefined),
    );
    return run;
  };
  let roundTripFailures = 0;
  const started = performance.now();
  await Promise.all(
    sessions.map(({ session, domain }, s) =>
      (async () => {
        for (let r = 0; r < options.roundTripsPerSession; r++) {
          await inTurn(domain.domain.id, async () => {
            const a = `s${s}r${r}`;
            const b = Math.random().toString(36).slice(2, 8);
            const from = session.mark;
            const sentAt = performance.now();
            session.type(`echo ${a}  ${b}\r`);
            await session.waitFor(`${a} ${b}`, from, options.timeoutMs);
            roundTrip.record(performance.now() - sentAt);
          }).catch(() => void roundTripFailures++);
        }
      })(),
    ),
  );
  const elapsedS = (performance.now() - started) / 1000;
  const dropped =
    sessions.filter(({ session }) => session.disconnects > 0).length +
    opened.filter((r) => r.status === 'rejected').length;
  const skipped = sessions.reduce((sum, { session }) => sum + session.skippedBytes, 0);
  const received = sessions.reduce((sum, { session }) => sum + session.receivedBytes, 0);
  for (const { session } of sessions) session.close();
  for (const domain of domains) domain.console.close();
  const cleanup = await settleWithLimit(domains, 4, async (d) => {
    const problem = await removeDomain(tenant, d.domain.id, options.timeoutMs);
    if (problem) throw new Error(`cleanup: ${problem}`);
  });
  tenant.close();

  const rtt = roundTrip.summary();
  return {
    scenario: 'console fan-out',
    metrics: {
      domains: domains.length,
      sessions: sessions.length,
      round_trips: rtt.count,
      round_trip_failures: roundTripFailures,
      round_trip_p50_ms: rtt.p50,
      round_trip_p99_ms: rtt.p99,
      round_trip_max_ms: rtt.max,
      dropped_sessions: dropped,
      skipped_bytes: skipped,
      delivered_kib_per_s: received / 1024 / elapsedS,
    },
    notes: [...tallyNotes(errorTally([...launches, ...opened])), ...tallyNotes(errorTally(cleanup))],
  };
}
