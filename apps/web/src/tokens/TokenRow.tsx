import type { ApiTokenView } from '@xeno/contracts';
import { apiRequest } from '../api/api-request';
import { useSubmit } from '../auth/use-submit';
import { ErrorNote } from '../layout/ErrorNote';

const when = (iso: string | null, none: string) => (iso ? new Date(iso).toLocaleString() : none);

export function TokenRow({ token, onRevoked }: { token: ApiTokenView; onRevoked: () => void }) {
  const submit = useSubmit();
  function revoke() {
    void submit.run(async () => {
      await apiRequest<void>('DELETE', `/api/tokens/${encodeURIComponent(token.id)}`);
      onRevoked();
    });
  }
  return (
    <tr>
      <td>{token.name}</td>
      <td>
        <code>{token.prefix}…</code>
      </td>
      <td>{when(token.lastUsedAt, 'never')}</td>
      <td>{when(token.expiresAt, 'never')}</td>
      <td>
        <button type="button" className="danger" disabled={submit.busy} onClick={revoke}>
          Revoke
        </button>
        <ErrorNote error={submit.error} />
      </td>
    </tr>
  );
}
