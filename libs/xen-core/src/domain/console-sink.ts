/** Where a domain's CONSOLEIO_write bytes go. */
export interface ConsoleSink {
  write(domid: number, data: Uint8Array): void;
}

/** Collects output per domain; bounded, counting what it drops. */
export class BufferedConsoleSink implements ConsoleSink {
  private readonly chunks = new Map<number, Uint8Array[]>();
  private readonly sizes = new Map<number, number>();
  dropped = 0;

  constructor(private readonly limitPerDomain = 1 << 20) {}

  write(domid: number, data: Uint8Array): void {
    const size = this.sizes.get(domid) ?? 0;
    const room = Math.max(0, this.limitPerDomain - size);
    const kept = data.subarray(0, room);
    this.dropped += data.length - kept.length;
    if (kept.length === 0) return;
    const list = this.chunks.get(domid) ?? [];
    list.push(kept.slice());
    this.chunks.set(domid, list);
    this.sizes.set(domid, size + kept.length);
  }

  text(domid: number): string {
    return Buffer.concat(this.chunks.get(domid) ?? []).toString('latin1');
  }
}
