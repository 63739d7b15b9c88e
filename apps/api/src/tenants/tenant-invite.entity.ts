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
  type Relation,
} from 'typeorm';
import { UserEntity } from '../users/user.entity';
import { TenantEntity } from './tenant.entity';

/** An invitation to join a tenant as a member (see the migration for the token rules). */
@Entity({ name: 'tenant_invites' })
@Unique('tenant_invites_token_hash_key', ['tokenHash'])
@Check('tenant_invites_email_lowercase', `"email" = lower("email")`)
@Index('tenant_invites_tenant_id_idx', ['tenantId'])
export class TenantInviteEntity {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'tenant_invites_pkey' })
  id!: string;

  @Column({ name: 'tenant_id', type: 'uuid' })
  tenantId!: string;

  @ManyToOne(() => TenantEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'tenant_id', foreignKeyConstraintName: 'tenant_invites_tenant_id_fkey' })
  tenant?: Relation<TenantEntity>;

  @Column({ type: 'varchar', length: 320 })
  email!: string;

  @Column({ name: 'token_hash', type: 'char', length: 64 })
  tokenHash!: string;

  @Column({ name: 'invited_by', type: 'uuid', nullable: true })
  invitedBy!: string | null;

  @ManyToOne(() => UserEntity, { onDelete: 'SET NULL', nullable: true })
  @JoinColumn({ name: 'invited_by', foreignKeyConstraintName: 'tenant_invites_invited_by_fkey' })
  inviter?: Relation<UserEntity>;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @Column({ name: 'expires_at', type: 'timestamptz' })
  expiresAt!: Date;

  @Column({ name: 'accepted_at', type: 'timestamptz', nullable: true })
  acceptedAt!: Date | null;

  @Column({ name: 'accepted_by', type: 'uuid', nullable: true })
  acceptedBy!: string | null;

  @ManyToOne(() => UserEntity, { onDelete: 'SET NULL', nullable: true })
  @JoinColumn({ name: 'accepted_by', foreignKeyConstraintName: 'tenant_invites_accepted_by_fkey' })
  acceptor?: Relation<UserEntity>;

  @Column({ name: 'revoked_at', type: 'timestamptz', nullable: true })
  revokedAt!: Date | null;
}
