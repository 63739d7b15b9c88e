/**
 * Differential tests against the host CPU (see tools/x86-oracle/README.md): MMX register forms,
 * observed through MOVQ stores to the data window and MOVD/MOVQ/PMOVMSKB into GPRs.
 */
import { describe, expect, it } from 'vitest';
import { runGroup } from './run-group';

describe('x86-core vs the CPU: MMX', () => {
  it('mmx vectors agree with the CPU', async () => {
    const { log, ms } = await runGroup('mmx');
    console.log(`[oracle] mmx: ${log.checked} vectors in ${ms.toFixed(0)} ms, ${log.total} mismatches`);
    expect(log.checked).toBeGreaterThan(0);
    expect(log.total, log.summary('group mmx')).toBe(0);
  }, 300_000);
});
