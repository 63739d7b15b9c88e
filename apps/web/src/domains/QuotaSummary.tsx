import type { QuotaView } from '@xeno/contracts';

/** What the tenant holds against its quota, so the create form's limits are visible before submitting. */
export function QuotaSummary({ quota }: { quota: QuotaView | undefined }) {
  if (!quota) return null;
  const { used, limits } = quota;
  return (
    <p className="meta" aria-label="Quota">
      Quota: {used.domains}/{limits.maxDomains} domains · {used.memoryMiB}/{limits.maxMemoryMiB} MiB ·{' '}
      {used.vcpus}/{limits.maxVcpus} vCPUs
    </p>
  );
}
