/**
 * Results of the lifecycle jobs this agent completed, keyed by actionId and kept in the data dir, so that a
 * job BullMQ delivers again (a retry, a stalled job, an agent restart) returns the recorded result instead of
 * acting twice. Append-only JSON lines; compacted to the most recent entries when it grows.
 */
import type { AgentJobResult } from '@xeno/contracts';
import { appendFileSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const KEEP_ENTRIES = 10_000;

export class ActionJournal {
  private readonly file: string;
  private readonly results = new Map<string, AgentJobResult>();

  constructor(dataDir: string) {
    mkdirSync(dataDir, { recursive: true });
    this.file = path.join(dataDir, 'actions.jsonl');
    for (const line of readLines(this.file)) {
      try {
        const result = JSON.parse(line) as AgentJobResult;
        if (typeof result.actionId === 'string') this.results.set(result.actionId, result);
      } catch {
        // A line cut short by a crash mid-append: that action was not completed.
      }
    }
  }

  get(actionId: string): AgentJobResult | undefined {
    return this.results.get(actionId);
  }

  record(result: AgentJobResult): void {
    this.results.set(result.actionId, result);
    appendFileSync(this.file, `${JSON.stringify(result)}\n`);
    if (this.results.size > 2 * KEEP_ENTRIES) this.compact();
  }

  private compact(): void {
    const kept = [...this.results.values()].slice(-KEEP_ENTRIES);
    this.results.clear();
    for (const result of kept) this.results.set(result.actionId, result);
    const tmp = `${this.file}.tmp`;
    writeFileSync(tmp, kept.map((result) => `${JSON.stringify(result)}\n`).join(''));
    renameSync(tmp, this.file); // atomic: a crash leaves either the old or the new journal
  }
}

function readLines(file: string): string[] {
  try {
    return readFileSync(file, 'utf8')
      .split('\n')
      .filter((line) => line !== '');
  } catch {
    return [];
  }
}
