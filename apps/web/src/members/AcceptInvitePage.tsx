import type { AcceptInviteRequest, SessionResponse } from '@xeno/contracts';
import { type FormEvent, useState } from 'react';
import { apiRequest } from '../api/api-request';
import { useSubmit } from '../auth/use-submit';
import { ErrorNote } from '../layout/ErrorNote';

/**
 * #/invite/<token>: joining a tenant from an invite link. A new address chooses its password; someone who
 * already has an account (as a member elsewhere) gives theirs and moves over.
 */
export function AcceptInvitePage({
  token,
  onSignedIn,
}: {
  token: string;
  onSignedIn: (session: SessionResponse) => void;
}) {
  const [password, setPassword] = useState('');
  const submit = useSubmit();
  function onSubmit(event: FormEvent) {
    event.preventDefault();
    if (password.length < 10) return submit.setError('Use at least 10 characters.');
    const body: AcceptInviteRequest = { token, password };
    void submit.run(async () => {
      const session = await apiRequest<SessionResponse>('POST', '/api/auth/accept-invite', body);
      window.location.hash = '#/domains';
      onSignedIn(session);
    });
  }
  return (
    <main className="auth-page">
      <h1>Xenoserver</h1>
      <form className="card" aria-label="Accept invite" onSubmit={onSubmit} noValidate>
        <h2>Join your team</h2>
        <p className="meta">
          Choose a password for your new account — or, if you already have one, enter its password to move it
          here.
        </p>
        <label>
          Password
          <input
            type="password"
            autoComplete="new-password"
            value={password}
            onChange={(e) => setPassword(e.target.value)}
          />
        </label>
        <ErrorNote error={submit.error} />
        <button type="submit" disabled={submit.busy}>
          Join
        </button>
      </form>
    </main>
  );
}
