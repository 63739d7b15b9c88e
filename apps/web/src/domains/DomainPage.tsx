import type { DomainView } from '@xeno/contracts';
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
  useDomainEvents((changed) => changed === domainId && domain.reload());
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
          <h2>Console</h2>
          <div className="graphs">
            <Sparkline label="Console traffic" samples={traffic.samples} format={formatRate} />
          </div>
          <ShareButton domainId={view.id} />
          <ConsoleTerminal domainId={view.id} onTraffic={traffic.add} />
        </>
      )}
    </main>
  );
}

function formatRate(bytesPerSecond: number): string {
  return bytesPerSecond >= 1024 ? `${(bytesPerSecond / 1024).toFixed(1)} KiB/s` : `${bytesPerSecond} B/s`;
}
