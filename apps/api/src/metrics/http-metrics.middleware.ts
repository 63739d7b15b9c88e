import type { Metrics } from './metrics';

/** The part of Express's request/response the middleware reads (express types are not a dependency). */
interface MeteredRequest {
  method: string;
  route?: { path?: unknown };
  baseUrl?: string;
}
interface MeteredResponse {
  statusCode: number;
  once(event: 'finish' | 'close', listener: () => void): void;
}

/** Requests that matched no route share one label, so scanners cannot grow the series without bound. */
export const UNMATCHED_ROUTE = 'unmatched';

/**
 * Counts and times every HTTP answer by route *pattern* (`/api/domains/:id`, never the id), including
 * the ones guards refuse (401/403), which an interceptor would not see.
 */
export function httpMetricsMiddleware(metrics: Metrics) {
  return (req: MeteredRequest, res: MeteredResponse, next: () => void): void => {
    const stop = metrics.httpDuration.startTimer();
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      const pattern = req.route?.path;
      const path = typeof pattern === 'string' ? `${req.baseUrl ?? ''}${pattern}` : UNMATCHED_ROUTE;
      const labels = { method: req.method, route: path, status: String(res.statusCode) };
      metrics.httpRequests.inc(labels);
      stop(labels);
    };
    res.once('finish', finish);
    res.once('close', finish);
    next();
  };
}
