import type { InviteView } from '@xeno/contracts';
import { apiRequest } from '../api/api-request';
import { useSubmit } from '../auth/use-submit';
import { ErrorNote } from '../layout/ErrorNote';

export function InviteRow({ invite, onRevoked }: { invite: InviteView; onRevoked: () => void }) {
  const submit = useSubmit();
  const revoke = () =>
    void submit.run(async () => {
      await apiRequest<void>('DELETE', `/api/tenant/invites/${encodeURIComponent(invite.id)}`);
      onRevoked();
    });
  return (
    <tr>
      <td>{invite.email}</td>
      <td>{new Date(invite.expiresAt).toLocaleString()}</td>
      <td>{invite.acceptedAt ? new Date(invite.acceptedAt).toLocaleString() : 'not yet'}</td>
      <td>
        {!invite.acceptedAt && (
          <button type="button" className="danger" disabled={submit.busy} onClick={revoke}>
            Revoke
          </button>
        )}
        <ErrorNote error={submit.error} />
      </td>
    </tr>
  );
}
