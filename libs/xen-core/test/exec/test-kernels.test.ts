/**
 * Whole-system: every PV test kernel of guests/test-kernels/dist (manifest.json) boots on a fresh host
 * with the builder and the vCPU loop, gets console input when it asks, and must end with its
 * expected final line and shutdown reason.
 */
import { describe, expect, it } from 'vitest';
import { auditMemory } from '../../src/mm/audit';
import { bootKernel, finalLine, manifest } from './helpers/test-kernels';

/**
 * A defect in a test kernel itself, with the exact failure it causes on any correct hypervisor and
 * the progress lines that must all have been printed before it. The boot must end either in PASS
 * (kernel fixed) or in exactly this failure; anything else fails the test.
 *
 * traps.c test_return_paths(): RCX/R11/RAX are GCC local register variables initialised *before*
 * `next_kernel_return_mode = mode; trap_reset();`. GCC only guarantees such variables as asm
 * operands, and the call clobbers those registers: the compiled kernel keeps 0xc0c0… in %r14 and
 * executes int3 with whatever RCX trap_reset() left, then compares %rcx with %r14 (objdump of
 * traps.elf around test_main+0x511). Register preservation on both return paths is checked
 * independently in iret.test.ts.
 */
const KERNEL_DEFECTS: Record<string, { line: RegExp; before: string[] }> = {
  traps: {
    line: /^TEST traps FAIL: traps\.c:241: rcx == 0xc0c0c0c0c0c0c0c0UL: got 0x[0-9a-f]+, expected 0xc0c0c0c0c0c0c0c0$/,
    before: [
      'traps: #DE ok',
      'traps: #BP (int3) ok',
      'traps: #UD ok',
      'traps: #GP (hlt, swapgs) ok',
      'traps: #PF (not present, write to RO; cr2 via vcpu_info and mov %cr2) ok',
      'traps: #NM ok',
      'traps: INT n: DPL3/DPL1 delivered, DPL0/unregistered -> #GP(n*8+2) ok',
      'traps: trap flag 4 masks events, iret restores the mask ok',
    ],
  },
};

const kernels = manifest();

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
      const defect = KERNEL_DEFECTS[k.name];
      if (defect && defect.line.test(last)) {
        const lines = r.output.split('\n');
        for (const l of defect.before) expect(lines).toContain(l);
        expect(r.shutdown).toBe('crash');
        return;
      }
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
