/** CBW/CWDE/CDQE, CWD/CDQ/CQO, LAHF SAHF, CLC STC CMC CLD STD, XLAT, NOP forms (incl. multi-byte). */
import { CaseBuilder, edgeLow } from '../case-builder';

export function genConvert(b: CaseBuilder): void {
  const rng = b.rng;
  const op = rng.pick([0x98, 0x99]);
  const size = rng.pick([16, 32, 64] as const);
  b.setReg(0, edgeLow(rng, 64) ^ (rng.bool() ? 0n : edgeLow(rng, 16)));
  b.raw([...(size === 16 ? [0x66] : []), ...(size === 64 ? [0x48] : []), op]);
  const names = op === 0x98 ? { 16: 'cbw', 32: 'cwde', 64: 'cdqe' } : { 16: 'cwd', 32: 'cdq', 64: 'cqo' };
  b.label = names[size];
}

export function genFlagOps(b: CaseBuilder): void {
  const rng = b.rng;
  const ops: [number, string][] = [
    [0x9f, 'lahf'],
    [0x9e, 'sahf'],
    [0xf8, 'clc'],
    [0xf9, 'stc'],
    [0xf5, 'cmc'],
    [0xfc, 'cld'],
    [0xfd, 'std'],
  ];
  const [opc, name] = rng.pick(ops);
  b.rflags ^= BigInt(rng.u32() & 0x400);
  b.raw([...(rng.chance(1, 10) ? [0x48] : []), opc]);
  b.label = name;
}

export function genXlat(b: CaseBuilder): void {
  const rng = b.rng;
  const off = rng.range(0, 4096 - 256);
  const a32 = rng.chance(1, 4);
  b.setReg(3, (a32 ? rng.u64() & ~0xffffffffn : 0n) | (0x20000000n + BigInt(off)));
  b.raw([...(a32 ? [0x67] : []), ...(rng.chance(1, 4) ? [0x48] : []), 0xd7]);
  b.label = `xlat${a32 ? ' a32' : ''}`;
}

const NOPS: readonly (readonly number[])[] = [
  [0x90],
  [0x66, 0x90],
  [0x0f, 0x1f, 0x00],
  [0x0f, 0x1f, 0x40, 0x00],
  [0x0f, 0x1f, 0x44, 0x00, 0x00],
  [0x66, 0x0f, 0x1f, 0x44, 0x00, 0x00],
  [0x0f, 0x1f, 0x80, 0x00, 0x00, 0x00, 0x00],
  [0x0f, 0x1f, 0x84, 0x00, 0x00, 0x00, 0x00, 0x00],
  [0x66, 0x0f, 0x1f, 0x84, 0x00, 0x00, 0x00, 0x00, 0x00],
  [0x66, 0x2e, 0x0f, 0x1f, 0x84, 0x00, 0x00, 0x00, 0x00, 0x00],
  [0xf3, 0x90],
  [0x48, 0x0f, 0x1f, 0xc0],
];

export function genNop(b: CaseBuilder): void {
  const rng = b.rng;
  const n = rng.range(1, 4);
  const names: string[] = [];
  for (let i = 0; i < n; i++) {
    const k = rng.below(NOPS.length);
    b.raw(NOPS[k]);
    names.push(String(NOPS[k].length));
  }
  // NOP r/m never accesses memory: also with an unmapped address in RAX.
  if (rng.chance(1, 4)) {
    b.raw([0x0f, 0x1f, 0x00]);
    names.push('unmapped');
  }
  b.label = names.includes('unmapped') ? 'nop m(unmapped)' : 'nop';
}
