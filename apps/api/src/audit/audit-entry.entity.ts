import type { AuditEntry } from '@xeno/contracts';
import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn, type Relation } from 'typeorm';
import { TenantEntity } from '../tenants/tenant.entity';
import { UserEntity } from '../users/user.entity';

export type AuditResult = AuditEntry['result'];

/** One audit record (see the migration for the precision and deletion rules). */
@Entity({ name: 'audit_log' })
@Index('audit_log_tenant_at_idx', ['tenantId', 'at', 'id'])
export class AuditEntryEntity {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'audit_log_pkey' })
  id!: string;

  @Column({ type: 'timestamptz', precision: 3, default: () => 'clock_timestamp()' })
  at!: Date;

  @Column({ name: 'actor_user_id', type: 'uuid', nullable: true })
  actorUserId!: string | null;

  @ManyToOne(() => UserEntity, { onDelete: 'SET NULL', nullable: true })
  @JoinColumn({ name: 'actor_user_id', foreignKeyConstraintName: 'audit_log_actor_user_id_fkey' })
  actor?: Relation<UserEntity>;

  @Column({ name: 'tenant_id', type: 'uuid', nullable: true })
  tenantId!: string | null;

  @ManyToOne(() => TenantEntity, { onDelete: 'CASCADE', nullable: true })
  @JoinColumn({ name: 'tenant_id', foreignKeyConstraintName: 'audit_log_tenant_id_fkey' })
  tenant?: Relation<TenantEntity>;

  @Column({ type: 'varchar', length: 100 })
  action!: string;

  @Column({ type: 'varchar', length: 200, nullable: true })
  target!: string | null;

  @Column({ type: 'enum', enum: ['ok', 'refused', 'failed'], enumName: 'audit_result' })
  result!: AuditResult;

  @Column({ type: 'text', nullable: true })
  detail!: string | null;
}
