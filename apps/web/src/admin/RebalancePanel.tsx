import type { RebalancePlan } from '@xeno/contracts';
import { useState } from 'react';
import { apiRequest } from '../api/api-request';
import { useSubmit } from '../auth/use-submit';
import { ErrorNote } from '../layout/ErrorNote';

const percent = (share: number) => `${(share * 100).toFixed(1)} %`;

/** Rebalance: see what the API proposes (GET), then apply it (POST); the moves are listed either way. */
export function RebalancePanel({ names, onApplied }: { names: Map<string, string>; onApplied: () => void }) {
  const submit = useSubmit();
  const [plan, setPlan] = useState<RebalancePlan>();
  const ask = (method: 'GET' | 'POST') =>
    void submit.run(async () => {
      setPlan(await apiRequest<RebalancePlan>(method, '/api/admin/rebalance'));
      if (method === 'POST') onApplied();
    });
  return (
    <section className="card" aria-label="Rebalance">
      <h2>Rebalance</h2>
      <div className="action-buttons">
        <button type="button" disabled={submit.busy} onClick={() => ask('GET')}>
          Propose
        </button>
        <button
          type="button"
          disabled={submit.busy || !plan || plan.moves.length === 0}
          onClick={() => ask('POST')}
        >
          Apply
        </button>
      </div>
      <ErrorNote error={submit.error} />
      {plan && (
        <>
          <p className="meta" data-testid="rebalance-summary">
            imbalance {percent(plan.imbalanceBefore)} → {percent(plan.imbalanceAfter)} · {plan.moves.length}{' '}
            moves
            {plan.actions ? ' · applied' : ''}
          </p>
          <div className="table-scroll">
            <table>
              <tbody>
                {plan.moves.map((move) => (
                  <tr key={move.domainId}>
                    <td>{move.domainId}</td>
                    <td>
                      {names.get(move.fromAgentId) ?? move.fromAgentId} →{' '}
                      {names.get(move.toAgentId) ?? move.toAgentId}
                    </td>
                    <td>{move.memoryMiB} MiB</td>
                    <td>{move.reason}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </>
      )}
    </section>
  );
}
