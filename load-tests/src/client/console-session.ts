import type { ConsoleAttachReply, ConsoleOutputMessage } from '@xeno/contracts';
import { io, type Socket } from 'socket.io-client';

/**
 * A console viewer over the real socket.io protocol of /console, like the browser's ConsoleConnection:
 * attach with the sequence number to resume from, acknowledge each output message after taking it
 * (that acknowledgement is the flow control), count skipped bytes. The transcript is kept (bounded) so a
 * scenario can wait for text to appear.
 */
export class ConsoleSession {
  private readonly socket: Socket;
  private nextSeq = 0;
  private transcript = '';
  private readonly decoder = new TextDecoder();
  private readonly watchers = new Set<() => void>();
  /** Bytes this viewer was told it missed (slow viewer), and times the socket dropped. */
  skippedBytes = 0;
  disconnects = 0;
  receivedBytes = 0;
  readOnly = true;

  private constructor(
    baseUrl: string,
    private readonly domainId: string,
    token: string,
    private readonly maxTranscript: number,
  ) {
    this.socket = io(new URL('/console', baseUrl).toString(), {
      transports: ['websocket'],
      auth: { token },
      reconnectionDelay: 200,
    });
    this.socket.on('output', (message: ConsoleOutputMessage, ack?: () => void) => {
      if ('skipped' in message) {
        this.nextSeq += message.skipped;
        this.skippedBytes += message.skipped;
      } else {
        const bytes = new Uint8Array(message.data);
        this.nextSeq = message.seq + bytes.length;
        this.receivedBytes += bytes.length;
        this.transcript += this.decoder.decode(bytes, { stream: true });
        if (this.transcript.length > this.maxTranscript)
          this.transcript = this.transcript.slice(-this.maxTranscript / 2);
      }
      ack?.();
      for (const wake of this.watchers) wake();
    });
    this.socket.on('disconnect', () => void this.disconnects++);
    // Re-attach from where this viewer was after every reconnect, as the browser does.
    this.socket.on('connect', () => {
      if (this.disconnects > 0) void this.attach().catch(() => undefined);
    });
  }

  /** Connects and attaches from the start of the scrollback (or `fromSeq`); rejects with the API's reason. */
  static async open(
    baseUrl: string,
    domainId: string,
    token: string,
    options: { fromSeq?: number; maxTranscript?: number; timeoutMs?: number } = {},
  ): Promise<ConsoleSession> {
    const session = new ConsoleSession(baseUrl, domainId, token, options.maxTranscript ?? 1 << 20);
    session.nextSeq = options.fromSeq ?? 0;
    try {
      await session.connected(options.timeoutMs ?? 15_000);
      await session.attach();
      return session;
    } catch (error) {
      session.close();
      throw error;
    }
  }

  type(text: string): void {
    this.socket.emit('input', text);
  }

  /** Current transcript length: pass to waitFor to look only at what arrives afterwards. */
  get mark(): number {
    return this.transcript.length;
  }

  /** Resolves once `text` appears in the transcript after position `from`. */
  async waitFor(text: string, from: number, timeoutMs: number): Promise<void> {
    await this.waitForMatch(new RegExp(text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')), from, timeoutMs);
  }

  /** Resolves with the first match of `pattern` in the transcript after position `from`. */
  waitForMatch(pattern: RegExp, from: number, timeoutMs: number): Promise<RegExpExecArray> {
    return new Promise((resolve, reject) => {
      const check = (): boolean => {
        // The transcript may have been trimmed since `from` was taken: then search all of it.
        const match = pattern.exec(this.transcript.slice(from <= this.transcript.length ? from : 0));
        if (!match) return false;
        cleanup();
        resolve(match);
        return true;
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(
          new Error(`console of ${this.domainId}: ${String(pattern)} did not appear within ${timeoutMs} ms`),
        );
      }, timeoutMs);
      const cleanup = () => {
        clearTimeout(timer);
        this.watchers.delete(onOutput);
      };
      const onOutput = () => void check();
      if (!check()) this.watchers.add(onOutput);
    });
  }

  close(): void {
    this.socket.close();
    for (const wake of this.watchers) wake();
  }

  private connected(timeoutMs: number): Promise<void> {
    if (this.socket.connected) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`console socket: no connection within ${timeoutMs} ms`)),
        timeoutMs,
      );
      this.socket.once('connect', () => {
        clearTimeout(timer);
        resolve();
      });
      this.socket.once('connect_error', (error: Error) => {
        clearTimeout(timer);
        reject(new Error(`console socket: ${error.message}`));
      });
    });
  }

  private async attach(): Promise<void> {
    const reply = (await this.socket
      .timeout(15_000)
      .emitWithAck('attach', { domainId: this.domainId, fromSeq: this.nextSeq })) as ConsoleAttachReply;
    if (!reply.ok) throw new Error(`console attach refused: ${reply.error}`);
    this.readOnly = reply.readOnly;
  }
}
