/** A vector group: a named generator, a count and a seed from which every input is regenerated. */
import { CaseBuilder, WINDOW, type OracleCase } from './case-builder';
import type { BaseWindows } from './native-runner';
import { Retry } from './groups/atomic';
import { Rng } from './rng';

export interface GroupDef {
  /** File name stem and report heading, e.g. "alu". */
  name: string;
  /** Vectors committed for the regular test run. */
  count: number;
  seed: number;
  /** Fill one vector (registers, memory, code, label, masks). */
  gen: (b: CaseBuilder) => void;
}

/** Seed of vector `i` of a group (vectors are independent, so any one can be regenerated alone). */
export function vectorSeed(groupSeed: number, i: number): number {
  let h = Math.imul(groupSeed ^ 0x5bd1e995, 0x9e3779b1) ^ Math.imul(i + 1, 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 15), 0x2c1b3c6d);
  return (h ^ (h >>> 12)) >>> 0;
}

export function baseWindows(groupSeed: number): BaseWindows {
  const rng = new Rng(groupSeed ^ 0xba5eba11);
  return { data: rng.bytes(WINDOW), stack: rng.bytes(WINDOW) };
}

export function generateCase(def: GroupDef, seed: number, i: number): OracleCase {
  const rng = new Rng(vectorSeed(seed, i));
  for (let attempt = 0; attempt < 100; attempt++) {
    const b = new CaseBuilder(rng);
    try {
      def.gen(b);
    } catch (e) {
      if (e instanceof Retry) continue;
      throw e;
    }
    return b.build();
  }
  throw new Error(`group ${def.name}: vector ${i} could not be generated`);
}

export function generateGroup(
  def: GroupDef,
  seed = def.seed,
  count = def.count,
): { base: BaseWindows; cases: OracleCase[] } {
  const cases: OracleCase[] = [];
  for (let i = 0; i < count; i++) cases.push(generateCase(def, seed, i));
  return { base: baseWindows(seed), cases };
}
