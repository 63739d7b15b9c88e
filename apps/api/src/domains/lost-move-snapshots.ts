import { Inject, Injectable } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { DataSource, Not } from 'typeorm';
import { REDIS_CLIENT } from '../redis/redis-client';
import { DomainActionEntity } from './domain-action.entity';
import type { DomainEntity } from './domain.entity';

export interface LostMoveSnapshot {
  moveActionId: string;
  snapshotKey: string;
}

/**
 * A domain lost while it moved (its agent went down between the source storing the snapshot and the
 * target running it) still exists as that snapshot: the source destroyed the domain after storing it. A
 * restart then continues from the snapshot instead of booting afresh, so the guest loses nothing.
 */
@Injectable()
export class LostMoveSnapshots {
  constructor(
    private readonly dataSource: DataSource,
    @Inject(REDIS_CLIENT) private readonly redis: Redis,
  ) {}

  /**
   * The stored snapshot of the move the domain was lost in, if that move got so far. Only the domain's
   * latest action counts before this restart (losing the agent settles it as failed): a move that finished
   * (the domain ran on from there) or any later action means the snapshot is history, not the domain.
   */
  async find(domain: DomainEntity): Promise<LostMoveSnapshot | undefined> {
    const [latest] = await this.dataSource.getRepository(DomainActionEntity).find({
      where: { domainId: domain.id, action: Not('restart-lost') },
      order: { createdAt: 'DESC' },
      take: 1,
    });
    const snapshotKey = latest?.placement?.move?.snapshotKey;
    if (!latest || latest.action !== 'move' || latest.status === 'succeeded' || !snapshotKey)
      return undefined;
    const move = latest;
    const stored = await this.redis.exists(snapshotKey).catch(() => 0);
    return stored ? { moveActionId: move.id, snapshotKey } : undefined;
  }

  /** The move did not finish: its domain continues from the snapshot elsewhere (recorded as its outcome). */
  async abandon(moveActionId: string, reason: string): Promise<void> {
    await this.dataSource
      .getRepository(DomainActionEntity)
      .update({ id: moveActionId }, { status: 'failed', error: reason, completedAt: new Date() });
  }
}
