import { XEN_ENOSYS } from '../public/errno';
import type { HypercallContext } from './context';

/**
 * How a raw 64-bit argument is narrowed for the handler, following the C
 * prototype: `ulong`/`ptr`/`u64` stay 64-bit bigints; `uint` is truncated to
 * 32 bits, `int` to signed 32 bits, `domid` to 16 bits.
 */
export type ArgKind = 'ulong' | 'ptr' | 'u64' | 'uint' | 'int' | 'domid';

type ArgValue<K extends ArgKind> = K extends 'uint' | 'int' | 'domid' ? number : bigint;
export type ArgValues<K extends readonly ArgKind[]> = { -readonly [I in keyof K]: ArgValue<K[I]> };

/** A handler returns the `long` result, or undefined when it set the registers itself (iret). */
export type HypercallReturn = number | bigint | undefined;

export interface HypercallDef<K extends readonly ArgKind[] = readonly ArgKind[]> {
  readonly nr: number;
  readonly name: string;
  readonly args: K;
  readonly handler: (ctx: HypercallContext, ...args: ArgValues<K>) => HypercallReturn;
}

export function defineHypercall<const K extends readonly ArgKind[]>(def: HypercallDef<K>): HypercallDef {
  return def as unknown as HypercallDef;
}

export function marshalArg(kind: ArgKind, raw: bigint): number | bigint {
  switch (kind) {
    case 'uint':
      return Number(BigInt.asUintN(32, raw));
    case 'int':
      return Number(BigInt.asIntN(32, raw));
    case 'domid':
      return Number(BigInt.asUintN(16, raw));
    default:
      return BigInt.asUintN(64, raw);
  }
}

/** Hypercall number → handler. Unregistered numbers answer -ENOSYS. */
export class HypercallTable {
  private readonly defs = new Map<number, HypercallDef>();

  register(def: HypercallDef): this {
    if (this.defs.has(def.nr)) throw new Error(`hypercall ${def.nr} registered twice`);
    this.defs.set(def.nr, def);
    return this;
  }

  lookup(nr: bigint | number): HypercallDef | undefined {
    const n = typeof nr === 'bigint' ? (nr < 1n << 32n ? Number(nr) : -1) : nr;
    return this.defs.get(n);
  }

  /** Call hypercall `nr` with raw 64-bit arguments (as the dispatcher and multicall do). */
  invoke(ctx: HypercallContext, nr: bigint | number, raw: readonly bigint[]): HypercallReturn {
    const def = this.lookup(nr);
    if (!def) return -XEN_ENOSYS;
    const args = def.args.map((k, i) => marshalArg(k, raw[i] ?? 0n));
    return (def.handler as (ctx: HypercallContext, ...a: Array<number | bigint>) => HypercallReturn)(
      ctx,
      ...args,
    );
  }

  get numbers(): number[] {
    return [...this.defs.keys()].sort((a, b) => a - b);
  }
}
