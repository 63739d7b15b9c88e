import type { CreateApiTokenRequest, CreatedApiToken } from '@xeno/contracts';
import { type FormEvent, useState } from 'react';
import { apiRequest } from '../api/api-request';
import { useSubmit } from '../auth/use-submit';
import { ErrorNote } from '../layout/ErrorNote';

/** Creates a token and shows its secret once (the API never returns it again). */
export function CreateTokenForm({ onCreated }: { onCreated: () => void }) {
  const [name, setName] = useState('');
  const [days, setDays] = useState('');
  const [created, setCreated] = useState<CreatedApiToken>();
  const submit = useSubmit();
  function onSubmit(event: FormEvent) {
    event.preventDefault();
    const expiresInDays = days === '' ? undefined : Number(days);
    if (!name.trim()) return submit.setError('Give the token a name.');
    if (
      expiresInDays !== undefined &&
      !(Number.isInteger(expiresInDays) && expiresInDays >= 1 && expiresInDays <= 365)
    )
      return submit.setError('Expiry must be 1–365 days, or empty for never.');
    const body: CreateApiTokenRequest = { name: name.trim(), expiresInDays };
    void submit.run(async () => {
      setCreated(await apiRequest<CreatedApiToken>('POST', '/api/tokens', body));
      setName('');
      onCreated();
    });
  }
  return (
    <form className="card" aria-label="Create token" onSubmit={onSubmit} noValidate>
      <h2>New token</h2>
      <div className="form-row">
        <label>
          Name
          <input value={name} maxLength={100} onChange={(e) => setName(e.target.value)} />
        </label>
        <label>
          Expires in days
          <input type="number" min={1} max={365} value={days} onChange={(e) => setDays(e.target.value)} />
        </label>
      </div>
      <ErrorNote error={submit.error} />
      <button type="submit" disabled={submit.busy}>
        Create token
      </button>
      {created && (
        <p className="secret" aria-label="New token">
          Copy it now, it is not shown again: <code>{created.token}</code>
        </p>
      )}
    </form>
  );
}
