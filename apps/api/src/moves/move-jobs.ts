import type { AgentJob, DomainSpec } from '@xeno/contracts';
import type { DomainEntity } from '../domains/domain.entity';

/** The spec an agent builds (or restores) the domain with, as DomainActions sends it for a start. */
export function domainSpec(domain: DomainEntity): DomainSpec {
  return {
    domainId: domain.id,
    tenantId: domain.tenantId,
    name: domain.name,
    imageId: domain.imageId,
    memoryMiB: domain.memoryMiB,
    vcpus: domain.vcpus,
    weight: domain.weight,
    cap: 0,
    cmdline: domain.cmdline,
  };
}

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
