import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';

/** An organisation that owns domains, quotas and users. Constraint names match the migrations. */
@Entity({ name: 'tenants' })
export class TenantEntity {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'tenants_pkey' })
  id!: string;

  @Column({ type: 'varchar', length: 200 })
  name!: string;

  /** Quota: checked and consumed under a row lock on this tenant when domains are created. */
  @Column({ name: 'max_domains', type: 'integer', default: 10 })
  maxDomains!: number;

  @Column({ name: 'max_memory_mib', type: 'integer', default: 4096 })
  maxMemoryMiB!: number;

  @Column({ name: 'max_vcpus', type: 'integer', default: 16 })
  maxVcpus!: number;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
