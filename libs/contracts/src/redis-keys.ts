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

/** Pub/sub channel on which agents publish AgentDomainEvents. */
export function domainEventsChannel(prefix: string): string {
  return `${prefix}domain:events`;
}

/** Pub/sub channel on which the API announces DomainStatsSamples from heartbeats (for the /events push). */
export function domainStatsChannel(prefix: string): string {
  return `${prefix}domain:stats`;
}

/** Pub/sub channel on which the API announces each agent heartbeat (AgentLoadSample) for admins' pages. */
export function agentLoadChannel(prefix: string): string {
  return `${prefix}agent:load`;
}

/** Pub/sub channel carrying one domain's console output (ConsoleChunks) from its agent. */
export function consoleOutputChannel(prefix: string, domainId: string): string {
  return `${prefix}console:${domainId}:out`;
}

/** BullMQ's key prefix (its `prefix` option) under a deployment's Redis prefix, for every queue. */
export function bullmqPrefix(prefix: string): string {
  return `${prefix}bull`;
}

/** Console scrollback an agent keeps per domain in its consoleLogKey stream (the ring viewers resume from). */
export const CONSOLE_SCROLLBACK_BYTES = 256 * 1024;

/**
 * Redis stream (XADD … MINID ~) with a domain's recent console output as ConsoleChunk fields, written by the
 * agent hosting it, so the API can serve the console log and viewers can resume from a sequence number.
 * Entry ids are `<seq>-1` (Redis refuses 0-0), so `XRANGE key <seq> +` resumes at a byte offset, and the agent trims with
 * `MINID ~ <seq - CONSOLE_SCROLLBACK_BYTES>`: the stream is a byte-sized scrollback ring.
 */
export function consoleLogKey(prefix: string, domainId: string): string {
  return `${prefix}console:${domainId}:log`;
}

/** Pub/sub channel carrying keyboard input (base64) to the agent that hosts the domain. */
export function consoleInputChannel(prefix: string, domainId: string): string {
  return `${prefix}console:${domainId}:in`;
}

/**
 * How long a stored snapshot is kept: long enough for the target of a move to be retried, short enough
 * that an abandoned move does not hold Redis memory for good (the target deletes it once restored).
 */
export const DOMAIN_SNAPSHOT_TTL_SECONDS = 3600;

/** Where a domain snapshot (moves between agents, recovery) is stored. */
export function domainSnapshotKey(prefix: string, domainId: string, actionId: string): string {
  return `${prefix}snapshot:${domainId}:${actionId}`;
}

/**
 * Hash of agent id → `cordoned` | `draining`, set by admins. An agent not in it is `ready` while its
 * heartbeat lives (and `down` once it expires); kept apart from the heartbeat, which the agent overwrites.
 */
export function agentAdminStateKey(prefix: string): string {
  return `${prefix}agent:admin-state`;
}
