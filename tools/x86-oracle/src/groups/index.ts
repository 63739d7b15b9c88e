/**
 * The committed vector groups. Changing a generator, a count or a seed changes the inputs: regenerate
 * the vector files with `npm run oracle:generate` (the tests detect stale files by an input hash).
 */
import type { CaseBuilder } from '../case-builder';
import type { GroupDef } from '../group';
import { genAlu, genTest, genUnary } from './alu';
import { genCmpxchg, genCmpxchgWide, genXadd } from './atomic';
import { genBitScan, genBt } from './bits';
import { genCmov, genJcc, genLoop, genSetcc } from './branch';
import { genFault } from './faults';
import { genConvert, genFlagOps, genNop, genXlat } from './misc';
import { genMmx } from './mmx';
import { genBswap, genLea, genMov, genMovExt, genXchg } from './mov';
import { genDiv, genMul } from './muldiv';
import { genSequence } from './sequence';
import { genDoubleShift, genShift } from './shift';
import { genCallRet, genEnterLeave, genFlagsStack, genPushPop } from './stack';
import { genString } from './string';

/** Pick one of several generators by weight. */
function mix(...parts: [number, (b: CaseBuilder) => void][]): (b: CaseBuilder) => void {
  const total = parts.reduce((s, [w]) => s + w, 0);
  return (b) => {
    let x = b.rng.below(total);
    for (const [w, gen] of parts) {
      if (x < w) return gen(b);
      x -= w;
    }
  };
}

export const GROUPS: readonly GroupDef[] = [
  { name: 'alu', count: 30000, seed: 0x0a10001, gen: mix([8, genAlu], [1, genTest], [2, genUnary]) },
  {
    name: 'mov',
    count: 16000,
    seed: 0x0a10002,
    gen: mix([4, genMov], [3, genMovExt], [2, genLea], [2, genXchg], [1, genBswap]),
  },
  {
    name: 'atomic',
    count: 10000,
    seed: 0x0a10003,
    gen: mix([2, genCmpxchg], [2, genXadd], [1, genCmpxchgWide]),
  },
  { name: 'muldiv', count: 20000, seed: 0x0a10004, gen: mix([1, genMul], [1, (b) => genDiv(b)]) },
  { name: 'shift', count: 30000, seed: 0x0a10005, gen: mix([3, genShift], [1, genDoubleShift]) },
  { name: 'bits', count: 20000, seed: 0x0a10006, gen: mix([1, genBt], [1, genBitScan]) },
  { name: 'string', count: 15000, seed: 0x0a10007, gen: genString },
  {
    name: 'stack',
    count: 8000,
    seed: 0x0a10008,
    gen: mix([4, genPushPop], [2, genFlagsStack], [2, genEnterLeave], [1, genCallRet]),
  },
  {
    name: 'branch',
    count: 12000,
    seed: 0x0a10009,
    gen: mix([2, genJcc], [2, genSetcc], [2, genCmov], [1, genLoop]),
  },
  {
    name: 'misc',
    count: 6000,
    seed: 0x0a1000a,
    gen: mix([2, genConvert], [2, genFlagOps], [1, genXlat], [1, genNop]),
  },
  { name: 'fault', count: 5000, seed: 0x0a1000b, gen: genFault },
  { name: 'sequence', count: 40000, seed: 0x0a1000c, gen: genSequence },
  { name: 'mmx', count: 6000, seed: 0x0a1000d, gen: genMmx },
];
