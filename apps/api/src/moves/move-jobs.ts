import type { AgentJob } from '@xeno/contracts';
import type { DomainEntity } from '../domains/domain.entity';
import { domainSpec } from '../domains/domain-spec';

/** First half of a move, for the source: save, store under snapshotKey, destroy. */
export function snapshotJob(domain: DomainEntity, actionId: string, snapshotKey: string): AgentJob {
  return { kind: 'domain.snapshot', actionId, domainId: domain.id, snapshotKey, thenDestroy: true };
}

/** Second half, for the target: the same action id (its own queue and journal), restoring the snapshot. */
export function restoreJob(domain: DomainEntity, actionId: string, snapshotKey: string): AgentJob {
  return {
    kind: 'domain.start',
    actionId,
    domainId: domain.id,
    spec: domainSpec(domain),
    restoreSnapshotKey: snapshotKey,
  };
}
