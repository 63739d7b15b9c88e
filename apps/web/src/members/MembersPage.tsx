import type { InviteView, MemberView, SessionResponse } from '@xeno/contracts';
import { useApiData } from '../api/use-api-data';
import { ErrorNote } from '../layout/ErrorNote';
import { InviteForm } from './InviteForm';
import { InviteRow } from './InviteRow';
import { MemberRow } from './MemberRow';

/** #/members: who belongs to this tenant; its owner also invites people and removes members. */
export function MembersPage({ session }: { session: SessionResponse }) {
  const owner = session.user.role === 'owner';
  const members = useApiData<MemberView[]>('/api/tenant/members');
  // Only the owner may list invites (members would get 403).
  const invites = useApiData<InviteView[]>(owner ? '/api/tenant/invites' : null);
  return (
    <main className="wide">
      <h1>Members of {session.tenant.name}</h1>
      <ErrorNote error={members.error} />
      {members.data && (
        <div className="table-scroll">
          <table aria-label="Members">
            <thead>
              <tr>
                <th>Email</th>
                <th>Role</th>
                <th>Since</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {members.data.map((member) => (
                <MemberRow
                  key={member.id}
                  member={member}
                  removable={owner && member.id !== session.user.id && member.role === 'member'}
                  onRemoved={members.reload}
                />
              ))}
            </tbody>
          </table>
        </div>
      )}
      {owner && (
        <>
          <h2>Invitations</h2>
          <ErrorNote error={invites.error} />
          {invites.data && invites.data.length > 0 && (
            <div className="table-scroll">
              <table aria-label="Invites">
                <thead>
                  <tr>
                    <th>Email</th>
                    <th>Expires</th>
                    <th>Accepted</th>
                    <th />
                  </tr>
                </thead>
                <tbody>
                  {invites.data.map((invite) => (
                    <InviteRow key={invite.id} invite={invite} onRevoked={invites.reload} />
                  ))}
                </tbody>
              </table>
            </div>
          )}
          <InviteForm onInvited={invites.reload} />
        </>
      )}
    </main>
  );
}
