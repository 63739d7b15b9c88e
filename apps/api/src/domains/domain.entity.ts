import { DOMAIN_STATES, type DomainState, type ShutdownReason } from '@xeno/contracts';
import {
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

/** A tenant's virtual machine as the control plane records it. Constraint names match the migrations. */
@Entity({ name: 'domains' })
@Unique('domains_tenant_name_key', ['tenantId', 'name'])
@Index('domains_agent_id_idx', ['agentId'])
export class DomainEntity {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'domains_pkey' })
  id!: string;

  @Column({ name: 'tenant_id', type: 'uuid' })
  tenantId!: string;

  @ManyToOne(() => TenantEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'tenant_id', foreignKeyConstraintName: 'domains_tenant_id_fkey' })
  tenant?: Relation<TenantEntity>;

  @Column({ type: 'varchar', length: 63 })
  name!: string;

  @Column({ name: 'image_id', type: 'varchar', length: 100 })
  imageId!: string;

  @Column({ name: 'memory_mib', type: 'integer' })
  memoryMiB!: number;

  @Column({ type: 'integer' })
  vcpus!: number;

  @Column({ type: 'integer', default: 256 })
  weight!: number;

  @Column({ type: 'text', default: '' })
  cmdline!: string;

  @Column({ type: 'enum', enum: DOMAIN_STATES, enumName: 'domain_state', default: 'pending' })
  state!: DomainState;

  /** Agent hosting the domain, or chosen to; null while it is on none. */
  @Column({ name: 'agent_id', type: 'varchar', length: 100, nullable: true })
  agentId!: string | null;

  @Column({ name: 'last_shutdown_reason', type: 'varchar', length: 20, nullable: true })
  lastShutdownReason!: ShutdownReason | null;

  /** Why the domain is in error/crashed/lost, or why its last action failed. */
  @Column({ name: 'state_detail', type: 'text', nullable: true })
  stateDetail!: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
