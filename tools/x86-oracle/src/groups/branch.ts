/** Jcc (rel8/rel32), JMP, SETcc, CMOVcc, LOOP LOOPE LOOPNE JRCXZ — all as forward branches in the snippet. */
import { CaseBuilder, edgeLow, type Size } from '../case-builder';
import { CC_NAMES, STATUS } from '../flags';
import { newCtx, regOperand, rmOperand, sizePrefix } from './common';

/** Filler that a taken branch skips: `mov r32, imm32` instructions (5-6 bytes each) and an INC. */
function filler(b: CaseBuilder, minBytes: number): number[] {
  const out: number[] = [];
  while (out.length < minBytes) {
    const r = b.rng.below(16);
    if (r === 4) continue;
    out.push(...(r >= 8 ? [0x41] : []), 0xb8 + (r & 7), ...b.rng.bytes(4));
  }
  out.push(0x48, 0xff, 0xc0 + b.rng.below(4)); // inc r64 (rax..rbx): visible if not skipped
  return out;
}

export function genJcc(b: CaseBuilder): void {
  const rng = b.rng;
  const cc = rng.below(16);
  // Bias flags so both outcomes are common.
  b.rflags = (b.rflags & ~BigInt(STATUS)) | BigInt(rng.u32() & STATUS);
  const form = rng.below(4);
  const skipped = filler(b, rng.pick([0, 5, 12, 40]));
  if (form === 0) {
    b.raw([0x70 + cc, skipped.length, ...skipped]);
    b.label = `j${CC_NAMES[cc]} rel8`;
  } else if (form === 1) {
    const n = skipped.length;
    b.raw([0x0f, 0x80 + cc, n & 0xff, (n >> 8) & 0xff, 0, 0, ...skipped]);
    b.label = `j${CC_NAMES[cc]} rel32`;
  } else if (form === 2) {
    b.raw([0xeb, skipped.length, ...skipped]);
    b.label = 'jmp rel8';
  } else {
    const n = skipped.length;
    b.raw([0xe9, n & 0xff, (n >> 8) & 0xff, 0, 0, ...skipped]);
    b.label = 'jmp rel32';
  }
}

export function genSetcc(b: CaseBuilder): void {
  const rng = b.rng;
  const cc = rng.below(16);
  const dst = rmOperand(b, newCtx(rng, 8));
  b.emit({ opcode: [0x0f, 0x90 + cc], reg: 0, rm: dst.op });
  b.label = `set${CC_NAMES[cc]} rm8${dst.op.kind === 'mem' ? ' mem' : ''}`;
}

export function genCmov(b: CaseBuilder): void {
  const rng = b.rng;
  const cc = rng.below(16);
  const size: Size = rng.pick([16, 32, 64] as const);
  const ctx = newCtx(rng, size);
  const dst = regOperand(b, ctx);
  const src = rmOperand(b, ctx);
  b.emit({ ...sizePrefix(size), opcode: [0x0f, 0x40 + cc], reg: dst, rm: src.op });
  b.label = `cmov${CC_NAMES[cc]} r,rm ${size}${src.op.kind === 'mem' ? ' mem' : ''}`;
}

/** LOOP/LOOPE/LOOPNE (E0-E2) and JRCXZ (E3), with 0x67 (ECX) variants; forward targets only. */
export function genLoop(b: CaseBuilder): void {
  const rng = b.rng;
  const op = rng.below(4);
  const addr32 = rng.chance(1, 4);
  const count = rng.pick([0n, 1n, 2n, 0xffffffffn, 0x100000000n, 0x100000001n, edgeLow(rng, 64)]);
  b.setReg(1, count);
  b.rflags = (b.rflags & ~BigInt(STATUS)) | BigInt(rng.u32() & STATUS);
  const skipped = filler(b, rng.pick([0, 6]));
  b.raw([...(addr32 ? [0x67] : []), 0xe0 + op, skipped.length, ...skipped]);
  b.label = `${['loopne', 'loope', 'loop', 'jrcxz'][op]}${addr32 ? ' a32' : ''}`;
}
