/**
 * Errors that mean "Postgres is not reachable (yet)" rather than "something is wrong with us":
 * the API keeps running, reports db: down, and retries. Anything else at boot is a bug or a
 * misconfiguration and stops the process.
 */
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'EHOSTUNREACH',
]);
// 57P01..57P03: admin shutdown, crash shutdown, cannot connect now (starting up).
const SERVER_CODES = new Set(['57P01', '57P02', '57P03']);

export function isConnectionError(error: unknown): boolean {
  if (error instanceof AggregateError) return error.errors.some(isConnectionError);
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: string }).code;
  if (code && (NETWORK_CODES.has(code) || SERVER_CODES.has(code))) return true;
  return /timeout|Connection terminated/i.test(error.message);
}
