/**
 * The console backend of one domain, on the control domain's side of xen-core: it drains the PV
 * console ring's out[] and everything the domain writes with console_io into one Readable of output
 * bytes, and feeds a Writable's bytes into in[] with an event-channel notification. These two streams
 * are what the node agent relays.
 *
 * Buffers are bounded and count what they drop: console_io output beyond the output limit is dropped
 * (console_io is not flow-controlled), ring output is simply left in the ring until the reader catches
 * up (the guest then waits, as with a real xenconsoled), input beyond the input limit is dropped.
 */
import { Readable, Writable } from 'node:stream';
import type { ConsoleSink } from '../../domain/console-sink';
import type { ConsoleRing } from './console-ring';

export interface ConsoleBackendOptions {
  /** Output bytes buffered in the Readable before the backend stops draining (default 1 MiB). */
  outputLimit?: number;
  /** Input bytes queued for the guest before new input is dropped (default 64 KiB). */
  inputLimit?: number;
}

export interface ConsoleStats {
  outBytes: number;
  inBytes: number;
  droppedOut: number;
  droppedIn: number;
  ringErrors: number;
}

export class ConsoleBackend implements ConsoleSink {
  readonly output: Readable;
  readonly input: Writable;
  readonly stats: ConsoleStats = { outBytes: 0, inBytes: 0, droppedOut: 0, droppedIn: 0, ringErrors: 0 };
  /** Called when input is queued for the guest (the host uses it to wake the domain). */
  onInput: (() => void) | undefined;
  private ring: ConsoleRing | undefined;
  private notifyGuest: (() => void) | undefined;
  private readonly pendingIn: Uint8Array[] = [];
  private pendingInBytes = 0;
  private ended = false;
  private readonly outputLimit: number;
  private readonly inputLimit: number;

  constructor(opts: ConsoleBackendOptions = {}) {
    this.outputLimit = opts.outputLimit ?? 1 << 20;
    this.inputLimit = opts.inputLimit ?? 64 << 10;
    this.output = new Readable({ read: () => this.service() });
    this.input = new Writable({
      write: (chunk: Buffer, _enc, cb) => {
        this.queueInput(new Uint8Array(chunk));
        cb();
      },
    });
  }

  /** Start servicing the ring; `notify` raises the guest's console event channel. */
  attach(ring: ConsoleRing, notify: () => void): void {
    this.ring = ring;
    this.notifyGuest = notify;
    ring.connect();
  }

  /** console_io(CONSOLEIO_write) output (ConsoleSink). */
  write(_domid: number, data: Uint8Array): void {
    if (this.ended) return;
    const room = Math.max(0, this.outputLimit - this.output.readableLength);
    const kept = data.subarray(0, room);
    this.stats.droppedOut += data.length - kept.length;
    if (kept.length === 0) return;
    this.stats.outBytes += kept.length;
    this.output.push(Buffer.from(kept));
  }

  /** Bytes for the guest (the input Writable ends up here). */
  queueInput(data: Uint8Array): void {
    const room = Math.max(0, this.inputLimit - this.pendingInBytes);
    const kept = data.subarray(0, room);
    this.stats.droppedIn += data.length - kept.length;
    if (kept.length > 0) {
      this.pendingIn.push(kept.slice());
      this.pendingInBytes += kept.length;
    }
    this.service();
    this.onInput?.();
  }

  /** A copy of the input queued but not yet in the ring (snapshots carry it). */
  pendingInput(): Uint8Array {
    const out = new Uint8Array(this.pendingInBytes);
    let at = 0;
    for (const c of this.pendingIn) {
      out.set(c, at);
      at += c.length;
    }
    return out;
  }

  /** Input queued but not yet in the ring. */
  get inputBacklog(): number {
    return this.pendingInBytes;
  }

  /**
   * Move bytes both ways between the ring and the streams; notify the guest if anything moved.
   * Called on every notification from the guest, on yield/block, and periodically by the host.
   */
  service(): boolean {
    const ring = this.ring;
    if (!ring || this.ended) return false;
    let moved = false;
    for (;;) {
      const room = this.outputLimit - this.output.readableLength;
      if (room <= 0) break;
      const bytes = ring.drainOut(room);
      if (bytes.length === 0) break;
      moved = true;
      this.stats.outBytes += bytes.length;
      this.output.push(Buffer.from(bytes));
    }
    while (this.pendingIn.length > 0) {
      const head = this.pendingIn[0];
      const n = ring.fillIn(head);
      if (n === 0) break;
      moved = true;
      this.stats.inBytes += n;
      this.pendingInBytes -= n;
      if (n === head.length) this.pendingIn.shift();
      else this.pendingIn[0] = head.subarray(n);
    }
    this.stats.ringErrors = ring.errors;
    if (moved) this.notifyGuest?.();
    return moved;
  }

  /** The domain is gone: end the output stream. */
  end(): void {
    if (this.ended) return;
    this.service();
    this.ended = true;
    this.output.push(null);
  }
}
