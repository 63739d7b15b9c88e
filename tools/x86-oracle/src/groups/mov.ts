/** MOV (all encodings incl. moffs and movabs), MOVZX MOVSX MOVSXD, LEA, XCHG, BSWAP. */
import { CaseBuilder, DATA_BASE, edgeLow, RSP, type Size } from '../case-builder';
import type { InstrSpec, MemOp, RegOp } from '../encoder';
import {
  imm,
  izBytes,
  newCtx,
  regOperand,
  rmOperand,
  setRegOperand,
  sizePrefix,
  SIZES,
  SIZES_NO8,
} from './common';

const memTag = (spec: InstrSpec): string => (spec.rm?.kind === 'mem' ? ' mem' : '');

export function genMov(b: CaseBuilder): void {
  const rng = b.rng;
  const size: Size = rng.pick(SIZES);
  const ctx = newCtx(rng, size);
  const w = size === 8 ? 0 : 1;
  const form = rng.below(6);
  let spec: InstrSpec;
  let name: string;
  if (form <= 1) {
    const r = regOperand(b, ctx);
    const rm = rmOperand(b, ctx);
    spec = { ...sizePrefix(size), opcode: [0x88 + w + form * 2], reg: r, rm: rm.op };
    name = form === 0 ? 'mov rm,r' : 'mov r,rm';
  } else if (form === 2) {
    // B0+r ib / B8+r iw/id/io (movabs)
    const r = regOperand(b, ctx);
    const bytes = size === 64 ? 8 : size === 32 ? 4 : size === 16 ? 2 : 1;
    spec = { ...sizePrefix(size), opcode: [size === 8 ? 0xb0 : 0xb8], opReg: r, imms: [imm(rng, bytes)] };
    name = size === 64 ? 'movabs r,imm64' : 'mov r,imm';
  } else if (form === 3) {
    const rm = rmOperand(b, ctx);
    spec = { ...sizePrefix(size), opcode: [0xc6 + w], reg: 0, rm: rm.op, imms: [imm(rng, izBytes(size))] };
    name = 'mov rm,imm';
  } else {
    // A0-A3: mov al/ax/eax/rax <-> [moffs64] (or moffs32 with 0x67)
    const toMem = form === 5;
    setRegOperand(b, { kind: 'reg', reg: 0, size }, edgeLow(rng, size));
    const addr32 = rng.chance(1, 4);
    const off = b.pickOffset(size / 8);
    if (!toMem) b.pokeValue(0, off, size / 8, edgeLow(rng, size));
    const prefixes = [
      ...(size === 16 ? [0x66] : []),
      ...(addr32 ? [0x67] : []),
      ...(size === 64 ? [0x48] : []),
    ];
    const addr = DATA_BASE + BigInt(off);
    const moffs: number[] = [];
    for (let i = 0; i < (addr32 ? 4 : 8); i++) moffs.push(Number((addr >> BigInt(8 * i)) & 0xffn));
    b.raw([...prefixes, (toMem ? 0xa2 : 0xa0) + w, ...moffs]);
    b.label = `mov ${toMem ? 'moffs,acc' : 'acc,moffs'}${addr32 ? '32' : '64'} ${size}`;
    return;
  }
  b.emit(spec);
  b.label = `${name} ${size}${memTag(spec)}`;
}

export function genMovExt(b: CaseBuilder): void {
  const rng = b.rng;
  const which = rng.below(5);
  if (which === 4) {
    // MOVSXD r64, r/m32 (REX.W 63) and the r32 form without REX.W
    const wide = rng.chance(4, 5);
    const dst = regOperand(b, newCtx(rng, wide ? 64 : 32));
    const src = rmOperand(b, newCtx(rng, 32));
    const spec: InstrSpec = { rexW: wide, opcode: [0x63], reg: dst, rm: src.op };
    b.emit(spec);
    b.label = `movsxd r${wide ? 64 : 32},rm32${memTag(spec)}`;
    return;
  }
  const sx = which >= 2;
  const srcSize: Size = which % 2 === 0 ? 8 : 16;
  const dstSize: Size = rng.pick([16, 32, 64] as const);
  // AH..BH as a source forbids REX: the destination and any address registers are then RAX..RDI.
  const srcCtx = { size: srcSize, legacy8: srcSize === 8 && dstSize !== 64 && rng.chance(1, 3) };
  const avoid = srcCtx.legacy8 ? 0xff00 : 0;
  const dst = regOperand(b, { size: dstSize, legacy8: false }, avoid);
  const src = rmOperand(b, srcCtx, { avoid });
  const spec: InstrSpec = {
    ...sizePrefix(dstSize),
    opcode: [0x0f, (sx ? 0xbe : 0xb6) + (srcSize === 16 ? 1 : 0)],
    reg: dst,
    rm: src.op,
  };
  b.emit(spec);
  b.label = `${sx ? 'movsx' : 'movzx'} r${dstSize},rm${srcSize}${memTag(spec)}`;
}

/** LEA with every addressing form and random (not necessarily mapped) addresses: LEA never accesses memory. */
export function genLea(b: CaseBuilder): void {
  const rng = b.rng;
  const size: Size = rng.pick(SIZES_NO8);
  const dst = regOperand(b, newCtx(rng, size));
  const addr32 = rng.chance(1, 4);
  const form = rng.below(8);
  let op: MemOp;
  if (form === 0) {
    op = {
      kind: 'mem',
      base: null,
      index: null,
      scale: 1,
      disp: 0,
      dispSize: 4,
      rip: true,
      ripTarget: DATA_BASE + BigInt(rng.below(0x100000)),
    };
  } else {
    const base = form === 1 ? null : rng.below(16);
    let index: number | null = rng.chance(1, 2) ? rng.below(16) : null;
    if (index === RSP) index = null;
    const dispSize = base === null ? 4 : rng.pick([0, 1, 4] as const);
    const disp =
      dispSize === 0
        ? 0
        : dispSize === 1
          ? rng.range(-128, 127)
          : Number(BigInt.asIntN(32, edgeLow(rng, 32)));
    op = { kind: 'mem', base, index, scale: rng.pick([1, 2, 4, 8] as const), disp, dispSize, addr32 };
  }
  const spec: InstrSpec = { ...sizePrefix(size), opcode: [0x8d], reg: dst, rm: op };
  b.emit(spec);
  b.label = `lea r${size},${addr32 ? 'm32' : 'm'}${op.rip ? ' rip' : ''}`;
}

export function genXchg(b: CaseBuilder): void {
  const rng = b.rng;
  const size: Size = rng.pick(SIZES);
  const ctx = newCtx(rng, size);
  const form = size === 8 ? 0 : rng.below(3);
  if (form === 2 && rng.chance(1, 4)) {
    // xchg eax,eax via 87 C0 zero-extends RAX (unlike 90); 66/REX.W variants too.
    const r: RegOp = { kind: 'reg', reg: 0, size };
    setRegOperand(b, r, edgeLow(rng, size));
    b.emit({ ...sizePrefix(size), opcode: [0x87], reg: r, rm: r });
    b.label = `xchg acc,acc(87) ${size}`;
    return;
  }
  if (form === 1) {
    // 90+r: xchg rAX, r (REX.B 90 = xchg rax, r8)
    setRegOperand(b, { kind: 'reg', reg: 0, size }, edgeLow(rng, size));
    const r = regOperand(b, ctx, 1);
    b.emit({ ...sizePrefix(size), opcode: [0x90], opReg: r });
    b.label = `xchg acc,r(90+r) ${size}`;
    return;
  }
  const r = regOperand(b, ctx);
  const rm = rmOperand(b, ctx);
  const spec: InstrSpec = { ...sizePrefix(size), opcode: [size === 8 ? 0x86 : 0x87], reg: r, rm: rm.op };
  spec.lock = rm.op.kind === 'mem' && rng.chance(1, 4);
  b.emit(spec);
  b.label = `xchg rm,r ${size}${memTag(spec)}`;
}

export function genBswap(b: CaseBuilder): void {
  const rng = b.rng;
  const size: Size = rng.chance(1, 2) ? 32 : 64;
  const r = regOperand(b, newCtx(rng, size));
  b.emit({ rexW: size === 64, opcode: [0x0f, 0xc8], opReg: r });
  b.label = `bswap r${size}`;
}
