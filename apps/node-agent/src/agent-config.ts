import { DEFAULT_REDIS_PREFIX, HEARTBEAT_INTERVAL_MS, HEARTBEAT_TTL_MS } from '@xeno/contracts';
import os from 'node:os';
import path from 'node:path';

export interface AgentConfig {
  agentId: string;
  redisUrl: string;
  redisPrefix: string;
  /** The control-plane API this agent enrols with and sends HTTP heartbeats to. */
  apiUrl: string;
  /** The cluster's shared enrolment secret (AGENT_ENROLMENT_SECRET), needed until a credential is stored. */
  enrolmentSecret: string | undefined;
  heartbeatIntervalMs: number;
  heartbeatTtlMs: number;
  /** Memory of the emulated host this agent runs (AGENT_MEMORY_MIB); its domains share it. */
  hostMemoryMiB: number;
  /**
   * pCPUs of that host (AGENT_PCPUS): one worker thread each, with an equal share of the memory. Default: the
   * machine's cores, but no partition under 256 MiB.
   */
  pcpus: number;
  /** Where the agent keeps its action journal (AGENT_DATA_DIR, default <DATA_DIR>/agents/<agentId>). */
  dataDir: string;
}

export function loadAgentConfig(env: NodeJS.ProcessEnv = process.env): AgentConfig {
  const heartbeatIntervalMs = Number(env.HEARTBEAT_INTERVAL_MS ?? HEARTBEAT_INTERVAL_MS);
  const agentId = env.AGENT_ID || `${os.hostname()}-${process.pid}`;
  const hostMemoryMiB = Number(env.AGENT_MEMORY_MIB ?? 1024);
  if (!Number.isInteger(hostMemoryMiB) || hostMemoryMiB < 64 || hostMemoryMiB > 65_536)
    throw new Error(`AGENT_MEMORY_MIB must be an integer from 64 to 65536, got "${env.AGENT_MEMORY_MIB}"`);
  const defaultPcpus = Math.max(1, Math.min(os.availableParallelism(), Math.floor(hostMemoryMiB / 256)));
  const pcpus = Number(env.AGENT_PCPUS ?? defaultPcpus);
  if (!Number.isInteger(pcpus) || pcpus < 1 || pcpus > 64 || hostMemoryMiB / pcpus < 64)
    throw new Error(
      `AGENT_PCPUS must be an integer from 1 to 64 leaving each pCPU at least 64 MiB of AGENT_MEMORY_MIB, got "${env.AGENT_PCPUS}"`,
    );
  return {
    agentId,
    redisUrl: env.REDIS_URL ?? 'redis://127.0.0.1:6379',
    redisPrefix: env.REDIS_PREFIX ?? DEFAULT_REDIS_PREFIX,
    apiUrl: env.API_URL ?? 'http://127.0.0.1:3000',
    enrolmentSecret: env.AGENT_ENROLMENT_SECRET || undefined,
    heartbeatIntervalMs,
    // Keep the contract's ratio (three missed beats) when the interval is tuned, e.g. in tests.
    heartbeatTtlMs: Math.round((heartbeatIntervalMs * HEARTBEAT_TTL_MS) / HEARTBEAT_INTERVAL_MS),
    hostMemoryMiB,
    pcpus,
    dataDir: path.resolve(env.AGENT_DATA_DIR ?? path.join(env.DATA_DIR ?? '.data', 'agents', agentId)),
  };
}
