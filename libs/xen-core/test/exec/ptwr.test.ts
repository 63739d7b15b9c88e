/**
 * Writable page tables (§5.6) from the CPU side: a guest-kernel store into a pinned L1 through its
 * read-only mapping faults; with VMASST_TYPE_writable_pagetables the faulting instruction is decoded
 * (MOV, XCHG, CMPXCHG, OR, BTR…), validated by the MM's ptwrEmulate and completed; a bad entry, a
 * non-L1 table or the assist being off bounce the #PF.
 */
import { describe, expect, it } from 'vitest';
import * as A from '../../src/exec/abi';
import { RAX, RSI, RDI } from '../../src/exec/x86/pv-cpu';
import { VMASST_TYPE_writable_pagetables } from '../../src/public/xen';
import { CODE_VA, makeGuest, movImm64, type TestGuest } from './helpers/guest';

const P = 1n;
const RW = 2n;
const ACC = 0x20n;
const USER_AND_GUEST_KERNEL = 4n | (1n << 52n);
const RBX = 3;

/** The guest VA of the L1 entry mapping `va` (boot tables are [L4][L3][L2][L1…], mapped at VA = PFN·4K). */
function l1eVa(g: TestGuest, va: bigint): bigint {
  const l = g.dom.built!.layout;
  const pfn = Number(va >> 12n);
  return BigInt((l.ptPfn + 3 + (pfn >> 9)) * 4096 + (pfn % 512) * 8);
}

/** A spare frame of the domain, beyond what the layout uses. */
function spareMfn(g: TestGuest, k = 0): bigint {
  return BigInt(g.dom.built!.p2m[g.dom.built!.layout.usedPages + k]);
}

const TARGET_VA = 0x1ff000n;

function setup(assist = true): { g: TestGuest; entry: bigint; pf: bigint } {
  const g = makeGuest({ memoryMiB: 8 });
  if (assist) g.dom.exec.domain.vmAssist.add(VMASST_TYPE_writable_pagetables);
  const pf = g.trap(A.X86_EXC_PF);
  return { g, entry: l1eVa(g, TARGET_VA), pf };
}

describe('writable page-table assist through the CPU', () => {
  it('MOV: the store is validated, adjusted (U, bit 52) and takes effect', () => {
    const { g, entry } = setup();
    const pte = (spareMfn(g) << 12n) | P | ACC;
    g.host.sys.host.mem.writeU8(Number(spareMfn(g)) * 4096, 0x42);
    g.runCode([...movImm64(RDI, entry), ...movImm64(RAX, pte), 0x48, 0x89, 0x07]); // mov %rax, (%rdi)
    expect(g.cpu.rip).toBe(CODE_VA + 23n);
    expect(g.readU64(entry)).toBe(pte | USER_AND_GUEST_KERNEL);
    g.cpu.invlpg(TARGET_VA);
    g.runCode([...movImm64(RSI, TARGET_VA), 0x8a, 0x1e]); // mov (%rsi), %bl
    expect(g.cpu.reg(RBX) & 0xffn).toBe(0x42n);
  });

  it('CMPXCHG succeeds (ZF=1) or fails leaving the entry and loading RAX (ZF=0); XCHG returns the old entry', () => {
    const { g, entry } = setup();
    const old = g.readU64(entry);
    const pte = (spareMfn(g) << 12n) | P | ACC;
    const cmpxchg = [0xf0, 0x48, 0x0f, 0xb1, 0x37, 0x9c, 0x5b]; // lock cmpxchg %rsi,(%rdi); pushf; pop %rbx
    g.runCode([...movImm64(RDI, entry), ...movImm64(RAX, old ^ 0x1000n), ...movImm64(RSI, pte), ...cmpxchg]);
    expect(g.readU64(entry)).toBe(old);
    expect(g.cpu.reg(RAX)).toBe(old);
    expect(g.cpu.reg(RBX) & BigInt(A.X86_EFLAGS_ZF)).toBe(0n);
    g.runCode([...movImm64(RDI, entry), ...movImm64(RAX, old), ...movImm64(RSI, pte), ...cmpxchg]);
    expect(g.readU64(entry)).toBe(pte | USER_AND_GUEST_KERNEL);
    expect(g.cpu.reg(RBX) & BigInt(A.X86_EFLAGS_ZF)).toBe(BigInt(A.X86_EFLAGS_ZF));
    g.runCode([...movImm64(RDI, entry), ...movImm64(RAX, 0n), 0x48, 0x87, 0x07]); // xchg %rax, (%rdi)
    expect(g.cpu.reg(RAX)).toBe(pte | USER_AND_GUEST_KERNEL);
    expect(g.readU64(entry)).toBe(0n);
  });

  it('lock BTR clears RW with CF = old bit; lock OR sets it back', () => {
    const { g, entry } = setup();
    const pte = (spareMfn(g) << 12n) | P | RW | ACC;
    g.runCode([...movImm64(RDI, entry), ...movImm64(RAX, pte), 0x48, 0x89, 0x07]);
    g.runCode([...movImm64(RDI, entry), 0xf0, 0x48, 0x0f, 0xba, 0x37, 0x01, 0x9c, 0x5b]); // lock btrq $1,(%rdi)
    expect(g.readU64(entry) & RW).toBe(0n);
    expect(g.cpu.reg(RBX) & 1n).toBe(1n);
    g.runCode([...movImm64(RDI, entry), 0xf0, 0x48, 0x83, 0x0f, 0x02]); // lock orq $2,(%rdi)
    expect(g.readU64(entry) & RW).toBe(RW);
  });

  it('bounces #PF for an invalid entry, a store into an L2, and with the assist off', () => {
    const { g, entry, pf } = setup();
    const l4Rw = (BigInt(g.v.vcpu.guestTable) << 12n) | P | RW; // RW mapping of a page table
    g.runCode([...movImm64(RDI, entry), ...movImm64(RAX, l4Rw), 0x48, 0x89, 0x07]);
    expect(g.cpu.rip).toBe(pf);
    expect(g.readU64(entry) === l4Rw).toBe(false);
    const l2Entry = BigInt((g.dom.built!.layout.ptPfn + 2) * 4096 + 8 * 9);
    const g2 = setup();
    g2.g.runCode([...movImm64(RDI, l2Entry), ...movImm64(RAX, 0n), 0x48, 0x89, 0x07]);
    expect(g2.g.cpu.rip).toBe(g2.pf);
    const g3 = setup(false);
    g3.g.runCode([...movImm64(RDI, g3.entry), ...movImm64(RAX, 0n), 0x48, 0x89, 0x07]);
    expect(g3.g.cpu.rip).toBe(g3.pf);
    expect(g3.g.read(g3.g.cpu.reg(4) + 16n, 1)[0] & 3).toBe(3); // P|W error code
  });
});
