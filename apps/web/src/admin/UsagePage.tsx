import type { TenantUsage } from '@xeno/contracts';
import { useApiData } from '../api/use-api-data';
import { ErrorNote } from '../layout/ErrorNote';

/** #/admin/usage: what every tenant used in the accounting window. */
export function UsagePage() {
  const usage = useApiData<TenantUsage[]>('/api/admin/usage');
  return (
    <main className="wide">
      <h1>Usage per tenant</h1>
      <ErrorNote error={usage.error} />
      <div className="table-scroll">
        <table aria-label="Usage">
          <thead>
            <tr>
              <th>Tenant</th>
              <th>Domain hours</th>
              <th>CPU seconds</th>
              <th>Instructions</th>
              <th>Since</th>
            </tr>
          </thead>
          <tbody>
            {(usage.data ?? []).map((row) => (
              <tr key={row.tenantId}>
                <td>{row.tenantId}</td>
                <td>{row.domainHours.toFixed(2)}</td>
                <td>{row.cpuSeconds.toFixed(1)}</td>
                <td>{row.instructions.toExponential(2)}</td>
                <td>{new Date(row.since).toLocaleDateString()}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </main>
  );
}
