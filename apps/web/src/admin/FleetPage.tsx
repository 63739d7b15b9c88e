import type { FleetView } from '@xeno/contracts';
import { useRef } from 'react';
import { useApiData } from '../api/use-api-data';
import { useDomainEvents } from '../domains/use-domain-events';
import { appendSample } from '../graphs/use-samples';
import { ErrorNote } from '../layout/ErrorNote';
import { AgentCard } from './AgentCard';
import { RebalancePanel } from './RebalancePanel';

/** #/admin: every agent with its live load and domains; cordon, drain, move, rebalance. */
export function FleetPage() {
  const fleet = useApiData<FleetView>('/api/admin/fleet');
  // Pushed, not polled: a domain's state change or an agent's heartbeat (/events `agent`, admins only)
  // re-reads the fleet.
  const { reload } = fleet;
  useDomainEvents(reload, undefined, reload);
  // One CPU sample per heartbeat (not per re-read), per agent.
  const cpuHistory = useRef(new Map<string, number[]>());
  const memoryHistory = useRef(new Map<string, number[]>());
  const seenHeartbeat = useRef(new Map<string, string | null>());
  for (const agent of fleet.data?.agents ?? []) {
    if (!agent.load || seenHeartbeat.current.get(agent.agentId) === agent.lastHeartbeatAt) continue;
    seenHeartbeat.current.set(agent.agentId, agent.lastHeartbeatAt);
    appendSample(cpuHistory.current, agent.agentId, agent.load.cpuBusy);
    appendSample(memoryHistory.current, agent.agentId, agent.load.memoryUsedMiB);
  }
  const agents = fleet.data?.agents ?? [];
  const names = new Map(agents.map((agent) => [agent.agentId, agent.hostname]));
  return (
    <main className="wide">
      <h1>Fleet</h1>
      <ErrorNote error={fleet.error} />
      {fleet.data && agents.length === 0 && <p className="meta">No agents enrolled.</p>}
      <div className="agent-grid">
        {agents.map((agent) => (
          <AgentCard
            key={agent.agentId}
            agent={agent}
            others={agents.filter((other) => other.agentId !== agent.agentId && other.state === 'ready')}
            cpuHistory={cpuHistory.current.get(agent.agentId) ?? []}
            memoryHistory={memoryHistory.current.get(agent.agentId) ?? []}
            onChanged={reload}
          />
        ))}
      </div>
      <RebalancePanel names={names} onApplied={reload} />
    </main>
  );
}
