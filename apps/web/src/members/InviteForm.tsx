import type { CreatedInvite, CreateInviteRequest } from '@xeno/contracts';
import { type FormEvent, useState } from 'react';
import { apiRequest } from '../api/api-request';
import { useSubmit } from '../auth/use-submit';
import { ErrorNote } from '../layout/ErrorNote';

/** Link the invitee opens to join (the token is shown once; the API keeps only its hash). */
export const inviteLink = (token: string): string =>
  `${window.location.origin}${window.location.pathname}#/invite/${encodeURIComponent(token)}`;

export function InviteForm({ onInvited }: { onInvited: () => void }) {
  const [email, setEmail] = useState('');
  const [created, setCreated] = useState<CreatedInvite>();
  const submit = useSubmit();
  function onSubmit(event: FormEvent) {
    event.preventDefault();
    if (!/^\S+@\S+\.\S+$/.test(email.trim())) return submit.setError('Enter the email address to invite.');
    const body: CreateInviteRequest = { email: email.trim() };
    void submit.run(async () => {
      setCreated(await apiRequest<CreatedInvite>('POST', '/api/tenant/invites', body));
      setEmail('');
      onInvited();
    });
  }
  return (
    <form className="card" aria-label="Invite a member" onSubmit={onSubmit} noValidate>
      <h2>Invite a member</h2>
      <label>
        Email
        <input type="email" value={email} onChange={(e) => setEmail(e.target.value)} />
      </label>
      <ErrorNote error={submit.error} />
      <button type="submit" disabled={submit.busy}>
        Invite
      </button>
      {created && (
        <p className="secret">
          Send {created.email} this link (shown once, valid until{' '}
          {new Date(created.expiresAt).toLocaleString()}
          ):
          <input
            readOnly
            aria-label="Invite link"
            style={{ width: '100%' }}
            value={inviteLink(created.token)}
            onFocus={(event) => event.target.select()}
          />
        </p>
      )}
    </form>
  );
}
