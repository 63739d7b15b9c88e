/**
 * Every Redis key the project uses is built here, so that the API, the agents and the tests agree on
 * names, and so that a key prefix (REDIS_PREFIX) can isolate several deployments or test runs that
 * share one Redis.
 */
export const DEFAULT_REDIS_PREFIX = 'xeno:';

export function agentHeartbeatKey(prefix: string, agentId: string): string {
  return `${prefix}agent:heartbeat:${agentId}`;
}

/** A SCAN MATCH pattern for all heartbeat keys under a prefix (glob characters in it are escaped). */
export function agentHeartbeatPattern(prefix: string): string {
  return `${escapeRedisGlob(prefix)}agent:heartbeat:*`;
}

/** Escapes the characters that SCAN/KEYS patterns treat as wildcards. */
export function escapeRedisGlob(text: string): string {
  return text.replace(/[*?[\]\\]/g, (char) => `\\${char}`);
}
