import type { LogInRequest, SessionResponse } from '@xeno/contracts';
import { type FormEvent, useState } from 'react';
import { apiRequest } from '../api/api-request';
import { ErrorNote } from '../layout/ErrorNote';
import { useSubmit } from './use-submit';

export function LogInForm({ onSignedIn }: { onSignedIn: (session: SessionResponse) => void }) {
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const submit = useSubmit();
  function onSubmit(event: FormEvent) {
    event.preventDefault();
    const body: LogInRequest = { email, password };
    void submit.run(async () =>
      onSignedIn(await apiRequest<SessionResponse>('POST', '/api/auth/login', body)),
    );
  }
  return (
    <form className="card" aria-label="Log in" onSubmit={onSubmit}>
      <h2>Log in</h2>
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
        Password
        <input
          type="password"
          required
          autoComplete="current-password"
          value={password}
          onChange={(e) => setPassword(e.target.value)}
        />
      </label>
      <ErrorNote error={submit.error} />
      <button type="submit" disabled={submit.busy}>
        Log in
      </button>
    </form>
  );
}
