/**
 * Hostile guest (bounded for `npm test`; `npm run fuzz:hypercalls` runs the long campaign): domain A
 * issues random hypercalls with plausible and implausible arguments, stores into its page tables
 * and executes random instruction bytes in kernel and user mode; domain B, on the same host, must
 * come out byte-identical, the hypervisor must neither throw nor hang, and the frame reference
 * counts must audit clean.
 */
import { describe, expect, it } from 'vitest';
import { fuzzHostileGuest } from '../../../../tools/demo-pv/hostile-guest';

const SEEDS = (process.env.XEN_FUZZ_SEEDS ?? '11,12').split(',').map(Number);
const OPS = Number(process.env.XEN_FUZZ_OPERATIONS ?? 1500);

describe('hostile guest against the hypervisor', () => {
  for (const seed of SEEDS) {
    it(`seed ${seed}: ${OPS} operations leave domain B untouched and the host sound`, () => {
      const r = fuzzHostileGuest({ seed, operations: OPS });
      expect(r.hostErrors).toEqual([]);
      expect(r.auditErrors).toEqual([]);
      expect(r.bIntact).toBe(true);
      expect(r.operations).toBe(OPS);
      // The campaign really exercised all three kinds of operation, in both guest modes.
      expect(r.hypercalls).toBeGreaterThan(OPS / 3);
      expect(r.continuations).toBeGreaterThan(0);
      expect(r.pteWrites).toBeGreaterThan(OPS / 20);
      expect(r.randomCode).toBeGreaterThan(OPS / 6);
      expect(r.userModeOps).toBeGreaterThan(0);
      expect(r.results.size).toBeGreaterThan(30);
    });
  }
});
