import { consoleOutputChannel, type ConsoleChunk } from '@xeno/contracts';
import type { Redis } from 'ioredis';

export type ChunkListener = (seq: number, data: Buffer) => void;

/**
 * One Redis subscriber connection for every domain console this API instance is showing: a channel is
 * subscribed while at least one local viewer listens to it, and each message is parsed once.
 */
export class ConsoleFeeds {
  private readonly listeners = new Map<string, Set<ChunkListener>>();

  constructor(
    private readonly subscriber: Redis,
    private readonly prefix: string,
  ) {
    subscriber.on('message', (channel: string, message: string) => this.dispatch(channel, message));
  }

  /** Resolves once the channel is subscribed, so output published afterwards is not missed. */
  async listen(domainId: string, listener: ChunkListener): Promise<() => void> {
    const channel = consoleOutputChannel(this.prefix, domainId);
    let set = this.listeners.get(channel);
    if (!set) this.listeners.set(channel, (set = new Set()));
    set.add(listener);
    await this.subscriber.subscribe(channel);
    return () => {
      set.delete(listener);
      if (set.size === 0 && this.listeners.get(channel) === set) {
        this.listeners.delete(channel);
        void this.subscriber.unsubscribe(channel).catch(() => undefined);
      }
    };
  }

  private dispatch(channel: string, message: string): void {
    const set = this.listeners.get(channel);
    if (!set) return;
    const chunk = parseChunk(message);
    if (!chunk) return;
    const data = Buffer.from(chunk.data, 'base64');
    for (const listener of set) listener(chunk.seq, data);
  }
}

function parseChunk(message: string): ConsoleChunk | undefined {
  try {
    const value = JSON.parse(message) as Partial<ConsoleChunk>;
    if (!Number.isSafeInteger(value.seq) || (value.seq as number) < 0 || typeof value.data !== 'string')
      return undefined;
    return value as ConsoleChunk;
  } catch {
    return undefined;
  }
}
