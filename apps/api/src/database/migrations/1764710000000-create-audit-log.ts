import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The audit log: one row per mutating request (or system act), newest read first. `at` has millisecond
 * precision so the `before` cursor (ISO 8601, milliseconds) round-trips exactly; ties within one
 * millisecond are broken by id. Actors and tenants may be deleted later: the actor is kept as null, the
 * tenant's entries go with the tenant.
 */
export class CreateAuditLog1764710000000 implements MigrationInterface {
  name = 'CreateAuditLog1764710000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`CREATE TYPE "audit_result" AS ENUM ('ok', 'refused', 'failed')`);
    await db.query(`
      CREATE TABLE "audit_log" (
        "id" uuid NOT NULL DEFAULT gen_random_uuid(),
        "at" timestamptz(3) NOT NULL DEFAULT clock_timestamp(),
        "actor_user_id" uuid,
        "tenant_id" uuid,
        "action" varchar(100) NOT NULL,
        "target" varchar(200),
        "result" "audit_result" NOT NULL,
        "detail" text,
        CONSTRAINT "audit_log_pkey" PRIMARY KEY ("id"),
        CONSTRAINT "audit_log_actor_user_id_fkey" FOREIGN KEY ("actor_user_id") REFERENCES "users" ("id") ON DELETE SET NULL,
        CONSTRAINT "audit_log_tenant_id_fkey" FOREIGN KEY ("tenant_id") REFERENCES "tenants" ("id") ON DELETE CASCADE
      )`);
    await db.query(
      `CREATE INDEX "audit_log_tenant_at_idx" ON "audit_log" ("tenant_id", "at" DESC, "id" DESC)`,
    );
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP TABLE "audit_log"`);
    await db.query(`DROP TYPE "audit_result"`);
  }
}
