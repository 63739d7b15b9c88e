/** CMPXCHG, XADD, CMPXCHG8B, CMPXCHG16B (alignment: misaligned m128 raises #GP). */
import { CaseBuilder, edgeLow, mask, type Size } from '../case-builder';
import type { InstrSpec, RegOp } from '../encoder';
import { newCtx, readRegOperand, regOperand, rmOperand, setRegOperand, sizePrefix, SIZES } from './common';

export function genCmpxchg(b: CaseBuilder): void {
  const rng = b.rng;
  const size: Size = rng.pick(SIZES);
  const ctx = newCtx(rng, size);
  const acc: RegOp = { kind: 'reg', reg: 0, size };
  setRegOperand(b, acc, edgeLow(rng, size));
  // The source register may be the accumulator itself (avoid mask 0 lets RAX be picked again).
  const src = regOperand(b, ctx);
  const equal = rng.chance(1, 2);
  const rm = rmOperand(b, ctx, { value: equal ? readRegOperand(b, acc) : undefined });
  if (equal && rm.op.kind === 'reg') setRegOperand(b, rm.op, readRegOperand(b, acc));
  const spec: InstrSpec = {
    ...sizePrefix(size),
    opcode: [0x0f, size === 8 ? 0xb0 : 0xb1],
    reg: src,
    rm: rm.op,
  };
  spec.lock = rm.op.kind === 'mem' && rng.chance(1, 3);
  b.emit(spec);
  b.label = `cmpxchg rm,r ${size}${rm.op.kind === 'mem' ? ' mem' : ''}${spec.lock ? ' lock' : ''}`;
}

export function genXadd(b: CaseBuilder): void {
  const rng = b.rng;
  const size: Size = rng.pick(SIZES);
  const ctx = newCtx(rng, size);
  const src = regOperand(b, ctx);
  const rm = rmOperand(b, ctx);
  const spec: InstrSpec = {
    ...sizePrefix(size),
    opcode: [0x0f, size === 8 ? 0xc0 : 0xc1],
    reg: src,
    rm: rm.op,
  };
  spec.lock = rm.op.kind === 'mem' && rng.chance(1, 3);
  b.emit(spec);
  b.label = `xadd rm,r ${size}${rm.op.kind === 'mem' ? ' mem' : ''}${spec.lock ? ' lock' : ''}`;
}

/** CMPXCHG8B m64 / CMPXCHG16B m128 (REX.W): compares EDX:EAX / RDX:RAX, stores ECX:EBX / RCX:RBX. */
export function genCmpxchgWide(b: CaseBuilder): void {
  const rng = b.rng;
  const wide = rng.chance(1, 2);
  const half: Size = wide ? 64 : 32;
  const bytes = wide ? 16 : 8;
  const misaligned = wide && rng.chance(1, 12);
  const lo = edgeLow(rng, half);
  const hi = edgeLow(rng, half);
  for (const r of [0, 1, 2, 3]) b.setReg(r, b.gpr[r]);
  const equal = rng.chance(1, 2);
  let offset: number | undefined;
  if (misaligned) {
    offset = rng.range(0, 4096 - 32);
    if (offset % 16 === 0) offset += rng.range(1, 15);
  }
  const m = b.mem(bytes, { align: wide && !misaligned ? 16 : 1, avoid: 0xf, offset });
  const memLo = equal ? lo : rng.chance(1, 2) ? lo : edgeLow(rng, half);
  const memHi = equal ? hi : rng.chance(1, 2) ? edgeLow(rng, half) : hi;
  if (!equal && memLo === lo && memHi === hi) throw new Retry();
  b.pokeValue(m.win, m.off, half / 8, memLo);
  b.pokeValue(m.win, m.off + half / 8, half / 8, memHi);
  b.setReg(0, (b.gpr[0] & ~mask(half)) | lo);
  b.setReg(2, (b.gpr[2] & ~mask(half)) | hi);
  const spec: InstrSpec = { rexW: wide, opcode: [0x0f, 0xc7], reg: 1, rm: m.op };
  spec.lock = rng.chance(1, 3);
  b.emit(spec);
  b.label = `${wide ? 'cmpxchg16b' : 'cmpxchg8b'} m${bytes * 8}${misaligned ? ' misaligned' : ''}${spec.lock ? ' lock' : ''}`;
}

/** Thrown by a generator to ask for another attempt from the same random stream. */
export class Retry extends Error {}
