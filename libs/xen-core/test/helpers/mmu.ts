import { mmuUpdateEntry } from '../../src/mm/mmu-update';
import { mmuextOp } from '../../src/mm/mmuext-op';
import { pteToBigInt } from '../../src/mm/pte';
import { _PAGE_ACCESSED, _PAGE_PRESENT, _PAGE_RW, _PAGE_USER } from '../../src/public/page';
import { MMU_NORMAL_PT_UPDATE } from '../../src/public/xen';
import type { BuiltGuest } from './system';

export const P = _PAGE_PRESENT;
export const RW = _PAGE_RW;
export const U = _PAGE_USER;
export const A = _PAGE_ACCESSED;

export const pte = (mfn: number, flags: number): bigint => pteToBigInt({ mfn, flags });

/** Test conveniences over a built guest. */
export function mmuHelpers(g: BuiltGuest) {
  const { ctx, sys, d } = g;
  const f = sys.host.frames;
  const mem = sys.host.mem;
  let nextSpare = 0;
  return {
    f,
    mem,
    mfn: (pfn: number): number => g.built.p2m[pfn],
    /** A fresh, unused frame of the domain (zeroed). */
    spare(): number {
      return g.built.p2m[g.spare[nextSpare++]];
    },
    /** Raw (unvalidated) write of an entry, as the guest would do into an unpinned table. */
    poke(mfn: number, slot: number, val: bigint): void {
      mem.writeU64(mfn * 4096 + slot * 8, val);
    },
    peek(mfn: number, slot: number): bigint {
      return mem.readU64(mfn * 4096 + slot * 8);
    },
    op(cmd: number, arg1: bigint | number = 0n, arg2: bigint | number = 0n): number {
      return mmuextOp(ctx, { cmd, arg1: BigInt(arg1), arg2: BigInt(arg2) });
    },
    update(mfn: number, slot: number, val: bigint, cmd = MMU_NORMAL_PT_UPDATE, pgOwner = d.id): number {
      return mmuUpdateEntry(ctx, d, pgOwner, BigInt(mfn * 4096 + slot * 8 + cmd), val);
    },
  };
}
