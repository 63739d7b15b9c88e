import type { DomainView } from '@xeno/contracts';
import { ConsoleSession } from '../client/console-session';
import type { LoadTenant } from '../client/tenant';

export const XENOLITE = 'xenolite';
export const XENOLITE_PROMPT = 'xenolite:~$ ';

export interface LaunchedDomain {
  domain: DomainView;
  console: ConsoleSession;
  /** ms from the create request to the domain being `running`, and to its first console byte. */
  toRunningMs: number;
  toFirstByteMs: number;
}

/**
 * Creates a xenolite domain, starts it and attaches its console (before the boot, so the first byte is
 * seen as it arrives), then waits for `running` and the shell prompt. Times are measured from the create
 * request, as a tenant would feel them.
 */
export async function launchXenolite(
  tenant: LoadTenant,
  name: string,
  options: { memoryMiB?: number; weight?: number; timeoutMs: number },
): Promise<LaunchedDomain> {
  const startedAt = performance.now();
  const domain = await tenant.createDomain({
    name,
    imageId: XENOLITE,
    memoryMiB: options.memoryMiB,
    weight: options.weight,
  });
  const console = await ConsoleSession.open(tenant.api.baseUrl, domain.id, tenant.api.auth.token ?? '');
  try {
    let firstByteAt: number | undefined;
    const firstByte = console.waitForMatch(/[\s\S]/, 0, options.timeoutMs).then(() => {
      firstByteAt = performance.now();
    });
    await tenant.act(domain.id, 'start');
    const running = await tenant.waitForState(domain.id, 'running', options.timeoutMs);
    const toRunningMs = performance.now() - startedAt;
    await firstByte;
    await console.waitFor(XENOLITE_PROMPT, 0, options.timeoutMs);
    return {
      domain: running,
      console,
      toRunningMs,
      toFirstByteMs: (firstByteAt ?? performance.now()) - startedAt,
    };
  } catch (error) {
    console.close();
    throw error;
  }
}

/** Destroys (if needed) and deletes a domain; failures are returned, not thrown, so cleanup goes on. */
export async function removeDomain(
  tenant: LoadTenant,
  domainId: string,
  timeoutMs: number,
): Promise<string | undefined> {
  try {
    const domain = await tenant.getDomain(domainId);
    if (!['stopped', 'pending', 'error', 'crashed', 'lost'].includes(domain.state)) {
      await tenant.act(domainId, 'destroy');
      await tenant.waitForState(domainId, 'stopped', timeoutMs);
    }
    await tenant.api.delete(`/api/domains/${domainId}`);
    return undefined;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}

/** Runs `work` over items with at most `limit` at a time, keeping each outcome. */
export async function settleWithLimit<T, R>(
  items: readonly T[],
  limit: number,
  work: (item: T, index: number) => Promise<R>,
): Promise<PromiseSettledResult<R>[]> {
  const results: PromiseSettledResult<R>[] = new Array(items.length);
  let next = 0;
  const lane = async () => {
    while (next < items.length) {
      const index = next++;
      try {
        results[index] = { status: 'fulfilled', value: await work(items[index], index) };
      } catch (reason) {
        results[index] = { status: 'rejected', reason };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, lane));
  return results;
}

export function errorTally(results: readonly PromiseSettledResult<unknown>[]): Map<string, number> {
  const tally = new Map<string, number>();
  for (const r of results) {
    if (r.status === 'fulfilled') continue;
    const message = r.reason instanceof Error ? r.reason.message : String(r.reason);
    // Names and ids differ per domain; the kind of error is what a reader needs.
    const key = message.replace(/[0-9a-f-]{36}/g, ':id').replace(/load-[\w-]+/g, '<name>');
    tally.set(key, (tally.get(key) ?? 0) + 1);
  }
  return tally;
}

export function tallyNotes(tally: Map<string, number>): string[] {
  return [...tally].map(([message, count]) => `${count} × ${message}`);
}
