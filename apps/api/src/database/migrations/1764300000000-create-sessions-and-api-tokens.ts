import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Login sessions and personal API tokens. Only SHA-256 hashes of the secrets are stored: the secrets are
 * 32 random bytes, so a fast hash is enough (no guessing attack to slow down) and a database leak
 * yields nothing usable.
 */
export class CreateSessionsAndApiTokens1764300000000 implements MigrationInterface {
  name = 'CreateSessionsAndApiTokens1764300000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE "sessions" (
        "id" uuid NOT NULL DEFAULT gen_random_uuid(),
        "user_id" uuid NOT NULL,
        "secret_hash" char(64) NOT NULL,
        "created_at" timestamptz NOT NULL DEFAULT now(),
        "expires_at" timestamptz NOT NULL,
        CONSTRAINT "sessions_pkey" PRIMARY KEY ("id"),
        CONSTRAINT "sessions_secret_hash_key" UNIQUE ("secret_hash"),
        CONSTRAINT "sessions_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users" ("id") ON DELETE CASCADE
      )`);
    await db.query(`CREATE INDEX "sessions_user_id_idx" ON "sessions" ("user_id")`);
    await db.query(`
      CREATE TABLE "api_tokens" (
        "id" uuid NOT NULL DEFAULT gen_random_uuid(),
        "user_id" uuid NOT NULL,
        "name" varchar(100) NOT NULL,
        "prefix" varchar(16) NOT NULL,
        "secret_hash" char(64) NOT NULL,
        "created_at" timestamptz NOT NULL DEFAULT now(),
        "last_used_at" timestamptz,
        "expires_at" timestamptz,
        "revoked_at" timestamptz,
        CONSTRAINT "api_tokens_pkey" PRIMARY KEY ("id"),
        CONSTRAINT "api_tokens_secret_hash_key" UNIQUE ("secret_hash"),
        CONSTRAINT "api_tokens_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users" ("id") ON DELETE CASCADE
      )`);
    await db.query(`CREATE INDEX "api_tokens_user_id_idx" ON "api_tokens" ("user_id")`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP TABLE "api_tokens"`);
    await db.query(`DROP TABLE "sessions"`);
  }
}
