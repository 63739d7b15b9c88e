/** Shared by the whole-domain snapshot tests: a DomainControl on a fresh host and console capture. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DomainControl } from '../../src/control/domain-control';
import { PvHost } from '../../src/exec/pv-host';

export const XENOLITE = new Uint8Array(readFileSync(join(__dirname, '../../../../guests/dist/xenolite')));
export const PROMPT = 'xenolite:~$ ';

export interface Node {
  host: PvHost;
  ctl: DomainControl;
}

/**
 * A host for a test; `shift` builds and keeps a small domain first so a domain restored here gets
 * other machine frames than it had on the host it was saved on.
 */
export function node(memoryMiB = 96, shift = false, idleTime: 'jump' | 'realtime' = 'jump'): Node {
  const host = new PvHost({ memoryMiB, idleTime });
  const ctl = new DomainControl(host);
  if (shift) ctl.create({ name: 'filler', image: XENOLITE, memoryMiB: 5 });
  return { host, ctl };
}

/** Everything the domain prints from now on. */
export function capture(n: Node, domid: number): () => string {
  let text = '';
  n.ctl.consoleOutput(domid).on('data', (b: Buffer) => (text += b.toString('latin1')));
  return () => text;
}

/** Let queued stream events ('data') run. */
export const tick = (): Promise<void> => new Promise((res) => setImmediate(res));

/**
 * Run the host in 1M-instruction chunks until `pred` holds; false once nothing can happen any more
 * (halted, or idle with no timer pending) or after `limit` of budget.
 */
export async function runUntil(n: Node, pred: () => boolean, limit = 400_000_000): Promise<boolean> {
  for (let used = 0; used < limit; used += 1_000_000) {
    const r = n.host.run(1_000_000);
    n.ctl.service();
    await tick();
    if (pred()) return true;
    if (r.reason === 'halted' || (r.reason === 'idle' && r.sleepNs === undefined)) return false;
  }
  return false;
}

/** Run exactly `instructions` of budget (for cutting a run at a fixed point). */
export async function runFor(n: Node, instructions: number): Promise<void> {
  let left = instructions;
  while (left > 0) {
    const chunk = Math.min(left, 1_000_000);
    n.host.run(chunk);
    n.ctl.service();
    left -= chunk;
  }
  await tick();
}

/** Free frames and nothing else of the domain left (after a destroy or a failed restore). */
export function hostFootprint(n: Node): { free: number; domains: number; ports: number } {
  const ports = n.host.sys.events.table(0) ? [...n.host.sys.events.table(0)!.usedPorts()].length : 0;
  return { free: n.host.sys.host.allocator.freeFrames, domains: n.host.domains.size, ports };
}
