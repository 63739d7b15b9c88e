/**
 * Runs one committed oracle vector group through the emulator's runSnippet and collects every
 * disagreement with the CPU (grouped by instruction form, one shortest example each).
 */
import { runSnippet } from '@xeno/x86-core';
import {
  compareCase,
  formatMismatch,
  MismatchLog,
  snippetInput,
} from '../../../../tools/x86-oracle/src/compare';
import type { GroupDef } from '../../../../tools/x86-oracle/src/group';
import { GROUPS } from '../../../../tools/x86-oracle/src/groups/index';
import { loadGroup } from '../../../../tools/x86-oracle/src/load';
import { Status } from '../../../../tools/x86-oracle/src/native-runner';

export function groupDef(name: string): GroupDef {
  const def = GROUPS.find((g) => g.name === name);
  if (!def) throw new Error(`no oracle group ${name}`);
  return def;
}

export interface GroupRun {
  log: MismatchLog;
  ms: number;
}

/**
 * Vectors checked between two returns to the event loop. A group runs for tens of seconds; without
 * these pauses the test worker cannot answer the runner's RPC and vitest reports a timeout.
 */
const VECTORS_PER_SLICE = 2000;

const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

export async function runGroup(name: string): Promise<GroupRun> {
  const t0 = performance.now();
  const { def, base, cases, expected } = loadGroup(groupDef(name));
  const log = new MismatchLog();
  for (let i = 0; i < cases.length; i++) {
    if (i % VECTORS_PER_SLICE === 0) await yieldToEventLoop();
    const c = cases[i];
    const exp = expected[i];
    if (exp.status === Status.Timeout) {
      log.skipped++;
      continue;
    }
    log.checked++;
    let diffs: string[];
    try {
      diffs = compareCase(base, c, exp, runSnippet(snippetInput(base, c)));
    } catch (e) {
      diffs = [`runSnippet threw: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}`];
    }
    if (diffs.length) log.add(c.label, c.code.length, () => formatMismatch(def.name, i, c, exp, diffs));
  }
  return { log, ms: performance.now() - t0 };
}
