/**
 * Carries domain consoles between the host and Redis. Output: numbered by byte (seq per domain, continued
 * from the stream's last entry, so it keeps counting across guest reboots, agent restarts and moves),
 * coalesced, appended to the consoleLogKey stream (entry id `<seq>-1`, trimmed to a byte-sized scrollback
 * ring) and published on consoleOutputChannel. While Redis lags or is down the output waits in a bounded
 * buffer per domain; beyond it the oldest bytes are skipped and the next chunk says how many (`dropped`).
 * Input: base64 messages on consoleInputChannel go to the host, which paces them into the ring.
 */
import {
  CONSOLE_SCROLLBACK_BYTES,
  consoleInputChannel,
  consoleLogKey,
  consoleOutputChannel,
  type ConsoleChunk,
} from '@xeno/contracts';
import type { Redis } from 'ioredis';
import type { DomainHost } from './host/domain-host';

const MAX_WRITE_BYTES = 64 * 1024;
const MAX_BUFFERED_BYTES = CONSOLE_SCROLLBACK_BYTES;
/** A single input message larger than this is cut (the host queue is bounded too). */
const MAX_INPUT_MESSAGE_BYTES = 1024 * 1024;
const RETRY_MS = 250;

interface DomainConsole {
  domainId: string;
  /** seq of the first buffered byte. */
  nextSeq: number;
  buffered: Uint8Array[];
  bufferedBytes: number;
  dropped: number;
  writing: boolean;
}

export class ConsoleRelay {
  private readonly consoles = new Map<string, DomainConsole>();
  private readonly inputChannels = new Map<string, string>();

  constructor(
    private readonly redis: Redis,
    /** A connection in subscriber mode (Redis pub/sub needs its own). */
    private readonly subscriber: Redis,
    private readonly prefix: string,
    private readonly host: DomainHost,
  ) {
    host.on('console', (domainId, data) => this.output(domainId, data));
    subscriber.on('messageBuffer', (channel: Buffer, message: Buffer) =>
      this.input(channel.toString(), message),
    );
  }

  /**
   * Start relaying a domain: continue its seq from the stream (or from `atLeastSeq`, where a moved
   * domain's snapshot says its console had got to, whichever is further), listen for its input.
   */
  async open(domainId: string, atLeastSeq = 0): Promise<void> {
    if (this.consoles.has(domainId)) return;
    const last = await this.redis.xrevrange(consoleLogKey(this.prefix, domainId), '+', '-', 'COUNT', 1);
    const nextSeq = Math.max(atLeastSeq, last.length > 0 ? seqAfter(last[0][1]) : 0);
    this.consoles.set(domainId, {
      domainId,
      nextSeq,
      buffered: [],
      bufferedBytes: 0,
      dropped: 0,
      writing: false,
    });
    const channel = consoleInputChannel(this.prefix, domainId);
    this.inputChannels.set(channel, domainId);
    await this.subscriber.subscribe(channel);
  }

  async close(domainId: string): Promise<void> {
    const channel = consoleInputChannel(this.prefix, domainId);
    this.inputChannels.delete(channel);
    this.consoles.delete(domainId);
    await this.subscriber.unsubscribe(channel).catch(() => undefined);
  }

  /**
   * Wait until everything the host handed over for a domain is in its Redis stream; returns the seq the
   * next byte will get. Before a move: the target continues from there. Throws after `timeoutMs` (Redis
   * away): the caller retries later.
   */
  async flush(domainId: string, timeoutMs: number): Promise<number> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const console = this.consoles.get(domainId);
      if (!console) throw new Error(`the console of ${domainId} is not relayed here`);
      if (console.bufferedBytes === 0 && !console.writing) return console.nextSeq;
      if (Date.now() > deadline)
        throw new Error(`console output of ${domainId} not stored in Redis within ${timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }

  /** Bytes waiting for Redis, over all domains. */
  get bufferedBytes(): number {
    let total = 0;
    for (const console of this.consoles.values()) total += console.bufferedBytes;
    return total;
  }

  private output(domainId: string, data: Uint8Array): void {
    // Taken: the host may produce more (our own buffer is what bounds memory from here on).
    this.host.acknowledgeConsole(domainId, data.length);
    const console = this.consoles.get(domainId);
    if (!console) return;
    console.buffered.push(data);
    console.bufferedBytes += data.length;
    while (console.bufferedBytes > MAX_BUFFERED_BYTES) {
      const oldest = console.buffered.shift()!;
      console.bufferedBytes -= oldest.length;
      console.nextSeq += oldest.length;
      console.dropped += oldest.length;
    }
    if (!console.writing) void this.write(console);
  }

  private async write(console: DomainConsole): Promise<void> {
    console.writing = true;
    try {
      while (console.bufferedBytes > 0 && this.consoles.get(console.domainId) === console) {
        const data = takeUpTo(console, MAX_WRITE_BYTES);
        const chunk: ConsoleChunk = {
          domainId: console.domainId,
          seq: console.nextSeq,
          data: Buffer.from(data).toString('base64'),
          ...(console.dropped > 0 ? { dropped: console.dropped } : {}),
        };
        try {
          await this.append(chunk);
        } catch {
          console.buffered.unshift(data); // back in front, unchanged: retried in order
          console.bufferedBytes += data.length;
          await new Promise((resolve) => setTimeout(resolve, RETRY_MS));
          continue;
        }
        console.nextSeq += data.length;
        console.dropped = 0;
      }
    } finally {
      console.writing = false;
    }
  }

  private async append(chunk: ConsoleChunk): Promise<void> {
    const fields = ['domainId', chunk.domainId, 'seq', String(chunk.seq), 'data', chunk.data];
    if (chunk.dropped) fields.push('dropped', String(chunk.dropped));
    const minSeq = Math.max(0, chunk.seq - CONSOLE_SCROLLBACK_BYTES);
    await this.redis
      .multi()
      .xadd(
        consoleLogKey(this.prefix, chunk.domainId),
        'MINID',
        '~',
        String(minSeq),
        `${chunk.seq}-1`,
        ...fields,
      )
      .publish(consoleOutputChannel(this.prefix, chunk.domainId), JSON.stringify(chunk))
      .exec()
      .then((results) => {
        const failed = results?.find(([error]) => error);
        if (failed) throw failed[0];
      });
  }

  private input(channel: string, message: Buffer): void {
    const domainId = this.inputChannels.get(channel);
    if (!domainId) return;
    const bytes = Buffer.from(message.toString('latin1'), 'base64').subarray(0, MAX_INPUT_MESSAGE_BYTES);
    if (bytes.length > 0) this.host.sendConsoleInput(domainId, new Uint8Array(bytes));
  }
}

function takeUpTo(console: DomainConsole, limit: number): Uint8Array {
  const parts: Uint8Array[] = [];
  let bytes = 0;
  while (console.buffered.length > 0 && bytes + console.buffered[0].length <= limit) {
    const part = console.buffered.shift()!;
    parts.push(part);
    bytes += part.length;
  }
  if (parts.length === 0) {
    const head = console.buffered[0];
    parts.push(head.subarray(0, limit));
    console.buffered[0] = head.subarray(limit);
    bytes = limit;
  }
  console.bufferedBytes -= bytes;
  return Buffer.concat(parts);
}

/** The seq following a stream entry (flat field list as XRANGE returns it). */
function seqAfter(fields: string[]): number {
  const get = (name: string): string | undefined => fields[fields.indexOf(name) + 1];
  const seq = Number(get('seq'));
  const length = Buffer.from(get('data') ?? '', 'base64').length;
  return Number.isSafeInteger(seq) ? seq + length : 0;
}
