import { DOMAIN_ACTIONS, type DomainAction, type DomainActionView } from '@xeno/contracts';
import { apiRequest } from '../api/api-request';
import { useSubmit } from '../auth/use-submit';
import { ErrorNote } from '../layout/ErrorNote';

/** One button per lifecycle action; a refusal (409 with the reason) is shown right under them. */
export function ActionButtons({ domainId, onActed }: { domainId: string; onActed: () => void }) {
  const submit = useSubmit();
  function act(action: DomainAction) {
    void submit.run(async () => {
      await apiRequest<DomainActionView>('POST', `/api/domains/${encodeURIComponent(domainId)}/actions`, {
        action,
      });
      onActed();
    });
  }
  return (
    <section aria-label="Actions">
      <div className="action-buttons">
        {DOMAIN_ACTIONS.map((action) => (
          <button
            key={action}
            type="button"
            className={action === 'destroy' ? 'danger' : undefined}
            disabled={submit.busy}
            onClick={() => act(action)}
          >
            {action}
          </button>
        ))}
      </div>
      <ErrorNote error={submit.error} />
    </section>
  );
}
