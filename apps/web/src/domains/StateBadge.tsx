import type { DomainState } from '@xeno/contracts';

/** A domain state as a coloured pill (colour per state in styles.css). */
export function StateBadge({ state }: { state: DomainState }) {
  return <span className={`state state-${state}`}>{state}</span>;
}
