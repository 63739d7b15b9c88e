import type { AgentView, DomainActionView, FleetDomainView, FleetView } from '@xeno/contracts';
import { useState } from 'react';
import { apiRequest } from '../api/api-request';
import { useSubmit } from '../auth/use-submit';
import { Sparkline } from '../graphs/Sparkline';
import { ErrorNote } from '../layout/ErrorNote';

type FleetAgent = FleetView['agents'][number];
const percent = (share: number) => `${Math.round(share * 100)} %`;

/** One agent: state, live load (with its recent history), cordon / uncordon / drain, and its domains. */
export function AgentCard({
  agent,
  others,
  cpuHistory,
  memoryHistory,
  onChanged,
}: {
  agent: FleetAgent;
  others: AgentView[];
  cpuHistory: number[];
  memoryHistory: number[];
  onChanged: () => void;
}) {
  const submit = useSubmit();
  const act = (verb: 'cordon' | 'uncordon' | 'drain') =>
    void submit.run(async () => {
      await apiRequest<unknown>('POST', `/api/admin/agents/${encodeURIComponent(agent.agentId)}/${verb}`);
      onChanged();
    });
  const load = agent.load;
  return (
    <article className="card agent-card" aria-label={`Agent ${agent.hostname}`}>
      <h2>
        {agent.hostname} <span className={`state agent-${agent.state}`}>{agent.state}</span>
      </h2>
      <p className="meta">
        {agent.capacity.pcpus} pCPU · {agent.capacity.memoryMiB} MiB · reserved {agent.reservedMemoryMiB} MiB
        · last heartbeat{' '}
        {agent.lastHeartbeatAt ? new Date(agent.lastHeartbeatAt).toLocaleTimeString() : 'never'}
      </p>
      {load ? (
        <div className="graphs">
          <Sparkline label="CPU busy" samples={cpuHistory} max={1} format={percent} />
          <Sparkline
            label="Memory"
            samples={memoryHistory}
            max={agent.capacity.memoryMiB}
            format={(mib) => `${mib} / ${agent.capacity.memoryMiB} MiB`}
          />
          <p className="meta">
            {load.domainCount} domains · {(load.instructionsPerSecond / 1e6).toFixed(1)} MIPS
          </p>
        </div>
      ) : (
        <p className="meta">no load reported yet</p>
      )}
      <div className="action-buttons">
        {agent.state === 'ready' ? (
          <button type="button" disabled={submit.busy} onClick={() => act('cordon')}>
            Cordon
          </button>
        ) : (
          <button type="button" disabled={submit.busy} onClick={() => act('uncordon')}>
            Uncordon
          </button>
        )}
        <button type="button" className="danger" disabled={submit.busy} onClick={() => act('drain')}>
          Drain
        </button>
      </div>
      <ErrorNote error={submit.error} />
      <div className="table-scroll">
        <table aria-label={`Domains on ${agent.hostname}`}>
          <tbody>
            {agent.domains.map((domain) => (
              <FleetDomainRow key={domain.id} domain={domain} targets={others} onMoved={onChanged} />
            ))}
          </tbody>
        </table>
        {agent.domains.length === 0 && <p className="meta">no domains</p>}
      </div>
    </article>
  );
}

/** A domain in the fleet view, with "move to" (an agent, or let placement choose). */
function FleetDomainRow({
  domain,
  targets,
  onMoved,
}: {
  domain: FleetDomainView;
  targets: AgentView[];
  onMoved: () => void;
}) {
  const submit = useSubmit();
  const [target, setTarget] = useState('');
  const move = () =>
    void submit.run(async () => {
      await apiRequest<DomainActionView>('POST', `/api/admin/domains/${encodeURIComponent(domain.id)}/move`, {
        ...(target ? { targetAgentId: target } : {}),
      });
      onMoved();
    });
  return (
    <tr>
      <td>{domain.name}</td>
      <td>{domain.state}</td>
      <td>
        {domain.memoryMiB} MiB · {domain.vcpus} vCPU
      </td>
      <td>
        <select
          aria-label={`Move ${domain.name} to`}
          value={target}
          onChange={(e) => setTarget(e.target.value)}
        >
          <option value="">any agent</option>
          {targets.map((agent) => (
            <option key={agent.agentId} value={agent.agentId}>
              {agent.hostname}
            </option>
          ))}
        </select>{' '}
        <button type="button" disabled={submit.busy} onClick={move}>
          Move
        </button>
        <ErrorNote error={submit.error} />
      </td>
    </tr>
  );
}
