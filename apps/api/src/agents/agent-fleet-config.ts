import { HEARTBEAT_TTL_MS } from '@xeno/contracts';

/** What the agents module reads from the environment: the enrolment secret and heartbeat timing. */
export interface AgentFleetConfig {
  /** Shared secret agents present once to enrol (AGENT_ENROLMENT_SECRET); undefined disables enrolment. */
  enrolmentSecret: string | undefined;
  /** An agent whose last heartbeat is older than this is `down` (AGENT_DOWN_AFTER_MS). */
  downAfterMs: number;
  /** How often the sweep looks for agents that stopped beating (AGENT_SWEEP_INTERVAL_MS). */
  sweepIntervalMs: number;
}

export const AGENT_FLEET_CONFIG = Symbol('AGENT_FLEET_CONFIG');

export function loadAgentFleetConfig(env: NodeJS.ProcessEnv = process.env): AgentFleetConfig {
  const downAfterMs = positive(env.AGENT_DOWN_AFTER_MS, HEARTBEAT_TTL_MS);
  return {
    enrolmentSecret: env.AGENT_ENROLMENT_SECRET || undefined,
    downAfterMs,
    sweepIntervalMs: positive(env.AGENT_SWEEP_INTERVAL_MS, Math.max(250, Math.round(downAfterMs / 3))),
  };
}

function positive(raw: string | undefined, fallback: number): number {
  const value = Number(raw);
  return raw !== undefined && Number.isFinite(value) && value > 0 ? value : fallback;
}
