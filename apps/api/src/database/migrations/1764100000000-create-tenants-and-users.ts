import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Tenants and their users. gen_random_uuid() is built into Postgres 13+, so no extension is needed. */
export class CreateTenantsAndUsers1764100000000 implements MigrationInterface {
  name = 'CreateTenantsAndUsers1764100000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`CREATE TYPE "user_role" AS ENUM ('owner', 'member', 'platform-admin')`);
    await db.query(`
      CREATE TABLE "tenants" (
        "id" uuid NOT NULL DEFAULT gen_random_uuid(),
        "name" varchar(200) NOT NULL,
        "created_at" timestamptz NOT NULL DEFAULT now(),
        "updated_at" timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT "tenants_pkey" PRIMARY KEY ("id")
      )`);
    await db.query(`
      CREATE TABLE "users" (
        "id" uuid NOT NULL DEFAULT gen_random_uuid(),
        "tenant_id" uuid NOT NULL,
        "email" varchar(320) NOT NULL,
        "password_hash" text NOT NULL,
        "role" "user_role" NOT NULL DEFAULT 'member',
        "created_at" timestamptz NOT NULL DEFAULT now(),
        "updated_at" timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT "users_pkey" PRIMARY KEY ("id"),
        CONSTRAINT "users_email_key" UNIQUE ("email"),
        CONSTRAINT "users_email_lowercase" CHECK ("email" = lower("email")),
        CONSTRAINT "users_password_hash_argon2id" CHECK ("password_hash" LIKE '$argon2id$%'),
        CONSTRAINT "users_tenant_id_fkey" FOREIGN KEY ("tenant_id") REFERENCES "tenants" ("id") ON DELETE CASCADE
      )`);
    await db.query(`CREATE INDEX "users_tenant_id_idx" ON "users" ("tenant_id")`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP TABLE "users"`);
    await db.query(`DROP TABLE "tenants"`);
    await db.query(`DROP TYPE "user_role"`);
  }
}
