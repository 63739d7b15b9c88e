import type { SessionResponse, SignUpRequest } from '@xeno/contracts';
import { type FormEvent, useState } from 'react';
import { apiRequest } from '../api/api-request';
import { ErrorNote } from '../layout/ErrorNote';
import { useSubmit } from './use-submit';

/** The API's password rule (SignUpRequest), checked here too so the user hears it before a round trip. */
const MIN_PASSWORD = 10;

export function SignUpForm({ onSignedIn }: { onSignedIn: (session: SessionResponse) => void }) {
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [tenantName, setTenantName] = useState('');
  const submit = useSubmit();
  function onSubmit(event: FormEvent) {
    event.preventDefault();
    if (password.length < MIN_PASSWORD) {
      submit.setError(`Password must be at least ${MIN_PASSWORD} characters.`);
      return;
    }
    const body: SignUpRequest = { email, password, tenantName };
    void submit.run(async () =>
      onSignedIn(await apiRequest<SessionResponse>('POST', '/api/auth/signup', body)),
    );
  }
  return (
    <form className="card" aria-label="Sign up" onSubmit={onSubmit}>
      <h2>Sign up</h2>
      <label>
        Email
        <input
          type="email"
          required
          autoComplete="email"
          value={email}
          onChange={(e) => setEmail(e.target.value)}
        />
      </label>
      <label>
        Password (at least {MIN_PASSWORD} characters)
        <input
          type="password"
          required
          autoComplete="new-password"
          value={password}
          onChange={(e) => setPassword(e.target.value)}
        />
      </label>
      <label>
        Organisation
        <input required maxLength={200} value={tenantName} onChange={(e) => setTenantName(e.target.value)} />
      </label>
      <ErrorNote error={submit.error} />
      <button type="submit" disabled={submit.busy}>
        Create account
      </button>
    </form>
  );
}
