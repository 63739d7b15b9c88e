import type { HealthReport } from '@xeno/contracts';
import { ConsolePage } from './ConsolePage';
import { useHashRoute } from './use-hash-route';
import { useHealth } from './use-health';

export function App() {
  const route = useHashRoute();
  const consoleRoute = /^\/domains\/([^/]+)\/console$/.exec(route);
  if (consoleRoute) return <ConsolePage domainId={decodeURIComponent(consoleRoute[1]!)} />;
  return <HealthPage />;
}

function HealthPage() {
  const health = useHealth();
  return (
    <main>
      <h1>Xenoserver</h1>
      <p className="tagline">Xen-style hypervisor as a service</p>
      <section aria-label="Service health">
        <h2>Health</h2>
        {health.kind === 'loading' && <p>Checking…</p>}
        {health.kind === 'unreachable' && <p className="down">API unreachable: {health.error}</p>}
        {health.kind === 'report' && <HealthTable report={health.report} checkedAt={health.checkedAt} />}
      </section>
    </main>
  );
}

function HealthTable({ report, checkedAt }: { report: HealthReport; checkedAt: Date }) {
  const rows: Array<[string, string, boolean]> = [
    ['API', report.status, report.status === 'ok'],
    ['Postgres', report.db, report.db === 'up'],
    ['Redis', report.redis, report.redis === 'up'],
    ['Node agents', String(report.agents), report.agents > 0],
  ];
  return (
    <>
      <table>
        <tbody>
          {rows.map(([name, value, good]) => (
            <tr key={name}>
              <th scope="row">{name}</th>
              <td className={good ? 'up' : 'down'}>{value}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <p className="meta">
        version {report.version} · checked {checkedAt.toLocaleTimeString()}
      </p>
    </>
  );
}
