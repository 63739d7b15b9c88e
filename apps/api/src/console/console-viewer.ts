import type { Socket } from 'socket.io';
import type { ConsoleFeeds } from './console-feeds';
import type { ConsoleLimits } from './console-limits';
import { readConsoleLog } from './console-log-reader';
import type { Redis } from 'ioredis';
import { ViewerStream } from './viewer-stream';

/**
 * One socket watching one domain's console: replays the scrollback from the viewer's sequence number,
 * then goes on with live output, with at most `maxInFlight` unacknowledged messages on the wire. Live
 * output is subscribed before the replay is read and held until it ends, so nothing falls in between.
 */
export class ConsoleViewer {
  private stream: ViewerStream;
  private inFlight = 0;
  private replaying = true;
  private heldLive: Array<[number, Buffer]> = [];
  private heldBytes = 0;
  private unlisten: (() => void) | undefined;
  private closed = false;

  constructor(
    private readonly socket: Socket,
    fromSeq: number,
    private readonly limits: ConsoleLimits,
  ) {
    this.stream = new ViewerStream(fromSeq, limits);
  }

  async start(feeds: ConsoleFeeds, redis: Redis, domainId: string, logKey: string): Promise<void> {
    const unlisten = await feeds.listen(domainId, (seq, data) => this.onLive(seq, data));
    if (this.closed) return unlisten();
    this.unlisten = unlisten;
    for await (const chunk of readConsoleLog(redis, logKey, this.stream.expectedSeq)) {
      if (this.closed) return;
      this.stream.push(chunk.seq, chunk.data);
      this.pump();
    }
    this.replaying = false;
    for (const [seq, data] of this.heldLive) this.stream.push(seq, data);
    this.heldLive = [];
    this.heldBytes = 0;
    this.pump();
  }

  close(): void {
    this.closed = true;
    this.unlisten?.();
    this.heldLive = [];
  }

  private onLive(seq: number, data: Buffer): void {
    if (this.replaying) {
      // Bounded like the viewer queue: dropping the oldest held chunk leaves a hole that the stream
      // reports as skipped.
      this.heldLive.push([seq, data]);
      this.heldBytes += data.length;
      while (this.heldBytes > this.limits.maxQueuedBytes && this.heldLive.length > 1)
        this.heldBytes -= this.heldLive.shift()![1].length;
      return;
    }
    this.stream.push(seq, data);
    this.pump();
  }

  private pump(): void {
    while (!this.closed && this.inFlight < this.limits.maxInFlight) {
      const message = this.stream.take();
      if (!message) return;
      this.inFlight += 1;
      this.socket.emit('output', message, () => {
        this.inFlight -= 1;
        this.pump();
      });
    }
  }
}
