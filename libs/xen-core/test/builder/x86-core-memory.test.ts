import { PhysicalMemory } from '@xeno/x86-core/memory/physical-memory';
import { describe, expect, it } from 'vitest';
import { buildDomain } from '../../src/builder/domain-builder';
import { BufferedConsoleSink } from '../../src/domain/console-sink';
import { X86CoreMemory } from '../../src/mem/x86-core-adapter';
import { XenSystem } from '../../src/xen-system';
import { checkBootInvariants } from '../helpers/boot-invariants';
import { xtfImage } from '../helpers/images';

describe('x86-core PhysicalMemory adapter', () => {
  it('builds a domain directly in x86-core memory, notifying code trackers of hypervisor writes', () => {
    const phys = new PhysicalMemory(16 << 20);
    let notified = 0;
    const tracker = { onCodeWrite: () => void notified++, onCodePage: () => undefined };
    const bit = phys.attachTracker(tracker);
    const sys = new XenSystem(new X86CoreMemory(phys));
    const d = sys.createDomain({ id: 1, maxPages: 1024, console: new BufferedConsoleSink() });
    // Pretend the CPU had decoded code from the frame the kernel will be loaded into... we don't know it
    // yet, so mark every free frame.
    for (let pfn = 0; pfn < phys.pages; pfn++)
      if (sys.host.allocator.isFree(pfn)) phys.markCode(pfn, bit, tracker);
    const b = buildDomain(sys.mmu, d, { image: xtfImage(), nrPages: 1024 });
    checkBootInvariants(sys, b);
    expect(phys.readU8(b.p2m[0x100] * 4096 + 1)).toBe(7);
    expect(notified).toBeGreaterThan(0);
  });
});
