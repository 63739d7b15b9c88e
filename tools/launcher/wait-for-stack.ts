import type { HealthReport } from '@xeno/contracts';
import { sleep } from '../infra';

export interface WaitOptions {
  expectedAgents: number;
  timeoutMs: number;
  /** Returns why waiting is pointless (e.g. the API exited), or undefined to go on. */
  giveUpReason: () => string | undefined;
}

/** Polls GET /api/health until Postgres and Redis are up and every agent has sent a heartbeat. */
export async function waitForStack(baseUrl: string, options: WaitOptions): Promise<HealthReport> {
  const deadline = Date.now() + options.timeoutMs;
  let last: HealthReport | string = 'no answer yet';
  for (;;) {
    const reason = options.giveUpReason();
    if (reason) throw new Error(reason);
    last = await fetchHealth(baseUrl);
    if (typeof last !== 'string' && last.status === 'ok' && last.agents >= options.expectedAgents)
      return last;
    if (Date.now() > deadline) {
      const seen = typeof last === 'string' ? last : JSON.stringify(last);
      throw new Error(
        `the stack was not healthy within ${options.timeoutMs / 1000} s (last health: ${seen})`,
      );
    }
    await sleep(250);
  }
}

async function fetchHealth(baseUrl: string): Promise<HealthReport | string> {
  try {
    const response = await fetch(`${baseUrl}/api/health`, { signal: AbortSignal.timeout(2_000) });
    return (await response.json()) as HealthReport;
  } catch (error) {
    return String(error);
  }
}
