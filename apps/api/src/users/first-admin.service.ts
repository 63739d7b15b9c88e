import { Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { DataSource, type EntityManager } from 'typeorm';
import { API_CONFIG, type ApiConfig } from '../config/api-config';
import { DatabaseLifecycle } from '../database/database-lifecycle.service';
import { TenantEntity } from '../tenants/tenant.entity';
import { PasswordHasher } from './password-hasher.service';
import { UserEntity } from './user.entity';

const FIRST_ADMIN_LOCK_KEY = 0x61646d6e; // "admn": serialises replicas booting on an empty database
const PLATFORM_TENANT_NAME = 'Platform';

/**
 * On the very first start (no user at all) creates a platform admin in a "Platform" tenant, with
 * ADMIN_EMAIL / ADMIN_PASSWORD, or a generated password that is printed this one time only.
 */
@Injectable()
export class FirstAdminBootstrap implements OnApplicationBootstrap {
  private readonly logger = new Logger(FirstAdminBootstrap.name);

  constructor(
    private readonly dataSource: DataSource,
    private readonly database: DatabaseLifecycle,
    private readonly hasher: PasswordHasher,
    @Inject(API_CONFIG) private readonly config: ApiConfig,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.database.onReady(async () => {
      await this.ensureFirstAdmin();
    });
  }

  /** Returns the created admin, or undefined when users already exist. */
  async ensureFirstAdmin(): Promise<UserEntity | undefined> {
    const { email } = this.config.firstAdmin;
    const generated = this.config.firstAdmin.password === undefined;
    const password = this.config.firstAdmin.password ?? randomBytes(18).toString('base64url');
    const admin = await this.dataSource.transaction((manager) =>
      this.createIfNoUsers(manager, email, password),
    );
    if (!admin) return undefined;
    if (generated) {
      this.logger.warn(
        [
          'First start: created the platform admin account. This password is shown only once:',
          `    email:    ${email}`,
          `    password: ${password}`,
        ].join('\n'),
      );
    } else {
      this.logger.log(`First start: created the platform admin ${email} (password from ADMIN_PASSWORD)`);
    }
    return admin;
  }

  private async createIfNoUsers(
    manager: EntityManager,
    email: string,
    password: string,
  ): Promise<UserEntity | undefined> {
    await manager.query('SELECT pg_advisory_xact_lock($1)', [FIRST_ADMIN_LOCK_KEY]);
    if ((await manager.count(UserEntity)) > 0) return undefined;
    const tenant = await manager.save(manager.create(TenantEntity, { name: PLATFORM_TENANT_NAME }));
    return manager.save(
      manager.create(UserEntity, {
        tenantId: tenant.id,
        email,
        passwordHash: await this.hasher.hash(password),
        role: 'platform-admin',
      }),
    );
  }
}
