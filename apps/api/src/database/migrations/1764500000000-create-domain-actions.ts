import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Every lifecycle action on a domain, with the idempotency key its caller sent (unique per tenant, so a
 * retried request finds the first action instead of acting twice), and the domain's last shutdown reason
 * and state detail (why it is in error/crashed, or why the last action was refused).
 */
export class CreateDomainActions1764500000000 implements MigrationInterface {
  name = 'CreateDomainActions1764500000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`ALTER TABLE "domains" ADD "last_shutdown_reason" varchar(20)`);
    await db.query(`ALTER TABLE "domains" ADD "state_detail" text`);
    await db.query(
      `CREATE TYPE "domain_action_status" AS ENUM ('accepted', 'dispatched', 'succeeded', 'failed')`,
    );
    await db.query(`
      CREATE TABLE "domain_actions" (
        "id" uuid NOT NULL DEFAULT gen_random_uuid(),
        "domain_id" uuid NOT NULL,
        "tenant_id" uuid NOT NULL,
        "action" varchar(20) NOT NULL,
        "status" "domain_action_status" NOT NULL DEFAULT 'accepted',
        "from_state" "domain_state" NOT NULL,
        "to_state" "domain_state" NOT NULL,
        "error" text,
        "placement" jsonb,
        "requested_by" uuid,
        "idempotency_key" varchar(200),
        "created_at" timestamptz NOT NULL DEFAULT now(),
        "completed_at" timestamptz,
        CONSTRAINT "domain_actions_pkey" PRIMARY KEY ("id"),
        CONSTRAINT "domain_actions_domain_id_fkey" FOREIGN KEY ("domain_id") REFERENCES "domains" ("id") ON DELETE CASCADE,
        CONSTRAINT "domain_actions_tenant_id_fkey" FOREIGN KEY ("tenant_id") REFERENCES "tenants" ("id") ON DELETE CASCADE,
        CONSTRAINT "domain_actions_requested_by_fkey" FOREIGN KEY ("requested_by") REFERENCES "users" ("id") ON DELETE SET NULL
      )`);
    await db.query(
      `CREATE UNIQUE INDEX "domain_actions_tenant_key_idx" ON "domain_actions" ("tenant_id", "idempotency_key") WHERE "idempotency_key" IS NOT NULL`,
    );
    await db.query(
      `CREATE INDEX "domain_actions_domain_id_idx" ON "domain_actions" ("domain_id", "created_at")`,
    );
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP TABLE "domain_actions"`);
    await db.query(`DROP TYPE "domain_action_status"`);
    await db.query(`ALTER TABLE "domains" DROP COLUMN "state_detail"`);
    await db.query(`ALTER TABLE "domains" DROP COLUMN "last_shutdown_reason"`);
  }
}
