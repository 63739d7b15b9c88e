import type { Redis } from 'ioredis';

export interface LoggedChunk {
  seq: number;
  data: Buffer;
}

const PAGE = 256;

/**
 * Reads a domain's console scrollback (the agent's Redis stream of ConsoleChunk fields) in order,
 * page by page, yielding only chunks that end after `fromSeq`. Malformed entries are skipped: the
 * stream is written by an agent, and a bad entry must not break every viewer.
 */
export async function* readConsoleLog(redis: Redis, key: string, fromSeq = 0): AsyncGenerator<LoggedChunk> {
  let start = '-';
  for (;;) {
    const entries = await redis.xrangeBuffer(key, start, '+', 'COUNT', PAGE);
    for (const [, fields] of entries) {
      const chunk = parseChunk(fields);
      if (chunk && chunk.seq + chunk.data.length > fromSeq) yield chunk;
    }
    if (entries.length < PAGE) return;
    start = `(${entries[entries.length - 1]![0].toString()}`;
  }
}

function parseChunk(fields: Buffer[]): LoggedChunk | undefined {
  let seq: number | undefined;
  let data: Buffer | undefined;
  for (let i = 0; i + 1 < fields.length; i += 2) {
    const name = fields[i]!.toString();
    if (name === 'seq') seq = Number(fields[i + 1]!.toString());
    else if (name === 'data') data = Buffer.from(fields[i + 1]!.toString(), 'base64');
  }
  if (seq === undefined || !Number.isSafeInteger(seq) || seq < 0 || !data) return undefined;
  return { seq, data };
}
