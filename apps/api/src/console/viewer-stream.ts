/** What a viewer receives: output bytes at a sequence number, or a marker for bytes it will never see. */
export type ViewerMessage = { seq: number; data: Buffer } | { skipped: number };

export interface ViewerStreamLimits {
  /** Bytes queued for this viewer before the oldest queued output is dropped (and counted as skipped). */
  maxQueuedBytes: number;
}

/**
 * The output one viewer still has to receive. Chunks from the replay and from live pub/sub both pass
 * through `push`, which drops what the viewer already has (same seq twice: no duplicate), trims
 * overlaps, and turns a hole in the sequence (scrollback trimmed before the viewer caught up) into a
 * skipped marker. The queue is bounded in bytes: a viewer that does not take its output in time loses
 * the oldest of it, as one skipped marker, instead of making the API's memory grow.
 */
export class ViewerStream {
  private readonly queue: ViewerMessage[] = [];
  private queuedBytes = 0;

  constructor(
    /** Sequence number of the next byte this viewer wants. */
    private nextSeq: number,
    private readonly limits: ViewerStreamLimits,
  ) {}

  get expectedSeq(): number {
    return this.nextSeq;
  }

  get pending(): number {
    return this.queue.length;
  }

  push(seq: number, data: Buffer): void {
    const end = seq + data.length;
    if (end <= this.nextSeq) return; // already delivered or queued
    if (seq > this.nextSeq) this.enqueueSkipped(seq - this.nextSeq);
    const fresh = seq < this.nextSeq ? data.subarray(this.nextSeq - seq) : data;
    this.queue.push({ seq: Math.max(seq, this.nextSeq), data: fresh });
    this.queuedBytes += fresh.length;
    this.nextSeq = end;
    this.shedOldest();
  }

  /**
   * The next message to send, or undefined when the viewer is up to date. Contiguous output is joined
   * up to `maxBytes`, so a guest printing many small chunks costs one message, not hundreds.
   */
  take(maxBytes = 16_384): ViewerMessage | undefined {
    const first = this.queue.shift();
    if (!first || 'skipped' in first) return first;
    const parts = [first.data];
    let size = first.data.length;
    for (
      let next = this.queue[0];
      next && 'data' in next && size + next.data.length <= maxBytes;
      next = this.queue[0]
    ) {
      this.queue.shift();
      parts.push(next.data);
      size += next.data.length;
    }
    this.queuedBytes -= size;
    return { seq: first.seq, data: parts.length === 1 ? first.data : Buffer.concat(parts, size) };
  }

  private enqueueSkipped(count: number): void {
    const last = this.queue[this.queue.length - 1];
    if (last && 'skipped' in last) last.skipped += count;
    else this.queue.push({ skipped: count });
  }

  private shedOldest(): void {
    if (this.queuedBytes <= this.limits.maxQueuedBytes) return;
    let dropped = 0;
    const kept: ViewerMessage[] = [];
    for (const message of this.queue) {
      if ('skipped' in message) dropped += message.skipped;
      else if (
        this.queuedBytes > this.limits.maxQueuedBytes &&
        message !== this.queue[this.queue.length - 1]
      ) {
        dropped += message.data.length;
        this.queuedBytes -= message.data.length;
      } else {
        if (dropped > 0) kept.push({ skipped: dropped });
        dropped = 0;
        kept.push(message);
      }
    }
    if (dropped > 0) kept.push({ skipped: dropped });
    this.queue.splice(0, this.queue.length, ...kept);
  }
}
