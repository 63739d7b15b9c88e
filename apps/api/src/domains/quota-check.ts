import type { QuotaUsage, TenantQuota } from '@xeno/contracts';

export interface DomainSize {
  memoryMiB: number;
  vcpus: number;
}

/** Why adding `size` to `used` would break `limits`, or undefined when it fits (every limit is named). */
export function quotaProblem(limits: TenantQuota, used: QuotaUsage, size: DomainSize): string | undefined {
  const problems: string[] = [];
  if (used.domains + 1 > limits.maxDomains)
    problems.push(`domains ${used.domains + 1} > ${limits.maxDomains}`);
  if (used.memoryMiB + size.memoryMiB > limits.maxMemoryMiB)
    problems.push(`memory ${used.memoryMiB + size.memoryMiB} MiB > ${limits.maxMemoryMiB} MiB`);
  if (used.vcpus + size.vcpus > limits.maxVcpus)
    problems.push(`vCPUs ${used.vcpus + size.vcpus} > ${limits.maxVcpus}`);
  return problems.length ? `quota exceeded: ${problems.join(', ')}` : undefined;
}
