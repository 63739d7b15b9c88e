/**
 * Whole-system: every PV test kernel of guests/test-kernels/dist (manifest.json) boots on a fresh host
 * with the builder and the vCPU loop, gets console input when it asks, and must end with its
 * expected final line and shutdown reason.
 */
import { describe, expect, it } from 'vitest';
import { auditMemory } from '../../src/mm/audit';
import { bootKernel, finalLine, singleDomainKernels } from './helpers/test-kernels';

const kernels = singleDomainKernels();

describe('PV test kernels boot and pass on the emulated host', () => {
  it('finds the kernels', () => {
    expect(kernels.length).toBeGreaterThanOrEqual(12);
  });

  for (const k of kernels) {
    it(`${k.name}: ${k.expectedFinalLine}, shutdown ${k.expectedShutdown}`, () => {
      const r = bootKernel(k);
      // Whatever the guest did, reference counts are sound and teardown gives every frame back.
      const { host } = r;
      expect(auditMemory(host.sys.host, host.sys.allDomains, host.heldReferences())).toEqual([]);
      host.destroyDomain(r.dom.exec.id);
      expect(host.sys.host.allocator.freeFrames).toBe(r.freeAtStart);
      const last = finalLine(r.output);
      if (last !== k.expectedFinalLine) {
        throw new Error(
          `${k.name}: final line "${last}"\n--- output tail:\n${r.output.slice(-1500)}\n--- log:\n${r.log.join('\n')}`,
        );
      }
      expect(r.shutdown).toBe(k.expectedShutdown);
      expect(r.dom.exec.console.stats.droppedOut).toBe(0);
      // The final line appears exactly once per output channel (console_io and, if used, the ring).
      const count = r.output.split('\n').filter((l) => l === k.expectedFinalLine).length;
      expect(count).toBe(k.output.length);
    });
  }
});
