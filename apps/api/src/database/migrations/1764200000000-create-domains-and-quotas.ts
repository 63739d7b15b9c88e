import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Domains and per-tenant quotas. Quotas live on the tenant row because creates lock that row
 * (SELECT … FOR UPDATE) to check and consume them atomically. The state enum is DOMAIN_STATES.
 */
export class CreateDomainsAndQuotas1764200000000 implements MigrationInterface {
  name = 'CreateDomainsAndQuotas1764200000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`ALTER TABLE "tenants" ADD "max_domains" integer NOT NULL DEFAULT 10`);
    await db.query(`ALTER TABLE "tenants" ADD "max_memory_mib" integer NOT NULL DEFAULT 4096`);
    await db.query(`ALTER TABLE "tenants" ADD "max_vcpus" integer NOT NULL DEFAULT 16`);
    await db.query(
      `CREATE TYPE "domain_state" AS ENUM ('pending', 'scheduling', 'starting', 'running', 'paused', 'stopping',
        'stopped', 'crashed', 'lost', 'migrating', 'error')`,
    );
    await db.query(`
      CREATE TABLE "domains" (
        "id" uuid NOT NULL DEFAULT gen_random_uuid(),
        "tenant_id" uuid NOT NULL,
        "name" varchar(63) NOT NULL,
        "image_id" varchar(100) NOT NULL,
        "memory_mib" integer NOT NULL,
        "vcpus" integer NOT NULL,
        "weight" integer NOT NULL DEFAULT 256,
        "cmdline" text NOT NULL DEFAULT '',
        "state" "domain_state" NOT NULL DEFAULT 'pending',
        "agent_id" varchar(100),
        "created_at" timestamptz NOT NULL DEFAULT now(),
        "updated_at" timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT "domains_pkey" PRIMARY KEY ("id"),
        CONSTRAINT "domains_tenant_name_key" UNIQUE ("tenant_id", "name"),
        CONSTRAINT "domains_tenant_id_fkey" FOREIGN KEY ("tenant_id") REFERENCES "tenants" ("id") ON DELETE CASCADE
      )`);
    await db.query(`CREATE INDEX "domains_agent_id_idx" ON "domains" ("agent_id")`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP TABLE "domains"`);
    await db.query(`DROP TYPE "domain_state"`);
    await db.query(`ALTER TABLE "tenants" DROP COLUMN "max_vcpus"`);
    await db.query(`ALTER TABLE "tenants" DROP COLUMN "max_memory_mib"`);
    await db.query(`ALTER TABLE "tenants" DROP COLUMN "max_domains"`);
  }
}
