import type { AgentState } from '@xeno/contracts';

/** What placement and rebalancing know of an agent: its state, size, and what the API placed on it. */
export interface PlacementAgent {
  agentId: string;
  state: AgentState;
  capacity: { pcpus: number; memoryMiB: number };
  /** Memory of the domains the API has placed there (authoritative, unlike the reported load). */
  reservedMemoryMiB: number;
  /** Last reported share of pCPUs busy, 0..1 (0 before the first heartbeat with load). */
  cpuBusy: number;
}

/** Share of an agent's memory in use, 0..1 (an agent without memory counts as full). */
export function memoryShare(agent: PlacementAgent, reservedMiB = agent.reservedMemoryMiB): number {
  return agent.capacity.memoryMiB > 0 ? reservedMiB / agent.capacity.memoryMiB : 1;
}
