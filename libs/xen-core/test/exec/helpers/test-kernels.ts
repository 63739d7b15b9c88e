/**
 * Booting the PV test kernels of guests/test-kernels/dist on a fresh PvHost, as the harness in their
 * README describes: feed console input when asked, run until shutdown or an instruction limit.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PvHost, type PvDomain } from '../../../src/exec/pv-host';

export const KERNELS_DIR = join(__dirname, '../../../../../guests/test-kernels/dist');

export interface KernelEntry {
  name: string;
  image: string;
  memoryMiB: number;
  maxMemoryMiB: number;
  vcpus: number;
  cmdline: string;
  consoleInput: { channel: string; waitFor: string; send: string } | null;
  output: string[];
  expectedFinalLine: string;
  expectedShutdown: string;
  /** single: booted alone by bootKernel; anything else names a multi-domain set-up of its own test. */
  harness: string;
}

export function manifest(): KernelEntry[] {
  const path = join(KERNELS_DIR, 'manifest.json');
  if (!existsSync(path)) return [];
  return (JSON.parse(readFileSync(path, 'utf8')) as { kernels: KernelEntry[] }).kernels;
}

export interface BootOutcome {
  output: string;
  shutdown: string | undefined;
  detail: string | undefined;
  instructions: number;
  hypercalls: number;
  exits: number;
  ms: number;
  log: string[];
  /** Free host frames before the domain was created. */
  freeAtStart: number;
  host: PvHost;
  dom: PvDomain;
}

/** Kernels bootKernel runs alone (the others need a multi-domain harness). */
export function singleDomainKernels(): KernelEntry[] {
  return manifest().filter((k) => k.harness === 'single');
}

/** Drain what the console backend has buffered (paused-mode Readable). */
export function take(dom: PvDomain): string {
  let s = '';
  for (let chunk = dom.exec.console.output.read(); chunk !== null; chunk = dom.exec.console.output.read()) {
    s += (chunk as Buffer).toString('latin1');
  }
  return s;
}

export function bootKernel(k: KernelEntry, limit = 2_000_000_000): BootOutcome {
  const host = new PvHost({ memoryMiB: k.maxMemoryMiB + 16 });
  const freeAtStart = host.sys.host.allocator.freeFrames;
  const dom = host.createDomain({
    image: new Uint8Array(readFileSync(join(KERNELS_DIR, k.image))),
    memoryMiB: k.memoryMiB,
    maxMemoryMiB: k.maxMemoryMiB,
    vcpus: k.vcpus,
    cmdline: k.cmdline,
  });
  const t0 = Date.now();
  let output = '';
  let sent = false;
  let instructions = 0;
  while (dom.exec.shutdown === undefined && instructions < limit) {
    const r = host.run(10_000_000);
    instructions += r.instructions;
    output += take(dom);
    const input = k.consoleInput;
    if (input && !sent && output.includes(input.waitFor)) {
      sent = true;
      dom.exec.console.input.write(input.send);
      continue;
    }
    if (r.reason !== 'budget' && dom.exec.shutdown === undefined) break;
  }
  output += take(dom);
  return {
    output,
    shutdown: dom.exec.shutdown?.name,
    detail: dom.exec.shutdown?.detail,
    instructions,
    hypercalls: dom.exec.hypercalls,
    exits: dom.exec.exits,
    ms: Date.now() - t0,
    log: host.logLines,
    freeAtStart,
    host,
    dom,
  };
}

/** The last non-empty line of the output. */
export function finalLine(output: string): string {
  const lines = output.split(/\r?\n/).filter((l) => l.length > 0);
  return lines[lines.length - 1] ?? '';
}
