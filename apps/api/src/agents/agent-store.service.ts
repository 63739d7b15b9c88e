import { Injectable } from '@nestjs/common';
import type { AgentLoad, AgentState, AgentView } from '@xeno/contracts';
import { DataSource } from 'typeorm';

interface AgentRow {
  id: string;
  hostname: string;
  state: AgentState;
  pcpus: number;
  memory_mib: number;
  load: AgentLoad | null;
  last_heartbeat_at: Date | null;
  enrolled_at: Date;
  reserved_memory_mib: string | number;
}

/** States in which a domain holds memory on its agent (as HeartbeatPlacementAgents counts them). */
const RESERVING_STATES = ['scheduling', 'starting', 'running', 'paused', 'stopping', 'migrating'];

export interface RecordedHeartbeat {
  wasDown: boolean;
  /** Seconds since the agent's previous heartbeat; null when it had none. */
  intervalSeconds: number | null;
  at: Date;
}

export interface NewAgent {
  agentId: string;
  hostname: string;
  credentialHash: string;
  capacity: { pcpus: number; memoryMiB: number };
}

/**
 * The `agents` table: who enrolled (with the credential's hash), what each agent last reported over HTTP,
 * and whether it went silent (`down`, set by AgentDownSweep). It outlives the Redis heartbeat keys, so a down
 * agent stays visible. Admin states (cordoned/draining) live in Redis next to the heartbeats (AgentRegistry),
 * where placement reads them. Reserved memory is summed from the domains placed on each agent.
 */
@Injectable()
export class AgentStore {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * Enrols an agent, or re-enrols one that lost its credential (a new credential replaces the old one; its
   * state and domains stay). A `down` agent that enrols again is `ready`.
   */
  async enrol(agent: NewAgent): Promise<void> {
    await this.dataSource.query(
      `INSERT INTO "agents" ("id", "hostname", "credential_hash", "pcpus", "memory_mib", "last_heartbeat_at")
       VALUES ($1, $2, $3, $4, $5, now())
       ON CONFLICT ("id") DO UPDATE SET
         "hostname" = EXCLUDED."hostname", "credential_hash" = EXCLUDED."credential_hash",
         "pcpus" = EXCLUDED."pcpus", "memory_mib" = EXCLUDED."memory_mib", "last_heartbeat_at" = now(),
         "state" = CASE WHEN "agents"."state" = 'down' THEN 'ready'::agent_state ELSE "agents"."state" END`,
      [agent.agentId, agent.hostname, agent.credentialHash, agent.capacity.pcpus, agent.capacity.memoryMiB],
    );
  }

  /** The agent id holding this credential hash, or undefined. */
  async agentIdForCredential(credentialHash: string): Promise<string | undefined> {
    const rows: Array<{ id: string }> = await this.dataSource.query(
      `SELECT "id" FROM "agents" WHERE "credential_hash" = $1`,
      [credentialHash],
    );
    return rows[0]?.id;
  }

  /**
   * Records a heartbeat. A `down` agent that beats again is `ready` (its domains were already marked lost);
   * returns whether it was down, so the caller can ask it for a reconcile, and the seconds since the
   * previous heartbeat (null for the first one), measured on the database clock like the timestamps.
   */
  async heartbeat(
    agentId: string,
    capacity: { pcpus: number; memoryMiB: number },
    load: AgentLoad,
  ): Promise<RecordedHeartbeat> {
    const rows = await this.updateReturning<{ was_down: boolean; interval_s: number | null; at: Date }>(
      `UPDATE "agents" AS a SET "pcpus" = $2, "memory_mib" = $3, "load" = $4, "last_heartbeat_at" = now(),
         "state" = CASE WHEN a."state" = 'down' THEN 'ready'::agent_state ELSE a."state" END
       FROM (SELECT "state", "last_heartbeat_at" FROM "agents" WHERE "id" = $1 FOR UPDATE) AS before
       WHERE a."id" = $1
       RETURNING before."state" = 'down' AS was_down,
                 EXTRACT(EPOCH FROM now() - before."last_heartbeat_at")::float8 AS interval_s, now() AS at`,
      [agentId, capacity.pcpus, capacity.memoryMiB, JSON.stringify(load)],
    );
    const row = rows[0];
    return {
      wasDown: row?.was_down ?? false,
      intervalSeconds: row?.interval_s ?? null,
      at: row?.at ?? new Date(),
    };
  }

  /** Marks agents `down` whose last heartbeat is older than the window; returns the ids that just went down. */
  async markSilentAgentsDown(downAfterMs: number): Promise<string[]> {
    const rows = await this.updateReturning<{ id: string }>(
      `UPDATE "agents" SET "state" = 'down'
       WHERE "state" <> 'down'
         AND ("last_heartbeat_at" IS NULL OR "last_heartbeat_at" < now() - make_interval(secs => $1::float8 / 1000))
       RETURNING "id"`,
      [downAfterMs],
    );
    return rows.map((row) => row.id);
  }

  async get(agentId: string): Promise<AgentView | undefined> {
    return (await this.list(agentId))[0];
  }

  /** Every agent (or one), with the memory of the domains the API placed there; `state` is ready or down. */
  async list(onlyAgentId?: string): Promise<AgentView[]> {
    const rows: AgentRow[] = await this.dataSource.query(
      `SELECT a.*, COALESCE((SELECT SUM(d."memory_mib") FROM "domains" d
                             WHERE d."agent_id" = a."id" AND d."state"::text = ANY($2)), 0)
                   AS reserved_memory_mib
       FROM "agents" a WHERE $1::varchar IS NULL OR a."id" = $1 ORDER BY a."id"`,
      [onlyAgentId ?? null, RESERVING_STATES],
    );
    return rows.map(toView);
  }

  /** Memory of the domains the API placed on each of these agents (agents with none are absent). */
  async reservedMemory(agentIds: readonly string[]): Promise<Map<string, number>> {
    if (agentIds.length === 0) return new Map();
    const rows: Array<{ agent_id: string; reserved: string | number }> = await this.dataSource.query(
      `SELECT "agent_id", SUM("memory_mib") AS reserved FROM "domains"
       WHERE "agent_id" = ANY($1) AND "state"::text = ANY($2) GROUP BY "agent_id"`,
      [agentIds, RESERVING_STATES],
    );
    return new Map(rows.map((row) => [row.agent_id, Number(row.reserved)]));
  }

  /** The postgres driver answers UPDATE … RETURNING with [rows, affected], unlike SELECT. */
  private async updateReturning<Row>(sql: string, parameters: unknown[]): Promise<Row[]> {
    const [rows] = (await this.dataSource.query(sql, parameters)) as [Row[], number];
    return rows;
  }
}

function toView(row: AgentRow): AgentView {
  return {
    agentId: row.id,
    hostname: row.hostname,
    state: row.state,
    capacity: { pcpus: row.pcpus, memoryMiB: row.memory_mib },
    load: row.load,
    reservedMemoryMiB: Number(row.reserved_memory_mib),
    lastHeartbeatAt: row.last_heartbeat_at ? row.last_heartbeat_at.toISOString() : null,
    enrolledAt: row.enrolled_at.toISOString(),
  };
}
