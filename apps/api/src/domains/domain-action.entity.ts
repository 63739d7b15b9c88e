import type { DomainActionStatus, DomainActionView, DomainState, PlacementDecision } from '@xeno/contracts';
import { DOMAIN_STATES } from '@xeno/contracts';
import {
  Column,
  CreateDateColumn,
  Entity,
  Index,
  JoinColumn,
  ManyToOne,
  PrimaryGeneratedColumn,
  type Relation,
} from 'typeorm';
import { TenantEntity } from '../tenants/tenant.entity';
import { UserEntity } from '../users/user.entity';
import { DomainEntity } from './domain.entity';

export type RecordedAction = DomainActionView['action'];

/** One lifecycle action on a domain (see the migration for the idempotency rule). */
@Entity({ name: 'domain_actions' })
@Index('domain_actions_tenant_key_idx', ['tenantId', 'idempotencyKey'], {
  unique: true,
  where: '"idempotency_key" IS NOT NULL',
})
@Index('domain_actions_domain_id_idx', ['domainId', 'createdAt'])
export class DomainActionEntity {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'domain_actions_pkey' })
  id!: string;

  @Column({ name: 'domain_id', type: 'uuid' })
  domainId!: string;

  @ManyToOne(() => DomainEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'domain_id', foreignKeyConstraintName: 'domain_actions_domain_id_fkey' })
  domain?: Relation<DomainEntity>;

  @Column({ name: 'tenant_id', type: 'uuid' })
  tenantId!: string;

  @ManyToOne(() => TenantEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'tenant_id', foreignKeyConstraintName: 'domain_actions_tenant_id_fkey' })
  tenant?: Relation<TenantEntity>;

  @Column({ type: 'varchar', length: 20 })
  action!: RecordedAction;

  @Column({
    type: 'enum',
    enum: ['accepted', 'dispatched', 'succeeded', 'failed'],
    enumName: 'domain_action_status',
    default: 'accepted',
  })
  status!: DomainActionStatus;

  @Column({ name: 'from_state', type: 'enum', enum: DOMAIN_STATES, enumName: 'domain_state' })
  fromState!: DomainState;

  @Column({ name: 'to_state', type: 'enum', enum: DOMAIN_STATES, enumName: 'domain_state' })
  toState!: DomainState;

  @Column({ type: 'text', nullable: true })
  error!: string | null;

  @Column({ type: 'jsonb', nullable: true })
  placement!: PlacementDecision | null;

  @Column({ name: 'requested_by', type: 'uuid', nullable: true })
  requestedBy!: string | null;

  @ManyToOne(() => UserEntity, { onDelete: 'SET NULL', nullable: true })
  @JoinColumn({ name: 'requested_by', foreignKeyConstraintName: 'domain_actions_requested_by_fkey' })
  requester?: Relation<UserEntity>;

  @Column({ name: 'idempotency_key', type: 'varchar', length: 200, nullable: true })
  idempotencyKey!: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @Column({ name: 'completed_at', type: 'timestamptz', nullable: true })
  completedAt!: Date | null;
}
