/** Response of GET /api/usage (own tenant) and GET /api/admin/usage (every tenant). */
export interface TenantUsage {
  tenantId: string;
  /** Hours domains spent running (or paused) on agents. */
  domainHours: number;
  /** Guest CPU time, from agent heartbeats' cpuBusy shares. */
  cpuSeconds: number;
  /** Guest instructions retired, from heartbeats' instructionsPerSecond. */
  instructions: number;
  /** ISO 8601 start of the accounting window. */
  since: string;
}
