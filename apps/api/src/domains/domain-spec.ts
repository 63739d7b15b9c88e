import type { DomainSpec } from '@xeno/contracts';
import type { DomainEntity } from './domain.entity';

/** The spec an agent builds (or restores) the domain with, as every start job carries it. */
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
