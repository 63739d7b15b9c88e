import type { AgentLoad } from './agent-enrolment';

/**
 * What a node agent publishes to Redis every few seconds so the control plane knows it is alive
 * and how much it can host. The API reads it (health, and later placement); the agent writes it.
 */
export interface AgentHeartbeat {
  /** Stable identity of the agent, unique across the cluster (AGENT_ID). */
  agentId: string;
  hostname: string;
  pid: number;
  /** Host resources the agent can hand out to domains. */
  capacity: HostCapacity;
  /** What the agent is running (absent from agents that host no domains yet). */
  load?: AgentLoad;
  /** When the agent process started (ISO 8601). */
  startedAt: string;
  /** When this heartbeat was produced (ISO 8601). */
  timestamp: string;
}

export interface HostCapacity {
  /** Physical CPUs visible to the agent (os.cpus().length). */
  pcpus: number;
  totalMemoryBytes: number;
  freeMemoryBytes: number;
}

/** How often an agent refreshes its heartbeat. */
export const HEARTBEAT_INTERVAL_MS = 5_000;

/**
 * How long a heartbeat stays in Redis without a refresh. Three missed beats mark the agent dead,
 * which tolerates a slow event loop without keeping a crashed agent visible for long.
 */
export const HEARTBEAT_TTL_MS = 3 * HEARTBEAT_INTERVAL_MS;

/** Parses a stored heartbeat; returns undefined for anything that is not one (never throws). */
export function parseAgentHeartbeat(raw: string | null | undefined): AgentHeartbeat | undefined {
  if (!raw) return undefined;
  try {
    const value: unknown = JSON.parse(raw);
    return isAgentHeartbeat(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

function isAgentHeartbeat(value: unknown): value is AgentHeartbeat {
  if (typeof value !== 'object' || value === null) return false;
  const beat = value as Partial<AgentHeartbeat>;
  return (
    typeof beat.agentId === 'string' &&
    typeof beat.timestamp === 'string' &&
    typeof beat.capacity === 'object' &&
    beat.capacity !== null &&
    typeof beat.capacity.pcpus === 'number'
  );
}
