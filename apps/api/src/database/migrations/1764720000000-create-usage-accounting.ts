import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Usage accounting.
 *
 * `domain_state_history`: every state a domain enters, with when, written by a trigger on `domains` so no
 * code path that changes a state can forget it (domain-hours are summed from its running/paused
 * intervals). Rows have no foreign key to the domain: a deleted domain's past still counts.
 *
 * `usage_hourly`: guest CPU seconds and instructions per domain and hour, attributed from agents'
 * heartbeats (UsageRecorder); one row per domain-hour keeps it small however often agents beat.
 */
export class CreateUsageAccounting1764720000000 implements MigrationInterface {
  name = 'CreateUsageAccounting1764720000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE "domain_state_history" (
        "id" bigserial NOT NULL,
        "domain_id" uuid NOT NULL,
        "tenant_id" uuid NOT NULL,
        "state" "domain_state" NOT NULL,
        "at" timestamptz NOT NULL DEFAULT clock_timestamp(),
        CONSTRAINT "domain_state_history_pkey" PRIMARY KEY ("id"),
        CONSTRAINT "domain_state_history_tenant_id_fkey" FOREIGN KEY ("tenant_id") REFERENCES "tenants" ("id") ON DELETE CASCADE
      )`);
    await db.query(
      `CREATE INDEX "domain_state_history_tenant_idx" ON "domain_state_history" ("tenant_id", "domain_id", "at")`,
    );
    await db.query(`
      CREATE FUNCTION "record_domain_state"() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF TG_OP = 'UPDATE' AND OLD."state" = NEW."state" THEN
          RETURN NEW;
        END IF;
        INSERT INTO "domain_state_history" ("domain_id", "tenant_id", "state") VALUES (NEW."id", NEW."tenant_id", NEW."state");
        RETURN NEW;
      END $$`);
    await db.query(`
      CREATE TRIGGER "domains_state_history" AFTER INSERT OR UPDATE OF "state" ON "domains"
      FOR EACH ROW EXECUTE FUNCTION "record_domain_state"()`);
    // Domains that existed before: their current state, since their last update.
    await db.query(`
      INSERT INTO "domain_state_history" ("domain_id", "tenant_id", "state", "at")
      SELECT "id", "tenant_id", "state", "updated_at" FROM "domains"`);
    await db.query(`
      CREATE TABLE "usage_hourly" (
        "tenant_id" uuid NOT NULL,
        "domain_id" uuid NOT NULL,
        "hour" timestamptz NOT NULL,
        "cpu_seconds" double precision NOT NULL DEFAULT 0,
        "instructions" bigint NOT NULL DEFAULT 0,
        CONSTRAINT "usage_hourly_pkey" PRIMARY KEY ("tenant_id", "domain_id", "hour"),
        CONSTRAINT "usage_hourly_tenant_id_fkey" FOREIGN KEY ("tenant_id") REFERENCES "tenants" ("id") ON DELETE CASCADE
      )`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP TABLE "usage_hourly"`);
    await db.query(`DROP TRIGGER "domains_state_history" ON "domains"`);
    await db.query(`DROP FUNCTION "record_domain_state"()`);
    await db.query(`DROP TABLE "domain_state_history"`);
  }
}
