import type { MemberView } from '@xeno/contracts';
import { apiRequest } from '../api/api-request';
import { useSubmit } from '../auth/use-submit';
import { ErrorNote } from '../layout/ErrorNote';

export function MemberRow({
  member,
  removable,
  onRemoved,
}: {
  member: MemberView;
  removable: boolean;
  onRemoved: () => void;
}) {
  const submit = useSubmit();
  const remove = () =>
    void submit.run(async () => {
      await apiRequest<void>('DELETE', `/api/tenant/members/${encodeURIComponent(member.id)}`);
      onRemoved();
    });
  return (
    <tr>
      <td>{member.email}</td>
      <td>{member.role}</td>
      <td>{new Date(member.createdAt).toLocaleDateString()}</td>
      <td>
        {removable && (
          <button type="button" className="danger" disabled={submit.busy} onClick={remove}>
            Remove
          </button>
        )}
        <ErrorNote error={submit.error} />
      </td>
    </tr>
  );
}
