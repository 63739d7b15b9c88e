import type { DomainActionView, DomainView } from '@xeno/contracts';
import type { DomainActionEntity } from './domain-action.entity';
import type { DomainEntity } from './domain.entity';

export function domainView(domain: DomainEntity): DomainView {
  return {
    id: domain.id,
    tenantId: domain.tenantId,
    name: domain.name,
    imageId: domain.imageId,
    memoryMiB: domain.memoryMiB,
    vcpus: domain.vcpus,
    weight: domain.weight,
    cmdline: domain.cmdline,
    state: domain.state,
    agentId: domain.agentId,
    lastShutdownReason: domain.lastShutdownReason,
    stateDetail: domain.stateDetail,
    createdAt: domain.createdAt.toISOString(),
    updatedAt: domain.updatedAt.toISOString(),
  };
}

export function actionView(action: DomainActionEntity): DomainActionView {
  return {
    id: action.id,
    domainId: action.domainId,
    action: action.action,
    status: action.status,
    fromState: action.fromState,
    toState: action.toState,
    error: action.error,
    placement: action.placement,
    requestedBy: action.requestedBy,
    idempotencyKey: action.idempotencyKey,
    createdAt: action.createdAt.toISOString(),
    completedAt: action.completedAt ? action.completedAt.toISOString() : null,
  };
}
