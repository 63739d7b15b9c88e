/** Per-tenant limits, enforced atomically when domains are created (and on resize). */
export interface TenantQuota {
  maxDomains: number;
  maxMemoryMiB: number;
  maxVcpus: number;
}

/** What a tenant's existing domains (every state except deleted) hold against its quota. */
export interface QuotaUsage {
  domains: number;
  memoryMiB: number;
  vcpus: number;
}

/** Response of GET /api/quota (own tenant) and GET /api/admin/tenants/:id/quota. */
export interface QuotaView {
  tenantId: string;
  limits: TenantQuota;
  used: QuotaUsage;
}

/** Body of PUT /api/admin/tenants/:id/quota (platform admin). */
export type UpdateQuotaRequest = TenantQuota;

/** Limits of a tenant created by sign-up. */
export const DEFAULT_TENANT_QUOTA: TenantQuota = { maxDomains: 10, maxMemoryMiB: 4096, maxVcpus: 16 };
