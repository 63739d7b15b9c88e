import type { ListDomainsResponse, QuotaView } from '@xeno/contracts';
import { useApiData } from '../api/use-api-data';
import { ErrorNote } from '../layout/ErrorNote';
import { CreateDomainForm } from './CreateDomainForm';
import { DomainRow } from './DomainRow';
import { useDomainEvents } from './use-domain-events';

/** #/domains: the tenant's domains, kept live by /events pushes, and the create form. */
export function DomainsPage() {
  const domains = useApiData<ListDomainsResponse>('/api/domains');
  const quota = useApiData<QuotaView>('/api/quota');
  useDomainEvents(() => domains.reload());
  function onCreated() {
    domains.reload();
    quota.reload();
  }
  return (
    <main className="wide">
      <h1>Domains</h1>
      <ErrorNote error={domains.error} />
      {domains.data && domains.data.domains.length === 0 && <p className="meta">No domains yet.</p>}
      {domains.data && domains.data.domains.length > 0 && (
        <div className="table-scroll">
          <table aria-label="Domains">
            <thead>
              <tr>
                <th>Name</th>
                <th>State</th>
                <th>Image</th>
                <th>Memory</th>
                <th>vCPUs</th>
              </tr>
            </thead>
            <tbody>
              {domains.data.domains.map((domain) => (
                <DomainRow key={domain.id} domain={domain} />
              ))}
            </tbody>
          </table>
        </div>
      )}
      <CreateDomainForm quota={quota.data} onCreated={onCreated} />
    </main>
  );
}
