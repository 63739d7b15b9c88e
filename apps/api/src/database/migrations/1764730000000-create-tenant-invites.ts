import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Invitations to join a tenant as a member. The token is 32 random bytes shown once to the owner; only
 * its SHA-256 is stored (as for sessions and API tokens). An invite is used once (accepted_at), can be
 * revoked, and expires.
 */
export class CreateTenantInvites1764730000000 implements MigrationInterface {
  name = 'CreateTenantInvites1764730000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE "tenant_invites" (
        "id" uuid NOT NULL DEFAULT gen_random_uuid(),
        "tenant_id" uuid NOT NULL,
        "email" varchar(320) NOT NULL,
        "token_hash" char(64) NOT NULL,
        "invited_by" uuid,
        "created_at" timestamptz NOT NULL DEFAULT now(),
        "expires_at" timestamptz NOT NULL,
        "accepted_at" timestamptz,
        "accepted_by" uuid,
        "revoked_at" timestamptz,
        CONSTRAINT "tenant_invites_pkey" PRIMARY KEY ("id"),
        CONSTRAINT "tenant_invites_token_hash_key" UNIQUE ("token_hash"),
        CONSTRAINT "tenant_invites_email_lowercase" CHECK ("email" = lower("email")),
        CONSTRAINT "tenant_invites_tenant_id_fkey" FOREIGN KEY ("tenant_id") REFERENCES "tenants" ("id") ON DELETE CASCADE,
        CONSTRAINT "tenant_invites_invited_by_fkey" FOREIGN KEY ("invited_by") REFERENCES "users" ("id") ON DELETE SET NULL,
        CONSTRAINT "tenant_invites_accepted_by_fkey" FOREIGN KEY ("accepted_by") REFERENCES "users" ("id") ON DELETE SET NULL
      )`);
    await db.query(`CREATE INDEX "tenant_invites_tenant_id_idx" ON "tenant_invites" ("tenant_id")`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP TABLE "tenant_invites"`);
  }
}
