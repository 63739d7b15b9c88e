/**
 * Differential tests against the host CPU (see tools/x86-oracle/README.md): random multi-instruction
 * sequences (5-20 instructions, forward branches, LOOP blocks). A failure lists the differing forms with one minimal example each.
 */
import { describe, expect, it } from 'vitest';
import { runGroup } from './run-group';

describe('x86-core vs the CPU: random sequences', () => {
  for (const name of ['sequence']) {
    it(`${name} vectors agree with the CPU`, async () => {
      const { log, ms } = await runGroup(name);
      console.log(`[oracle] ${name}: ${log.checked} vectors in ${ms.toFixed(0)} ms, ${log.total} mismatches`);
      expect(log.checked).toBeGreaterThan(0);
      expect(log.total, log.summary(`group ${name}`)).toBe(0);
    }, 300_000);
  }
});
