/**
 * Hypercall continuations on the real vCPU loop: a guest kernel issues one mmu_update of
 * thousands of entries through SYSCALL. With a small work budget the hypercall preempts itself,
 * RIP is rewound onto the SYSCALL and RAX keeps the hypercall number, so the scheduler can run
 * another domain between the chunks; the guest sees one call that succeeded with the full pdone.
 */
import { describe, expect, it } from 'vitest';
import { PvHost, type BuiltPvDomain } from '../../src/exec/pv-host';
import { auditMemory } from '../../src/mm/audit';
import { mmuextOp } from '../../src/mm/mmuext-op';
import { MMU_UPDATE_SIZE } from '../../src/public/layout';
import * as X from '../../src/public/xen';
import { P, pte, RW } from '../helpers/mmu';
import { xtfImage } from '../helpers/images';
import { JMP_SELF, le64, movImm64 } from './helpers/guest';

const BUDGET = 32;
const COUNT = 2000;
const RDI = 7;
const RSI = 6;
const RDX = 2;
const R10 = 10;

function domainMemory(host: PvHost, dom: BuiltPvDomain) {
  const mem = host.sys.host.mem;
  const maddr = (va: bigint): number => dom.built!.p2m[Number(va >> 12n)] * 4096 + Number(va & 0xfffn);
  return {
    write: (va: bigint, bytes: number[]): void => mem.writeBytes(maddr(va), Uint8Array.from(bytes)),
    readU32: (va: bigint): number => mem.readU32(maddr(va)),
    readU64: (va: bigint): bigint => mem.readU64(maddr(va)),
  };
}

describe('mmu_update continuation on the vCPU loop', () => {
  it('completes one long call in chunks, with another domain scheduled in between', () => {
    const host = new PvHost({ memoryMiB: 32, sliceInstructions: 16 });
    host.sys.hypercallWorkBudget = BUDGET;
    // 8 MiB: the pages past the 4 MiB bootstrap mapping are free, unmapped frames for the L1.
    const a = host.createDomain({ image: xtfImage(), memoryMiB: 8, vcpus: 1 });
    const b = host.createDomain({ image: xtfImage(), memoryMiB: 4, vcpus: 1 });
    const ma = domainMemory(host, a);
    // Domain b only spins at its entry point: its retired instructions show when it ran.
    domainMemory(host, b).write(b.built.regs.rip, JMP_SELF);

    // Domain a: a pinned L1 and COUNT requests filling it (slot k % 512 → a data frame).
    const ctx = host.sys.context(a.exec.domain, a.exec.vcpus[0].vcpu);
    const { layout, p2m } = a.built;
    const l1 = p2m[layout.usedPages];
    const data = p2m[layout.usedPages + 1];
    expect(mmuextOp(ctx, { cmd: X.MMUEXT_PIN_L1_TABLE, arg1: BigInt(l1), arg2: 0n })).toBe(0);
    const scratch = BigInt(layout.stackPfn + 2) * 4096n + layout.virtBase;
    const done = scratch;
    const reqs = scratch + 4096n;
    for (let k = 0; k < COUNT; k++) {
      ma.write(reqs + BigInt(k * MMU_UPDATE_SIZE), [
        ...le64(BigInt(l1 * 4096 + (k % 512) * 8)),
        ...le64(pte(data, P | RW)),
      ]);
    }
    const code = a.built.regs.rip;
    const result = scratch + 8n;
    ma.write(code, [
      ...movImm64(RDI, reqs),
      ...movImm64(RSI, BigInt(COUNT)),
      ...movImm64(RDX, done),
      ...movImm64(R10, BigInt(X.DOMID_SELF)),
      ...[0xb8, X.__HYPERVISOR_mmu_update, 0x00, 0x00, 0x00], // mov $1, %eax
      ...[0x0f, 0x05], // syscall
      ...[0x48, 0xa3, ...le64(result)], // movabs %rax, result
      ...JMP_SELF,
    ]);
    ma.write(result, le64(0xffffn));

    // Slices of 16 instructions: each continuation costs one, so the scheduler switches mid-call.
    // Run until a's call has returned; record whether b ran while it was still in progress.
    let bRanMidCall = false;
    for (let round = 0; round < 5000 && ma.readU64(result) === 0xffffn; round++) {
      const bBefore = b.exec.instructions;
      host.run(40);
      const inProgress = ma.readU64(result) === 0xffffn && ma.readU32(done) > 0;
      if (inProgress && b.exec.instructions > bBefore) bRanMidCall = true;
    }
    expect(ma.readU64(result)).toBe(0n);
    expect(ma.readU32(done)).toBe(COUNT);
    expect(a.exec.continuations).toBe(Math.ceil(COUNT / BUDGET) - 1);
    expect(bRanMidCall).toBe(true);
    expect(a.exec.shutdown).toBeUndefined();
    expect(auditMemory(host.sys.host, host.sys.allDomains, host.heldReferences())).toEqual([]);
  });
});
