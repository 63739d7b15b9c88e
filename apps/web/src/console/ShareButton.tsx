import { useState } from 'react';
import { apiRequest } from '../api/api-request';
import { useSubmit } from '../auth/use-submit';
import { ErrorNote } from '../layout/ErrorNote';
import { shareUrl, type ConsoleShareLink } from './share-link';

const LIFETIMES = [
  { label: '15 minutes', seconds: 900 },
  { label: '1 hour', seconds: 3_600 },
  { label: '1 day', seconds: 86_400 },
];

/** Creates a read-only share link for a domain's console and shows it, ready to copy. */
export function ShareButton({ domainId }: { domainId: string }) {
  const submit = useSubmit();
  const [ttlSeconds, setTtlSeconds] = useState(3_600);
  const [link, setLink] = useState<ConsoleShareLink>();
  function create() {
    void submit.run(async () => {
      setLink(
        await apiRequest<ConsoleShareLink>(
          'POST',
          `/api/domains/${encodeURIComponent(domainId)}/console/share`,
          {
            ttlSeconds,
          },
        ),
      );
    });
  }
  const url = link && shareUrl(link, window.location.origin);
  return (
    <section className="share" aria-label="Share console">
      <div className="form-row">
        <label>
          Read-only link valid for{' '}
          <select value={ttlSeconds} onChange={(event) => setTtlSeconds(Number(event.target.value))}>
            {LIFETIMES.map((lifetime) => (
              <option key={lifetime.seconds} value={lifetime.seconds}>
                {lifetime.label}
              </option>
            ))}
          </select>
        </label>
        <button type="button" disabled={submit.busy} onClick={create}>
          Share console
        </button>
      </div>
      <ErrorNote error={submit.error} />
      {url && (
        <p className="share-link">
          <input aria-label="Share link" readOnly value={url} onFocus={(event) => event.target.select()} />
          <button type="button" onClick={() => void navigator.clipboard?.writeText(url)}>
            Copy
          </button>
          <span className="meta">until {new Date(link.expiresAt).toLocaleString()}</span>
        </p>
      )}
    </section>
  );
}
