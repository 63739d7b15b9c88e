import type { PlacementCandidate, PlacementDecision, PlacementPolicy } from '@xeno/contracts';
import { memoryShare, type PlacementAgent } from './placement-agent';

export interface PlacementRequest {
  memoryMiB: number;
  vcpus: number;
  /** Agents that must not be chosen (the source of a move). */
  excludeAgentIds?: readonly string[];
}

/*
 * Memory decides most (a domain cannot run without it); CPU load only breaks near-ties, because the
 * credit scheduler shares busy pCPUs while memory is never overcommitted.
 */
const MEMORY_WEIGHT = 0.7;
const CPU_WEIGHT = 0.3;

/**
 * Filters agents that are ready and have room, then scores them: `spread` prefers the emptiest agent,
 * `pack` the fullest that still fits (keeping whole agents free). Both prefer idle CPUs. Every agent's
 * verdict is returned so the action can record why it went where it went. Deterministic: ties go to
 * the smaller agent id.
 */
export function choosePlacement(
  agents: readonly PlacementAgent[],
  request: PlacementRequest,
  policy: PlacementPolicy,
): PlacementDecision {
  const candidates = agents.map((agent) => judge(agent, request, policy));
  const best = candidates
    .filter((candidate) => candidate.eligible)
    .sort((a, b) => (b.score ?? 0) - (a.score ?? 0) || a.agentId.localeCompare(b.agentId))[0];
  return { policy, chosenAgentId: best?.agentId ?? null, candidates };
}

function judge(
  agent: PlacementAgent,
  request: PlacementRequest,
  policy: PlacementPolicy,
): PlacementCandidate {
  const refuse = (reason: string): PlacementCandidate => ({
    agentId: agent.agentId,
    eligible: false,
    reason,
    score: null,
  });
  if (request.excludeAgentIds?.includes(agent.agentId)) return refuse('excluded (source of the move)');
  if (agent.state !== 'ready') return refuse(agent.state);
  const freeMiB = agent.capacity.memoryMiB - agent.reservedMemoryMiB;
  if (freeMiB < request.memoryMiB)
    return refuse(`not enough free memory (${freeMiB} MiB < ${request.memoryMiB} MiB)`);
  if (agent.capacity.pcpus < request.vcpus)
    return refuse(`fewer pCPUs than vCPUs (${agent.capacity.pcpus} < ${request.vcpus})`);

  const freeShareAfter = 1 - memoryShare(agent, agent.reservedMemoryMiB + request.memoryMiB);
  const cpuIdle = 1 - Math.min(1, Math.max(0, agent.cpuBusy));
  const memoryFit = policy === 'spread' ? freeShareAfter : 1 - freeShareAfter;
  const score = round(MEMORY_WEIGHT * memoryFit + CPU_WEIGHT * cpuIdle);
  return {
    agentId: agent.agentId,
    eligible: true,
    reason: `free memory after ${round(freeShareAfter)}, cpu idle ${round(cpuIdle)} (${policy})`,
    score,
  };
}

function round(value: number): number {
  return Math.round(value * 1000) / 1000;
}
