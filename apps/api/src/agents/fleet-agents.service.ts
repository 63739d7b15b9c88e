import { Injectable } from '@nestjs/common';
import type { AgentHeartbeat, AgentState, AgentView } from '@xeno/contracts';
import { AgentRegistry } from './agent-registry.service';
import { AgentStore } from './agent-store.service';

/**
 * Every agent the control plane knows, with the state admins and placement see: enrolled agents from the
 * agents table (which remembers `down` ones) and agents that only publish a Redis heartbeat (not enrolled
 * over HTTP), merged by id. `down` in the table wins; otherwise the admin state from Redis (cordoned,
 * draining) applies, because that is what placement reads.
 */
@Injectable()
export class FleetAgents {
  constructor(
    private readonly store: AgentStore,
    private readonly registry: AgentRegistry,
  ) {}

  async list(): Promise<AgentView[]> {
    const [enrolled, live, adminStates] = await Promise.all([
      this.store.list(),
      this.registry.liveAgents(),
      this.registry.adminStates(),
    ]);
    const views = new Map<string, AgentView>();
    for (const agent of enrolled)
      views.set(agent.agentId, {
        ...agent,
        state: agent.state === 'down' ? 'down' : (adminStates.get(agent.agentId) ?? 'ready'),
      });
    const unenrolled = live.filter((agent) => !views.has(agent.heartbeat.agentId));
    const reserved = await this.store.reservedMemory(unenrolled.map((agent) => agent.heartbeat.agentId));
    for (const { heartbeat, state } of unenrolled)
      views.set(heartbeat.agentId, heartbeatView(heartbeat, state, reserved.get(heartbeat.agentId) ?? 0));
    return [...views.values()].sort((a, b) => a.agentId.localeCompare(b.agentId));
  }

  async get(agentId: string): Promise<AgentView | undefined> {
    return (await this.list()).find((agent) => agent.agentId === agentId);
  }
}

function heartbeatView(beat: AgentHeartbeat, state: AgentState, reservedMemoryMiB: number): AgentView {
  return {
    agentId: beat.agentId,
    hostname: beat.hostname,
    state,
    capacity: { pcpus: beat.capacity.pcpus, memoryMiB: Math.floor(beat.capacity.totalMemoryBytes / 2 ** 20) },
    load: beat.load ?? null,
    reservedMemoryMiB,
    lastHeartbeatAt: beat.timestamp,
    enrolledAt: beat.startedAt,
  };
}
