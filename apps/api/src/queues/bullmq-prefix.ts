/**
 * BullMQ's key prefix under the deployment's Redis prefix. Must equal `bullmqPrefix()` that the
 * agent-runtime branch adds to libs/contracts (same formula); switch to that import once both are merged.
 */
export function apiBullmqPrefix(redisPrefix: string): string {
  return `${redisPrefix}bull`;
}
