import { buildDomain, BuildOptions, BuildResult } from '../../src/builder/domain-builder';
import { BufferedConsoleSink } from '../../src/domain/console-sink';
import type { Domain } from '../../src/domain/domain';
import { ArrayPhysicalMemory } from '../../src/mem/guest-physical-memory';
import { auditMemory } from '../../src/mm/audit';
import type { HypercallContext } from '../../src/hypercall/context';
import { XenSystem } from '../../src/xen-system';
import { xtfImage } from './images';

export const MiB = 1 << 20;

export function makeSystem(hostMiB = 32): { sys: XenSystem; console: BufferedConsoleSink } {
  const console = new BufferedConsoleSink();
  return { sys: new XenSystem(new ArrayPhysicalMemory(hostMiB * MiB)), console };
}

export interface BuiltGuest {
  sys: XenSystem;
  console: BufferedConsoleSink;
  d: Domain;
  built: BuildResult;
  ctx: HypercallContext;
  /** Populated PFNs the layout does not use (free for tests). */
  spare: number[];
  /** A free, mapped, writable page inside the initial mapping (guest VA) for hypercall buffers. */
  scratchVa: bigint;
}

export function buildGuest(opts: Partial<BuildOptions> = {}, hostMiB = 32, nrPages = 1024): BuiltGuest {
  const { sys, console } = makeSystem(hostMiB);
  const d = sys.createDomain({ id: 1, maxPages: nrPages + 64, console });
  const built = buildDomain(sys.mmu, d, { image: xtfImage(), nrPages, ...opts });
  const spare: number[] = [];
  for (let pfn = built.layout.usedPages; pfn < nrPages; pfn++) spare.push(pfn);
  const scratchVa = built.layout.virtBase + BigInt(built.layout.stackPfn + 2) * 4096n;
  return { sys, console, d, built, ctx: sys.context(d), spare, scratchVa };
}

export function expectSound(sys: XenSystem): void {
  const errors = auditMemory(sys.host, sys.allDomains);
  if (errors.length > 0) throw new Error(`audit failed:\n${errors.slice(0, 20).join('\n')}`);
}
