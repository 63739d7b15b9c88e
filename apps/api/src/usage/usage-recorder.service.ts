import { Injectable } from '@nestjs/common';
import { HEARTBEAT_TTL_MS, type AgentLoad } from '@xeno/contracts';
import { DataSource } from 'typeorm';

/** A heartbeat later than this after the previous one covers only this much (the agent was away). */
export const MAX_ATTRIBUTED_INTERVAL_S = HEARTBEAT_TTL_MS / 1000;

/** One heartbeat's worth of guest work on an agent. */
export interface HeartbeatSample {
  agentId: string;
  pcpus: number;
  load: AgentLoad;
  /** Seconds since the agent's previous heartbeat (null for its first one: nothing to attribute yet). */
  intervalSeconds: number | null;
  /** When the heartbeat arrived; its hour is the bucket the work is counted in. */
  at: Date;
}

/**
 * Attributes agents' reported guest work to domains, and so to tenants. A heartbeat with per-domain
 * figures (load.domains: each domain's pCPU share and instruction rate, measured by its agent) credits
 * each domain exactly that over the interval. An older agent's heartbeat carries per-agent figures only
 * (cpuBusy: share of the host's pCPUs that ran guests; instructionsPerSecond): the interval's CPU seconds
 * (cpuBusy × pCPUs × interval) and instructions (rate × interval) are then split among the domains in
 * proportion to their vCPUs. Either way only domains the agent names *and* the API placed there count;
 * orphans get nothing. The interval since the previous beat is capped at the heartbeat TTL, so an agent
 * returning after an outage is not credited for the gap.
 */
@Injectable()
export class UsageRecorder {
  constructor(private readonly dataSource: DataSource) {}

  async record(sample: HeartbeatSample): Promise<void> {
    if (sample.intervalSeconds === null || sample.intervalSeconds <= 0) return;
    if (sample.load.domainIds.length === 0) return;
    const seconds = Math.min(sample.intervalSeconds, MAX_ATTRIBUTED_INTERVAL_S);
    if (sample.load.domains && sample.load.domains.length > 0) return this.recordMeasured(sample, seconds);
    const cpuSeconds = Math.max(0, Math.min(1, sample.load.cpuBusy)) * sample.pcpus * seconds;
    const instructions = Math.max(0, sample.load.instructionsPerSecond) * seconds;
    if (cpuSeconds === 0 && instructions === 0) return;
    await this.dataSource.query(
      `WITH placed AS (
         SELECT "id", "tenant_id", "vcpus" FROM "domains" WHERE "agent_id" = $1 AND "id"::text = ANY($2::text[])
       ), total AS (SELECT SUM("vcpus")::float8 AS vcpus FROM placed)
       INSERT INTO "usage_hourly" ("tenant_id", "domain_id", "hour", "cpu_seconds", "instructions")
       SELECT p."tenant_id", p."id", date_trunc('hour', $3::timestamptz),
              $4::float8 * p."vcpus" / t.vcpus, round($5::float8 * p."vcpus" / t.vcpus)::bigint
       FROM placed p CROSS JOIN total t
       ON CONFLICT ("tenant_id", "domain_id", "hour") DO UPDATE SET
         "cpu_seconds" = "usage_hourly"."cpu_seconds" + EXCLUDED."cpu_seconds",
         "instructions" = "usage_hourly"."instructions" + EXCLUDED."instructions"`,
      [sample.agentId, sample.load.domainIds, sample.at, cpuSeconds, instructions],
    );
  }

  private async recordMeasured(sample: HeartbeatSample, seconds: number): Promise<void> {
    const domains = sample.load.domains ?? [];
    await this.dataSource.query(
      `WITH figures AS (
         SELECT * FROM unnest($2::text[], $4::float8[], $5::bigint[]) AS f("id", "cpu", "instructions")
       )
       INSERT INTO "usage_hourly" ("tenant_id", "domain_id", "hour", "cpu_seconds", "instructions")
       SELECT d."tenant_id", d."id", date_trunc('hour', $3::timestamptz), f."cpu", f."instructions"
       FROM "domains" d JOIN figures f ON d."id"::text = f."id"
       WHERE d."agent_id" = $1 AND (f."cpu" > 0 OR f."instructions" > 0)
       ON CONFLICT ("tenant_id", "domain_id", "hour") DO UPDATE SET
         "cpu_seconds" = "usage_hourly"."cpu_seconds" + EXCLUDED."cpu_seconds",
         "instructions" = "usage_hourly"."instructions" + EXCLUDED."instructions"`,
      [
        sample.agentId,
        domains.map((d) => d.domainId),
        sample.at,
        domains.map((d) => Math.max(0, d.cpuShare) * seconds),
        domains.map((d) => Math.round(Math.max(0, d.instructionsPerSecond) * seconds)),
      ],
    );
  }
}
