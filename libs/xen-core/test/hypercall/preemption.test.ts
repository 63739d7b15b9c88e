/**
 * Preemptible hypercalls (Xen's continuations): with a small work budget, long mmu_update,
 * mmuext_op and multicall batches stop part-way, rewrite their arguments (count | PREEMPTED with
 * the list pointer advanced; the multicall list advanced past completed entries) and ask for
 * re-execution. Re-dispatching the same register file — what the guest does when RIP is rewound
 * onto the SYSCALL — must complete the batch with every entry applied exactly once.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { dispatchHypercall, toRax } from '../../src/hypercall/dispatch';
import { MMU_UPDATE_PREEMPTED } from '../../src/hypercall/handlers/mmu';
import { SimpleRegisterFile } from '../../src/hypercall/registers';
import { MMU_UPDATE_SIZE, MMUEXT_OP_SIZE, MULTICALL_ENTRY_SIZE } from '../../src/public/layout';
import * as E from '../../src/public/errno';
import * as V from '../../src/public/version';
import * as X from '../../src/public/xen';
import { mmuHelpers, P, pte, RW } from '../helpers/mmu';
import { buildGuest, BuiltGuest, expectSound } from '../helpers/system';

const BUDGET = 64;
let g: BuiltGuest;
let reads: Map<bigint, number>;
beforeEach(() => {
  g = buildGuest({}, 16, 2048);
  g.sys.hypercallWorkBudget = BUDGET;
  // Count how often each guest address is read by the hypervisor: entries must be read once.
  reads = new Map();
  const guest = g.ctx.guest;
  const read = guest.read.bind(guest);
  guest.read = (va: bigint, n: number) => {
    reads.set(va, (reads.get(va) ?? 0) + 1);
    return read(va, n);
  };
});

const wr64 = (va: bigint, v: bigint | number): void => void g.ctx.guest.writeU64(va, BigInt(v));
const wr32 = (va: bigint, v: number): void => void g.ctx.guest.writeU32(va, v);
const rd64 = (va: bigint): bigint => g.ctx.guest.readU64(va)!;
const rd32 = (va: bigint): number => g.ctx.guest.readU32(va)!;
const err = (e: number): bigint => toRax(-e);
/** The frame an L1 entry maps (the hypervisor adds its own flag bits to guest PTEs). */
const mfnOf = (entry: bigint): bigint => (entry >> 12n) & ((1n << 40n) - 1n);

/** Issue a hypercall and re-execute it while it continues itself; RAX and the continuation count. */
function callToCompletion(
  nr: number,
  ...args: Array<bigint | number>
): { rax: bigint; continuations: number } {
  const [rdi, rsi, rdx, r10, r8] = args.map(BigInt);
  const regs = new SimpleRegisterFile({ rax: BigInt(nr), rdi, rsi, rdx, r10, r8 });
  for (let rounds = 0; rounds < 10_000; rounds++) {
    const before = regs.rewinds;
    dispatchHypercall(g.sys.hypercalls, g.ctx, regs);
    if (regs.rewinds === before) return { rax: regs.get('rax'), continuations: regs.rewinds };
    // A continuation leaves RAX holding the hypercall number, so re-executing the SYSCALL resumes.
    expect(regs.get('rax')).toBe(BigInt(nr));
  }
  throw new Error('hypercall never completed');
}

/** The page of the scratch area where request lists go (747 writable pages follow scratchVa). */
const list = (): bigint => g.scratchVa + 4096n;
const doneVa = (): bigint => g.scratchVa;

describe('mmu_update continuations', () => {
  function fill(count: number): { l1: number; expected: Map<number, bigint> } {
    const h = mmuHelpers(g);
    const l1 = h.spare();
    expect(h.op(X.MMUEXT_PIN_L1_TABLE, l1)).toBe(0);
    const data = Array.from({ length: 37 }, () => h.spare());
    const expected = new Map<number, bigint>();
    for (let k = 0; k < count; k++) {
      const slot = k % 512;
      const val = pte(data[k % data.length], P | RW);
      wr64(list() + BigInt(k * MMU_UPDATE_SIZE), l1 * 4096 + slot * 8);
      wr64(list() + BigInt(k * MMU_UPDATE_SIZE) + 8n, val);
      expected.set(slot, val);
    }
    return { l1, expected };
  }

  it('completes thousands of entries in budget-sized chunks with the right pdone, each entry once', () => {
    const count = 3000;
    const { l1, expected } = fill(count);
    wr32(doneVa(), 0xdead);
    const r = callToCompletion(X.__HYPERVISOR_mmu_update, list(), count, doneVa(), X.DOMID_SELF);
    expect(r.rax).toBe(0n);
    expect(r.continuations).toBe(Math.ceil(count / BUDGET) - 1);
    expect(rd32(doneVa())).toBe(count);
    const h = mmuHelpers(g);
    for (const [slot, val] of expected) expect(mfnOf(h.peek(l1, slot))).toBe(mfnOf(val));
    for (let k = 0; k < count; k++) expect(reads.get(list() + BigInt(k * MMU_UPDATE_SIZE))).toBe(1);
    expectSound(g.sys);
  });

  it('a bad entry in the middle fails with its error and done counts the entries before it', () => {
    const count = 3000;
    const bad = 1500;
    const { l1 } = fill(count);
    const h = mmuHelpers(g);
    wr64(list() + BigInt(bad * MMU_UPDATE_SIZE) + 8n, pte(g.built.l4Mfn, P | RW)); // a page table, writable
    const r = callToCompletion(X.__HYPERVISOR_mmu_update, list(), count, doneVa(), X.DOMID_SELF);
    expect(r.rax).toBe(err(E.XEN_EBUSY));
    expect(r.continuations).toBe(Math.floor(bad / BUDGET));
    expect(rd32(doneVa())).toBe(bad);
    // The bad entry's slot still maps what the entry 512 before it wrote.
    expect(mfnOf(h.peek(l1, bad % 512))).toBe(
      mfnOf(rd64(list() + BigInt((bad - 512) * MMU_UPDATE_SIZE) + 8n)),
    );
    expect(reads.get(list() + BigInt((bad + 1) * MMU_UPDATE_SIZE))).toBeUndefined();
    expectSound(g.sys);
  });

  it('a guest-made PREEMPTED count resumes from *pdone, and a hostile one never throws', () => {
    const { l1 } = fill(100);
    wr32(doneVa(), 40);
    const r = callToCompletion(
      X.__HYPERVISOR_mmu_update,
      list(),
      (100 | MMU_UPDATE_PREEMPTED) >>> 0,
      doneVa(),
      X.DOMID_SELF,
    );
    expect(r.rax).toBe(0n);
    expect(rd32(doneVa())).toBe(140);
    expect(mmuHelpers(g).peek(l1, 99)).not.toBe(0n);
    // Hostile: huge remaining counts with PREEMPTED set and an unmapped pdone end (no throw, no hang).
    for (const count of [0x80000000, 0xffffffff, 0x8000ffff]) {
      callToCompletion(X.__HYPERVISOR_mmu_update, list(), count, 0x40000000n, X.DOMID_SELF);
    }
    expectSound(g.sys);
  });
});

describe('mmuext_op continuations', () => {
  it('pins hundreds of tables across continuations, each exactly once (a re-run pin would fail)', () => {
    const h = mmuHelpers(g);
    const count = 600;
    const frames = Array.from({ length: count }, () => h.spare());
    frames.forEach((mfn, k) => {
      const at = list() + BigInt(k * MMUEXT_OP_SIZE);
      wr32(at, X.MMUEXT_PIN_L1_TABLE);
      wr64(at + 8n, mfn);
    });
    const r = callToCompletion(X.__HYPERVISOR_mmuext_op, list(), count, doneVa(), X.DOMID_SELF);
    expect(r.rax).toBe(0n);
    expect(r.continuations).toBe(Math.ceil(count / BUDGET) - 1);
    expect(rd32(doneVa())).toBe(count);
    for (const mfn of frames) expect(h.f.pinned[mfn]).toBe(1);
    // Pinning again fails at the first entry: done 0.
    const again = callToCompletion(X.__HYPERVISOR_mmuext_op, list(), count, doneVa(), X.DOMID_SELF);
    expect(again.rax).toBe(err(E.XEN_EINVAL));
    expect(rd32(doneVa())).toBe(0);
    expectSound(g.sys);
  });
});

describe('memory_op continuations', () => {
  it('decrease_reservation of hundreds of extents continues with the done count in cmd', () => {
    const n = 300;
    const extents = g.scratchVa + 8n * 4096n;
    const before = g.d.totPages;
    g.spare.slice(0, n).forEach((pfn, k) => wr64(extents + BigInt(k * 8), g.built.p2m[pfn])); // PV: MFNs
    const arg = g.scratchVa + 512n;
    wr64(arg, extents);
    wr64(arg + 8n, n);
    wr32(arg + 16n, 0);
    g.ctx.guest.write(arg + 24n, Uint8Array.of(X.DOMID_SELF & 0xff, X.DOMID_SELF >> 8));
    const regs = new SimpleRegisterFile({ rax: BigInt(X.__HYPERVISOR_memory_op), rdi: 1n, rsi: arg });
    dispatchHypercall(g.sys.hypercalls, g.ctx, regs);
    // Xen's continuation: cmd = sub-op | (extents done << MEMOP_EXTENT_SHIFT).
    expect(regs.rewinds).toBe(1);
    expect(regs.get('rdi')).toBe(1n | (BigInt(BUDGET) << 6n));
    const r = callToCompletion(X.__HYPERVISOR_memory_op, regs.get('rdi'), arg);
    expect(r.rax).toBe(BigInt(n));
    expect(r.continuations).toBe(Math.ceil((n - BUDGET) / BUDGET) - 1);
    expect(g.d.totPages).toBe(before - n);
    for (let k = 0; k < n; k++) expect(reads.get(extents + BigInt(k * 8))).toBe(1);
    expectSound(g.sys);
  });
});

describe('multicall continuations', () => {
  function entry(at: bigint, op: number, args: Array<bigint | number>): void {
    wr64(at, op);
    wr64(at + 8n, 0x5a5an);
    args.forEach((a, i) => wr64(at + 16n + BigInt(i * 8), a));
  }

  it('a long list is preempted between entries; completed entries keep results and run once', () => {
    const n = 500;
    for (let k = 0; k < n; k++) {
      entry(list() + BigInt(k * MULTICALL_ENTRY_SIZE), X.__HYPERVISOR_xen_version, [V.XENVER_version, 0]);
    }
    const r = callToCompletion(X.__HYPERVISOR_multicall, list(), n);
    expect(r.rax).toBe(0n);
    expect(r.continuations).toBe(Math.ceil(n / BUDGET) - 1);
    for (let k = 0; k < n; k++) {
      const at = list() + BigInt(k * MULTICALL_ENTRY_SIZE);
      expect(rd64(at + 8n)).toBe(0x40013n);
      expect(reads.get(at)).toBe(1);
    }
  });

  it('an entry that continues itself is resumed, not re-run from its start', () => {
    const h = mmuHelpers(g);
    const l1 = h.spare();
    expect(h.op(X.MMUEXT_PIN_L1_TABLE, l1)).toBe(0);
    const data = h.spare();
    const reqs = g.scratchVa + 64n * 4096n;
    const count = 400;
    for (let k = 0; k < count; k++) {
      wr64(reqs + BigInt(k * MMU_UPDATE_SIZE), l1 * 4096 + (k % 512) * 8);
      wr64(reqs + BigInt(k * MMU_UPDATE_SIZE) + 8n, pte(data, P | RW));
    }
    const first = list();
    const mmu = first + BigInt(MULTICALL_ENTRY_SIZE);
    const last = mmu + BigInt(MULTICALL_ENTRY_SIZE);
    entry(first, X.__HYPERVISOR_xen_version, [V.XENVER_version, 0]);
    entry(mmu, X.__HYPERVISOR_mmu_update, [reqs, count, doneVa(), X.DOMID_SELF]);
    entry(last, X.__HYPERVISOR_vm_assist, [X.VMASST_CMD_enable, 99]);
    const r = callToCompletion(X.__HYPERVISOR_multicall, first, 3);
    expect(r.rax).toBe(0n);
    expect(r.continuations).toBeGreaterThanOrEqual(Math.floor(count / BUDGET));
    expect(rd64(first + 8n)).toBe(0x40013n);
    expect(reads.get(first)).toBe(1);
    expect(rd64(mmu + 8n)).toBe(0n);
    expect(rd32(doneVa())).toBe(count);
    for (let k = 0; k < count; k++) expect(reads.get(reqs + BigInt(k * MMU_UPDATE_SIZE))).toBe(1);
    // The entry holds Xen's continuation arguments: the pointer advanced, PREEMPTED in count.
    expect(rd64(mmu + 16n)).toBeGreaterThan(reqs);
    expect((Number(rd64(mmu + 24n)) & MMU_UPDATE_PREEMPTED) >>> 0).toBe(MMU_UPDATE_PREEMPTED);
    expect(rd64(last + 8n)).toBe(err(E.XEN_EINVAL));
    expectSound(g.sys);
  });
});
