/**
 * Response of GET /api/usage (own tenant) and GET /api/admin/usage (every tenant), for the window
 * `?since=&until=` (ISO 8601). Domain-hours are exact; CPU seconds and instructions are counted per hour
 * (the hours starting in the window) and attributed from per-agent heartbeats by vCPU share
 * (docs/api.md, "Usage").
 */
export interface TenantUsage {
  tenantId: string;
  /** Hours domains spent running (or paused) on agents. */
  domainHours: number;
  /** Guest CPU time, from agent heartbeats' cpuBusy shares, split among an agent's domains by vCPUs. */
  cpuSeconds: number;
  /** Guest instructions retired, from heartbeats' instructionsPerSecond. */
  instructions: number;
  /** ISO 8601 start of the accounting window (default: the start of the current UTC month). */
  since: string;
  /** ISO 8601 end of the window (default and latest: now). */
  until: string;
}
