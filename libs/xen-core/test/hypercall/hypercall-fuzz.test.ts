import { describe, expect, it } from 'vitest';
import { dispatchHypercall } from '../../src/hypercall/dispatch';
import { SimpleRegisterFile } from '../../src/hypercall/registers';
import { auditMemory } from '../../src/mm/audit';
import * as X from '../../src/public/xen';
import { pte } from '../helpers/mmu';
import { prng } from '../helpers/recording-memory';
import { buildGuest } from '../helpers/system';

/**
 * A hostile guest: random hypercalls with random arguments and random
 * buffer contents (biased towards the domain's own frames and PTE shapes).
 * The hypervisor must never throw, and the reference counts must stay exact.
 */
describe('hypercall fuzz', () => {
  it.each([11, 12, 13])('never throws and keeps the MM sound (seed %d)', (seed) => {
    const g = buildGuest({}, 16, 2048);
    const { ctx, sys, built } = g;
    // A small budget, so batches preempt and the continuation paths are fuzzed too.
    sys.hypercallWorkBudget = 3;
    const rnd = prng(seed);
    const int = (n: number): number => Math.floor(rnd() * n);
    const pick = <T>(a: readonly T[]): T => a[int(a.length)];
    const numbers = [...sys.hypercalls.numbers, 0, 11, 23, 24, 29, 32, 63, 4096];
    const bufPages = [g.scratchVa, g.scratchVa + 4096n, g.scratchVa + 8192n];
    const frames = [...built.p2m.slice(0, 64), ...built.p2m.slice(1024, 1100), g.d.sharedInfoMfn, 3, 1 << 20];
    const word = (): bigint => {
      switch (int(7)) {
        case 0:
          return BigInt(int(32));
        case 1:
          return BigInt(pick(frames)) * 4096n + BigInt(int(512) * 8 + int(4));
        case 2:
          return pte(pick(frames), int(0x1000) | (int(2) << 23));
        case 3:
          return BigInt(pick(frames));
        case 4:
          return pick(bufPages) + BigInt(int(64) * 8);
        case 5:
          return BigInt.asUintN(64, (BigInt(int(2 ** 32)) << 32n) | BigInt(int(2 ** 32)));
        default:
          return BigInt(int(2048)) * 4096n;
      }
    };
    let errors = 0;
    let successes = 0;
    let continuations = 0;
    for (let i = 0; i < 800; i++) {
      for (const page of bufPages) {
        const words = new Uint8Array(4096);
        const dv = new DataView(words.buffer);
        for (let w = 0; w < 64; w++) dv.setBigUint64(w * 8, word(), true);
        ctx.guest.write(page, words);
      }
      const nr = pick(numbers);
      const regs = new SimpleRegisterFile({
        rax: BigInt(nr),
        rdi: word(),
        rsi: word(),
        rdx: word(),
        r10: word(),
        r8: word(),
      });
      // Bias half the calls towards well-formed sub-ops so the handlers get past their first checks.
      if (rnd() < 0.5) {
        if (nr === X.__HYPERVISOR_xen_version) regs.set('rdi', BigInt(int(15)));
        if (nr === X.__HYPERVISOR_memory_op) regs.set('rdi', BigInt(int(13)));
        if (nr === X.__HYPERVISOR_vm_assist) regs.set('rdi', BigInt(int(2)));
        if (nr === X.__HYPERVISOR_vm_assist) regs.set('rsi', BigInt(pick([0, 1, 2, 3, 4, 5, 32])));
        if (nr === X.__HYPERVISOR_console_io) regs.set('rdi', 0n);
        if (nr === X.__HYPERVISOR_console_io) regs.set('rsi', BigInt(int(64)));
        if (nr === X.__HYPERVISOR_physdev_op) regs.set('rdi', 6n);
        if (nr === X.__HYPERVISOR_update_va_mapping) regs.set('rdi', BigInt(int(1024)) * 4096n);
        if (nr === X.__HYPERVISOR_multicall) regs.set('rsi', BigInt(int(4)));
        if (regs.get('rsi') > 2n ** 40n) regs.set('rsi', pick(bufPages));
        if (regs.get('rdx') > 2n ** 40n) regs.set('rdx', pick(bufPages));
      }
      if (nr === X.__HYPERVISOR_mmuext_op || nr === X.__HYPERVISOR_mmu_update) {
        if (rnd() < 0.8) regs.set('r10', BigInt(X.DOMID_SELF));
        if (rnd() < 0.8) regs.set('rsi', BigInt(1 + int(8)));
        // Hostile continuations: PREEMPTED set by the guest, with any count, pointer and *pdone.
        if (rnd() < 0.3) regs.set('rsi', regs.get('rsi') | 0x80000000n);
      }
      if (nr === X.__HYPERVISOR_multicall && rnd() < 0.3) regs.set('rsi', BigInt(int(64)));
      try {
        // Re-execute continuations as the guest would (a few times: a huge count may need millions).
        for (let again = 0; again < 8; again++) {
          const rewinds = regs.rewinds;
          dispatchHypercall(sys.hypercalls, ctx, regs);
          if (regs.rewinds === rewinds) break;
          continuations++;
          if (regs.get('rax') !== BigInt(nr)) throw new Error('a continuation clobbered RAX');
        }
      } catch (e) {
        throw new Error(`seed ${seed} iteration ${i} hypercall ${nr}: ${(e as Error).stack}`);
      }
      if (regs.get('rax') >= 2n ** 63n) errors++;
      else successes++;
      const bad = auditMemory(sys.host, sys.allDomains);
      if (bad.length)
        throw new Error(`seed ${seed} iteration ${i} hypercall ${nr}: ${bad.slice(0, 3).join('; ')}`);
    }
    expect(errors).toBeGreaterThan(100);
    expect(successes).toBeGreaterThan(50);
    expect(continuations).toBeGreaterThan(0);
  });
});
