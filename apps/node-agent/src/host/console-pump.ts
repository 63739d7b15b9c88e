/**
 * Moves one domain's console bytes between its ConsoleBackend (in the host worker) and the agent's main
 * thread, with bounded memory both ways:
 * - output is read from the backend only while fewer than CONSOLE_IN_FLIGHT_BYTES are unacknowledged by the
 *   main thread; beyond that the bytes stay in the guest's ring and the guest waits, exactly as it does for a
 *   slow xenconsoled. Reads coalesce whatever the backend buffered into chunks of up to CONSOLE_CHUNK_BYTES.
 * - input is queued (up to CONSOLE_INPUT_QUEUE_BYTES, the excess counted and dropped) and fed to the backend
 *   only as the ring's in[] drains, so a large paste arrives whole instead of overflowing the ring.
 */
import type { ConsoleBackend } from '@xeno/xen-core/exec';

export const CONSOLE_IN_FLIGHT_BYTES = 256 * 1024;
export const CONSOLE_CHUNK_BYTES = 16 * 1024;
export const CONSOLE_INPUT_QUEUE_BYTES = 1024 * 1024;
/** Size of in[] in the PV console ring (xencons_interface): more than this cannot be waiting in it. */
const RING_INPUT_BYTES = 1024;

export class ConsolePump {
  private backend: ConsoleBackend | undefined;
  private inFlight = 0;
  private readonly input: Uint8Array[] = [];
  private inputBytes = 0;
  /** Keyboard bytes refused because the input queue was full. */
  droppedInput = 0;

  constructor(private readonly send: (data: Uint8Array) => void) {}

  /** The domain's (new, after a reboot) backend. */
  attach(backend: ConsoleBackend): void {
    this.backend = backend;
  }

  get unacknowledged(): number {
    return this.inFlight;
  }

  acknowledge(bytes: number): void {
    this.inFlight = Math.max(0, this.inFlight - bytes);
  }

  queueInput(data: Uint8Array): void {
    const room = Math.max(0, CONSOLE_INPUT_QUEUE_BYTES - this.inputBytes);
    const kept = data.subarray(0, room);
    this.droppedInput += data.length - kept.length;
    if (kept.length === 0) return;
    this.input.push(kept);
    this.inputBytes += kept.length;
  }

  /** Move what may move now; returns whether anything did. */
  pump(): boolean {
    const backend = this.backend;
    if (!backend) return false;
    // Both, always: a guest printing without pause must not starve its keyboard (Ctrl-C during a flood).
    const output = this.pumpOutput(backend);
    const input = this.pumpInput(backend);
    return output || input;
  }

  /**
   * Everything the backend holds, whatever the credit (the backend's own limit bounds it): before a domain
   * is saved and destroyed for a move, so no byte it printed stays behind on the source.
   */
  flushOutput(): void {
    const backend = this.backend;
    if (backend) this.pumpOutput(backend, Infinity);
  }

  /** A copy of the keyboard input still queued here (not yet in the ring): a snapshot carries it on. */
  queuedInput(): Uint8Array {
    return new Uint8Array(Buffer.concat(this.input));
  }

  private pumpOutput(backend: ConsoleBackend, credit = CONSOLE_IN_FLIGHT_BYTES): boolean {
    let moved = false;
    while (this.inFlight < credit) {
      // read() returns everything buffered at once (and lets the backend drain the ring again).
      const buffered = backend.output.read() as Buffer | null;
      if (!buffered || buffered.length === 0) break;
      for (let at = 0; at < buffered.length; at += CONSOLE_CHUNK_BYTES) {
        // A copy, so the worker can transfer it to the main thread.
        const chunk = new Uint8Array(buffered.subarray(at, at + CONSOLE_CHUNK_BYTES));
        this.inFlight += chunk.length;
        this.send(chunk);
      }
      moved = true;
    }
    return moved;
  }

  private pumpInput(backend: ConsoleBackend): boolean {
    let moved = false;
    while (this.input.length > 0 && backend.inputBacklog < RING_INPUT_BYTES) {
      const head = this.input[0];
      const piece = head.subarray(0, RING_INPUT_BYTES - backend.inputBacklog);
      if (piece.length === head.length) this.input.shift();
      else this.input[0] = head.subarray(piece.length);
      this.inputBytes -= piece.length;
      backend.queueInput(piece);
      moved = true;
    }
    return moved;
  }
}
