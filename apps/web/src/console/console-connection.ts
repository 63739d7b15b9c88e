import type { ConsoleAttachReply, ConsoleOutputMessage } from '@xeno/contracts';
import { io, type Socket } from 'socket.io-client';

export interface ConsoleCallbacks {
  onOutput(bytes: Uint8Array): void;
  onSkipped(count: number): void;
  onStatus(status: string, readOnly: boolean): void;
}

/**
 * One browser console's link to /console. Remembers the sequence number after the last byte shown and
 * re-attaches from it whenever the socket reconnects (network drop, API restart), so nothing is shown
 * twice or lost. Each output message is acknowledged only after xterm has taken it, which is what paces
 * the API's sending: a busy tab gets a skipped marker instead of an ever-growing backlog.
 */
export class ConsoleConnection {
  private readonly socket: Socket;
  private nextSeq = 0;
  readOnly = true;

  constructor(
    private readonly domainId: string,
    private readonly callbacks: ConsoleCallbacks,
    write: (bytes: Uint8Array, done: () => void) => void,
    /** A share link's token: the socket authenticates with it instead of the session, read-only. */
    share?: string,
  ) {
    // websocket only: no sticky sessions needed when several API instances sit behind a balancer.
    this.socket = io('/console', {
      transports: ['websocket'],
      withCredentials: true,
      auth: share ? { share } : {},
    });
    this.socket.on('connect', () => void this.attach());
    this.socket.on('connect_error', (error) => callbacks.onStatus(`cannot connect: ${error.message}`, true));
    this.socket.on('disconnect', () => callbacks.onStatus('disconnected, reconnecting…', this.readOnly));
    this.socket.on('output', (message: ConsoleOutputMessage, ack: () => void) => {
      if ('skipped' in message) {
        this.nextSeq += message.skipped;
        callbacks.onSkipped(message.skipped);
        ack();
        return;
      }
      const bytes = new Uint8Array(message.data);
      this.nextSeq = message.seq + bytes.length;
      write(bytes, ack);
    });
  }

  type(text: string): void {
    if (!this.readOnly) this.socket.emit('input', text);
  }

  resize(cols: number, rows: number): void {
    if (!this.readOnly) this.socket.emit('resize', { cols, rows });
  }

  close(): void {
    this.socket.close();
  }

  private async attach(): Promise<void> {
    const reply = (await this.socket.emitWithAck('attach', {
      domainId: this.domainId,
      fromSeq: this.nextSeq,
    })) as ConsoleAttachReply;
    if (!reply.ok) {
      this.readOnly = true;
      this.callbacks.onStatus(reply.error, true);
      return;
    }
    this.readOnly = reply.readOnly;
    this.callbacks.onStatus(reply.readOnly ? 'connected (read-only)' : 'connected', reply.readOnly);
  }
}
