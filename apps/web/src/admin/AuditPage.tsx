import type { AuditEntry, AuditPage as AuditPageView } from '@xeno/contracts';
import { useEffect, useState } from 'react';
import { apiRequest } from '../api/api-request';
import { useSubmit } from '../auth/use-submit';
import { ErrorNote } from '../layout/ErrorNote';

/** #/admin/audit: the audit log, newest first, paged with the API's `before` cursor; admins may filter. */
export function AuditPage({ admin }: { admin: boolean }) {
  const submit = useSubmit();
  const [entries, setEntries] = useState<AuditEntry[]>([]);
  const [before, setBefore] = useState<string | null>(null);
  const [tenantId, setTenantId] = useState('');
  const [filter, setFilter] = useState('');
  const load = (cursor: string | null, reset: boolean) =>
    void submit.run(async () => {
      const query = new URLSearchParams();
      if (cursor) query.set('before', cursor);
      if (admin && filter) query.set('tenantId', filter);
      const page = await apiRequest<AuditPageView>('GET', `/api/audit?${query.toString()}`);
      setEntries((previous) => (reset ? page.entries : [...previous, ...page.entries]));
      setBefore(page.before);
    });
  // Reloads from the start whenever the applied filter changes.
  useEffect(() => load(null, true), [filter]);
  return (
    <main className="wide">
      <h1>Audit log</h1>
      {admin && (
        <form
          aria-label="Audit filter"
          className="form-row"
          onSubmit={(event) => {
            event.preventDefault();
            setFilter(tenantId.trim());
          }}
        >
          <label>
            Tenant id <input value={tenantId} onChange={(event) => setTenantId(event.target.value)} />
          </label>
          <button type="submit">Filter</button>
        </form>
      )}
      <ErrorNote error={submit.error} />
      <div className="table-scroll">
        <table aria-label="Audit entries">
          <thead>
            <tr>
              <th>When</th>
              <th>Action</th>
              <th>Target</th>
              <th>Result</th>
              <th>Actor</th>
              <th>Detail</th>
            </tr>
          </thead>
          <tbody>
            {entries.map((entry) => (
              <tr key={entry.id}>
                <td>{new Date(entry.at).toLocaleString()}</td>
                <td>{entry.action}</td>
                <td>{entry.target ?? ''}</td>
                <td className={`result-${entry.result}`}>{entry.result}</td>
                <td>{entry.actorUserId ?? 'system'}</td>
                <td>{entry.detail ?? ''}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {before && (
        <button type="button" disabled={submit.busy} onClick={() => load(before, false)}>
          Older
        </button>
      )}
    </main>
  );
}
