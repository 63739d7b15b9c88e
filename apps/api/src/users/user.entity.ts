import {
  Check,
  Column,
  CreateDateColumn,
  Entity,
  Index,
  JoinColumn,
  ManyToOne,
  PrimaryGeneratedColumn,
  Unique,
  UpdateDateColumn,
  type Relation,
} from 'typeorm';
import { TenantEntity } from '../tenants/tenant.entity';
import { USER_ROLES, type UserRole } from './user-role';

/** A login. Emails are stored lower-case; passwords only as argon2id hashes (both enforced by checks). */
@Entity({ name: 'users' })
@Unique('users_email_key', ['email'])
@Check('users_email_lowercase', `"email" = lower("email")`)
@Check('users_password_hash_argon2id', `"password_hash" LIKE '$argon2id$%'`)
@Index('users_tenant_id_idx', ['tenantId'])
export class UserEntity {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'users_pkey' })
  id!: string;

  @Column({ name: 'tenant_id', type: 'uuid' })
  tenantId!: string;

  @ManyToOne(() => TenantEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'tenant_id', foreignKeyConstraintName: 'users_tenant_id_fkey' })
  tenant?: Relation<TenantEntity>;

  @Column({ type: 'varchar', length: 320 })
  email!: string;

  @Column({ name: 'password_hash', type: 'text' })
  passwordHash!: string;

  @Column({ type: 'enum', enum: USER_ROLES, enumName: 'user_role', default: 'member' })
  role!: UserRole;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
