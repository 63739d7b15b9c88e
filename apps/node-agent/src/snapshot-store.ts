/**
 * Where an agent puts the snapshots it saves and finds the ones it restores: Redis keys named by the API
 * (domainSnapshotKey), so the source and the target of a move only need to share Redis.
 */
import type { Redis } from 'ioredis';

export interface SnapshotStore {
  put(key: string, bytes: Buffer, ttlSeconds: number): Promise<void>;
  get(key: string): Promise<Buffer | null>;
  exists(key: string): Promise<boolean>;
  delete(key: string): Promise<void>;
}

export class RedisSnapshotStore implements SnapshotStore {
  constructor(private readonly redis: Redis) {}

  async put(key: string, bytes: Buffer, ttlSeconds: number): Promise<void> {
    await this.redis.set(key, bytes, 'EX', ttlSeconds);
  }

  get(key: string): Promise<Buffer | null> {
    return this.redis.getBuffer(key);
  }

  async exists(key: string): Promise<boolean> {
    return (await this.redis.exists(key)) === 1;
  }

  async delete(key: string): Promise<void> {
    await this.redis.del(key);
  }
}
