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

export interface NewAgent {
  agentId: string;
  hostname: string;
  credentialHash: string;
  capacity: { pcpus: number; memoryMiB: number };
}

/**
 * The `agents` table: enrolment, heartbeats, admin state changes and the down sweep. Reserved memory is
 * summed from the domains placed on each agent, so it is what the API decided, not what the agent reports.
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
   * returns whether it was down, so the caller can ask it for a reconcile.
   */
  async heartbeat(
    agentId: string,
    capacity: { pcpus: number; memoryMiB: number },
    load: AgentLoad,
  ): Promise<{ wasDown: boolean }> {
    const rows = await this.updateReturning<{ was_down: boolean }>(
      `UPDATE "agents" AS a SET "pcpus" = $2, "memory_mib" = $3, "load" = $4, "last_heartbeat_at" = now(),
         "state" = CASE WHEN a."state" = 'down' THEN 'ready'::agent_state ELSE a."state" END
       FROM (SELECT "state" FROM "agents" WHERE "id" = $1 FOR UPDATE) AS before
       WHERE a."id" = $1
       RETURNING before."state" = 'down' AS was_down`,
      [agentId, capacity.pcpus, capacity.memoryMiB, JSON.stringify(load)],
    );
    return { wasDown: rows[0]?.was_down ?? false };
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

  /** Admin state change (cordon, uncordon, drain); undefined when no such agent. A down agent stays down. */
  async setAdminState(agentId: string, state: Exclude<AgentState, 'down'>): Promise<AgentView | undefined> {
    const rows = await this.updateReturning<{ id: string }>(
      `UPDATE "agents" SET "state" = CASE WHEN "state" = 'down' THEN "state" ELSE $2::agent_state END
       WHERE "id" = $1 RETURNING "id"`,
      [agentId, state],
    );
    return rows.length > 0 ? this.get(agentId) : undefined;
  }

  async get(agentId: string): Promise<AgentView | undefined> {
    return (await this.list(agentId))[0];
  }

  /** Every agent (or one), with the memory of the domains the API placed there. */
  async list(onlyAgentId?: string): Promise<AgentView[]> {
    const rows: AgentRow[] = await this.dataSource.query(
      `SELECT a.*, COALESCE((SELECT SUM(d."memory_mib") FROM "domains" d WHERE d."agent_id" = a."id"), 0)
                   AS reserved_memory_mib
       FROM "agents" a WHERE $1::varchar IS NULL OR a."id" = $1 ORDER BY a."id"`,
      [onlyAgentId ?? null],
    );
    return rows.map(toView);
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
