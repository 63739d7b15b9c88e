import type { ApiTokenView } from '@xeno/contracts';
import { useApiData } from '../api/use-api-data';
import { ErrorNote } from '../layout/ErrorNote';
import { CreateTokenForm } from './CreateTokenForm';
import { TokenRow } from './TokenRow';

/** #/tokens: personal API tokens (Authorization: Bearer) — list, create, revoke. */
export function TokensPage() {
  const tokens = useApiData<ApiTokenView[]>('/api/tokens');
  return (
    <main className="wide">
      <h1>API tokens</h1>
      <ErrorNote error={tokens.error} />
      {tokens.data && tokens.data.length > 0 && (
        <div className="table-scroll">
          <table aria-label="Tokens">
            <thead>
              <tr>
                <th>Name</th>
                <th>Prefix</th>
                <th>Last used</th>
                <th>Expires</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {tokens.data.map((token) => (
                <TokenRow key={token.id} token={token} onRevoked={tokens.reload} />
              ))}
            </tbody>
          </table>
        </div>
      )}
      <CreateTokenForm onCreated={tokens.reload} />
    </main>
  );
}
