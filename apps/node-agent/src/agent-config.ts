import { DEFAULT_REDIS_PREFIX, HEARTBEAT_INTERVAL_MS, HEARTBEAT_TTL_MS } from '@xeno/contracts';
import os from 'node:os';

export interface AgentConfig {
  agentId: string;
  redisUrl: string;
  redisPrefix: string;
  /** The control-plane API this agent belongs to (used by the full agent; logged for now). */
  apiUrl: string;
  heartbeatIntervalMs: number;
  heartbeatTtlMs: number;
}

export function loadAgentConfig(env: NodeJS.ProcessEnv = process.env): AgentConfig {
  const heartbeatIntervalMs = Number(env.HEARTBEAT_INTERVAL_MS ?? HEARTBEAT_INTERVAL_MS);
  return {
    agentId: env.AGENT_ID || `${os.hostname()}-${process.pid}`,
    redisUrl: env.REDIS_URL ?? 'redis://127.0.0.1:6379',
    redisPrefix: env.REDIS_PREFIX ?? DEFAULT_REDIS_PREFIX,
    apiUrl: env.API_URL ?? 'http://127.0.0.1:3000',
    heartbeatIntervalMs,
    // Keep the contract's ratio (three missed beats) when the interval is tuned, e.g. in tests.
    heartbeatTtlMs: Math.round((heartbeatIntervalMs * HEARTBEAT_TTL_MS) / HEARTBEAT_INTERVAL_MS),
  };
}
