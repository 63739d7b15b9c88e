import type { ConsoleLimits } from './console-limits';

/**
 * Feeds one viewer's input to the guest a slice per tick, so a large paste does not overrun the 1 KiB
 * console input ring; refuses input beyond a bounded backlog instead of buffering without limit.
 */
export class InputPacer {
  private readonly pending: Buffer[] = [];
  private pendingBytes = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly limits: Pick<
      ConsoleLimits,
      'maxPendingInputBytes' | 'inputBytesPerTick' | 'inputTickMs'
    >,
    private readonly publish: (bytes: Buffer) => void,
  ) {}

  /** False (nothing queued) when the backlog would exceed its bound. */
  enqueue(bytes: Buffer): boolean {
    if (this.pendingBytes + bytes.length > this.limits.maxPendingInputBytes) return false;
    if (bytes.length === 0) return true;
    this.pending.push(bytes);
    this.pendingBytes += bytes.length;
    if (!this.timer) {
      this.tick();
    }
    return true;
  }

  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.pending.length = 0;
    this.pendingBytes = 0;
  }

  private tick(): void {
    this.timer = undefined;
    const slice = this.takeSlice(this.limits.inputBytesPerTick);
    if (slice.length > 0) this.publish(slice);
    if (this.pendingBytes > 0) this.timer = setTimeout(() => this.tick(), this.limits.inputTickMs);
  }

  private takeSlice(max: number): Buffer {
    const parts: Buffer[] = [];
    let size = 0;
    while (size < max && this.pending.length > 0) {
      const head = this.pending[0]!;
      const take = Math.min(head.length, max - size);
      parts.push(head.subarray(0, take));
      size += take;
      if (take === head.length) this.pending.shift();
      else this.pending[0] = head.subarray(take);
    }
    this.pendingBytes -= size;
    return Buffer.concat(parts, size);
  }
}
