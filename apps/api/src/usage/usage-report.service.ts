import { Injectable } from '@nestjs/common';
import type { TenantUsage } from '@xeno/contracts';
import { DataSource } from 'typeorm';

/** States in which a domain occupies an agent and is billed for its time. */
export const BILLED_STATES = ['running', 'paused'] as const;

export interface UsageWindow {
  since: Date;
  until: Date;
}

interface UsageRow {
  tenant_id: string;
  domain_seconds: number | string | null;
  cpu_seconds: number | string | null;
  instructions: number | string | null;
}

/**
 * Sums usage per tenant over a window. Domain-hours are exact: every running/paused interval of
 * domain_state_history clipped to the window (the last state lasts until the window ends). CPU seconds
 * and instructions come from usage_hourly, so they have hour granularity: the hours that start in
 * [since rounded down to the hour, until).
 */
@Injectable()
export class UsageReport {
  constructor(private readonly dataSource: DataSource) {}

  async forTenant(tenantId: string, window: UsageWindow): Promise<TenantUsage> {
    const [usage] = await this.query(window, tenantId);
    return usage ?? emptyUsage(tenantId, window);
  }

  /** Every tenant, including those that used nothing. */
  forAllTenants(window: UsageWindow): Promise<TenantUsage[]> {
    return this.query(window, null);
  }

  private async query(window: UsageWindow, tenantId: string | null): Promise<TenantUsage[]> {
    const rows: UsageRow[] = await this.dataSource.query(
      `WITH intervals AS (
         SELECT "tenant_id", "state", "at",
                LEAD("at") OVER (PARTITION BY "domain_id" ORDER BY "at", "id") AS next_at
         FROM "domain_state_history"
         WHERE ($1::uuid IS NULL OR "tenant_id" = $1) AND "at" < $3
       ), hours AS (
         SELECT "tenant_id",
                SUM(EXTRACT(EPOCH FROM LEAST(COALESCE(next_at, $3), $3) - GREATEST("at", $2))) AS domain_seconds
         FROM intervals
         WHERE "state"::text = ANY($4) AND COALESCE(next_at, $3) > $2
         GROUP BY "tenant_id"
       ), cpu AS (
         SELECT "tenant_id", SUM("cpu_seconds") AS cpu_seconds, SUM("instructions") AS instructions
         FROM "usage_hourly"
         WHERE ($1::uuid IS NULL OR "tenant_id" = $1) AND "hour" >= date_trunc('hour', $2::timestamptz) AND "hour" < $3
         GROUP BY "tenant_id"
       )
       SELECT t."id" AS tenant_id, h.domain_seconds, c.cpu_seconds, c.instructions
       FROM "tenants" t
       LEFT JOIN hours h ON h."tenant_id" = t."id"
       LEFT JOIN cpu c ON c."tenant_id" = t."id"
       WHERE $1::uuid IS NULL OR t."id" = $1
       ORDER BY t."created_at", t."id"`,
      [tenantId, window.since, window.until, [...BILLED_STATES]],
    );
    return rows.map((row) => ({
      tenantId: row.tenant_id,
      domainHours: round(Number(row.domain_seconds ?? 0) / 3600, 6),
      cpuSeconds: round(Number(row.cpu_seconds ?? 0), 3),
      instructions: Number(row.instructions ?? 0),
      since: window.since.toISOString(),
      until: window.until.toISOString(),
    }));
  }
}

function emptyUsage(tenantId: string, window: UsageWindow): TenantUsage {
  return {
    tenantId,
    domainHours: 0,
    cpuSeconds: 0,
    instructions: 0,
    since: window.since.toISOString(),
    until: window.until.toISOString(),
  };
}

function round(value: number, digits: number): number {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}
