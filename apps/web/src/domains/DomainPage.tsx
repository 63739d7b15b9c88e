import type { DomainStatsSample, DomainView } from '@xeno/contracts';
import { useState } from 'react';
import { useApiData } from '../api/use-api-data';
import { ConsoleTerminal } from '../console/ConsoleTerminal';
import { ShareButton } from '../console/ShareButton';
import { Sparkline } from '../graphs/Sparkline';
import { useRateSamples } from '../graphs/use-samples';
import { ErrorNote } from '../layout/ErrorNote';
import { ActionButtons } from './ActionButtons';
import { StateBadge } from './StateBadge';
import { useDomainEvents } from './use-domain-events';

/** #/domains/<id>: one domain's facts, its lifecycle actions and its console. */
export function DomainPage({ domainId }: { domainId: string }) {
  const domain = useApiData<DomainView>(`/api/domains/${encodeURIComponent(domainId)}`);
  const [stats, setStats] = useState<{ cpu: number[]; memory: number[] }>({ cpu: [], memory: [] });
  useDomainEvents(
    (changed) => changed === domainId && domain.reload(),
    (sample: DomainStatsSample) => {
      if (sample.domainId !== domainId) return;
      setStats((previous) => ({
        cpu: [...previous.cpu, sample.cpuShare * 100].slice(-GRAPH_POINTS),
        memory: [...previous.memory, sample.memoryMiB].slice(-GRAPH_POINTS),
      }));
    },
  );
  const view = domain.data;
  const traffic = useRateSamples();
  return (
    <main className="wide">
      <p>
        <a href="#/domains">← Domains</a>
      </p>
      <ErrorNote error={domain.error} />
      {view && (
        <>
          <h1>
            {view.name} <StateBadge state={view.state} />
          </h1>
          <p className="meta">
            {view.imageId} · {view.memoryMiB} MiB · {view.vcpus} vCPU · agent {view.agentId ?? 'none'}
          </p>
          {view.stateDetail && <p className="meta">{view.stateDetail}</p>}
          {view.lastShutdownReason && (
            <p className="meta" data-testid="shutdown-reason">
              last shutdown: {view.lastShutdownReason}
            </p>
          )}
          <ActionButtons domainId={view.id} onActed={domain.reload} />
          <div className="graphs">
            <Sparkline label="CPU" samples={stats.cpu} max={100 * view.vcpus} format={formatPercent} />
            <Sparkline label="Memory" samples={stats.memory} max={view.memoryMiB} format={formatMiB} />
            <Sparkline label="Console traffic" samples={traffic.samples} format={formatRate} />
          </div>
          <h2>Console</h2>
          <ShareButton domainId={view.id} />
          <ConsoleTerminal domainId={view.id} onTraffic={traffic.add} />
        </>
      )}
    </main>
  );
}

/** One point per agent heartbeat: the graphs show the last few minutes. */
const GRAPH_POINTS = 120;

function formatPercent(percent: number): string {
  return `${percent.toFixed(percent < 10 ? 1 : 0)} % CPU`;
}

function formatMiB(mib: number): string {
  return `${mib} MiB`;
}

function formatRate(bytesPerSecond: number): string {
  return bytesPerSecond >= 1024 ? `${(bytesPerSecond / 1024).toFixed(1)} KiB/s` : `${bytesPerSecond} B/s`;
}
