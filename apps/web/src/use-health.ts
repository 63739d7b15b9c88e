import type { HealthReport } from '@xeno/contracts';
import { useEffect, useState } from 'react';

export type HealthState =
  | { kind: 'loading' }
  | { kind: 'report'; report: HealthReport; checkedAt: Date }
  | { kind: 'unreachable'; error: string; checkedAt: Date };

const POLL_MS = 5_000;

/** Polls GET /api/health. A 503 still carries a report (degraded), so only network errors count as unreachable. */
export function useHealth(): HealthState {
  const [state, setState] = useState<HealthState>({ kind: 'loading' });
  useEffect(() => {
    let cancelled = false;
    const check = async () => {
      try {
        const response = await fetch('/api/health', { cache: 'no-store' });
        const report = (await response.json()) as HealthReport;
        if (!cancelled) setState({ kind: 'report', report, checkedAt: new Date() });
      } catch (error) {
        if (!cancelled) setState({ kind: 'unreachable', error: String(error), checkedAt: new Date() });
      }
    };
    void check();
    const timer = setInterval(() => void check(), POLL_MS);
    return () => {
      cancelled = true;
      clearInterval(timer);
    };
  }, []);
  return state;
}
