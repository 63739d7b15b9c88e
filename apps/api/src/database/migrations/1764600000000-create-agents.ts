import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Enrolled node agents. The credential is 32 random bytes, stored as its SHA-256 (as sessions and API
 * tokens are). `state` is what admins set (ready/cordoned/draining) or what the heartbeat sweep found (down);
 * capacity and the last load come from the agent's heartbeats.
 */
export class CreateAgents1764600000000 implements MigrationInterface {
  name = 'CreateAgents1764600000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`CREATE TYPE "agent_state" AS ENUM ('ready', 'cordoned', 'draining', 'down')`);
    await db.query(`
      CREATE TABLE "agents" (
        "id" varchar(100) NOT NULL,
        "hostname" varchar(255) NOT NULL,
        "credential_hash" char(64) NOT NULL,
        "state" "agent_state" NOT NULL DEFAULT 'ready',
        "pcpus" integer NOT NULL,
        "memory_mib" integer NOT NULL,
        "load" jsonb,
        "last_heartbeat_at" timestamptz,
        "enrolled_at" timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT "agents_pkey" PRIMARY KEY ("id"),
        CONSTRAINT "agents_credential_hash_key" UNIQUE ("credential_hash")
      )`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP TABLE "agents"`);
    await db.query(`DROP TYPE "agent_state"`);
  }
}
