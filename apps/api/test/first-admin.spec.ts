import type { INestApplication } from '@nestjs/common';
import argon2 from 'argon2';
import { DataSource } from 'typeorm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createScratchDatabase, type ScratchDatabase } from '../../../test/support/scratch-database';
import { UserEntity } from '../src/users/user.entity';
import { createTestApp, testApiConfig } from './api-test-app';

describe('first admin account', () => {
  let scratch: ScratchDatabase;
  const apps: INestApplication[] = [];
  const boot = async (firstAdmin: { email: string; password: string | undefined }) => {
    const app = await createTestApp(testApiConfig({ databaseUrl: scratch.url, firstAdmin }));
    apps.push(app);
    return app;
  };
  const users = (app: INestApplication) => app.get(DataSource).getRepository(UserEntity).find();

  beforeEach(async () => {
    scratch = await createScratchDatabase('admin');
  });

  afterEach(async () => {
    await Promise.all(apps.splice(0).map((app) => app.close()));
    await scratch.drop();
  });

  it('is created on first start from ADMIN_EMAIL / ADMIN_PASSWORD, hashed with argon2id', async () => {
    const app = await boot({ email: 'root@example.test', password: 'correct horse battery staple' });
    const [admin, ...others] = await users(app);
    expect(others).toEqual([]);
    expect(admin).toMatchObject({ email: 'root@example.test', role: 'platform-admin' });
    expect(admin.passwordHash).toMatch(/^\$argon2id\$/);
    expect(await argon2.verify(admin.passwordHash, 'correct horse battery staple')).toBe(true);
  });

  it('gets a generated password when none is configured', async () => {
    const app = await boot({ email: 'root@example.test', password: undefined });
    const [admin] = await users(app);
    expect(admin.passwordHash).toMatch(/^\$argon2id\$/);
  });

  it('is not created again on later starts', async () => {
    await boot({ email: 'first@example.test', password: 'one-password' });
    const second = await boot({ email: 'second@example.test', password: 'another-password' });
    expect((await users(second)).map((user) => user.email)).toEqual(['first@example.test']);
  });

  it('is protected by the schema: unique email, lower-case email, argon2id hashes only', async () => {
    const app = await boot({ email: 'root@example.test', password: 'pw-pw-pw-pw' });
    const [admin] = await users(app);
    const insert = (email: string, hash: string) =>
      app
        .get(DataSource)
        .query(`INSERT INTO users (tenant_id, email, password_hash) VALUES ($1, $2, $3)`, [
          admin.tenantId,
          email,
          hash,
        ]);
    await expect(insert('root@example.test', admin.passwordHash)).rejects.toThrow(/users_email_key/);
    await expect(insert('Upper@example.test', admin.passwordHash)).rejects.toThrow(/users_email_lowercase/);
    await expect(insert('plain@example.test', 'plaintext')).rejects.toThrow(/users_password_hash_argon2id/);
  });
});
