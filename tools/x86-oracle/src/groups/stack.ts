/** PUSH POP (reg, imm, r/m, 16-bit), PUSHF POPF, ENTER LEAVE, CALL RET. */
import { CaseBuilder, CODE_BASE, edgeLow, RSP, STACK_BASE, type Size } from '../case-builder';
import { DF, ID, IF, NT, STATUS } from '../flags';
import { imm, newCtx, regOperand, rmOperand } from './common';

export function genPushPop(b: CaseBuilder): void {
  const rng = b.rng;
  const size: Size = rng.chance(1, 5) ? 16 : 64;
  const p66 = size === 16 ? [0x66] : [];
  const form = rng.below(7);
  if (form <= 1) {
    // 50+r / 58+r, including push rsp / pop rsp
    const r = rng.below(16);
    if (r !== RSP) b.setReg(r, edgeLow(rng, 64));
    if (form === 1) b.pokeValue(1, b.rspOffset, 8, edgeLow(rng, 64));
    const rex = r >= 8 ? [0x41] : rng.chance(1, 10) ? [0x40] : [];
    b.raw([...p66, ...rex, (form === 0 ? 0x50 : 0x58) + (r & 7)]);
    b.label = `${form === 0 ? 'push' : 'pop'} r${size}${r === RSP ? ' rsp' : ''}`;
  } else if (form === 2) {
    b.raw([...p66, 0x6a, Number(edgeLow(rng, 8))]);
    b.label = `push simm8 ${size}`;
  } else if (form === 3) {
    const i = imm(rng, size === 16 ? 2 : 4);
    b.emit({ opsize16: size === 16, opcode: [0x68], imms: [i] });
    b.label = `push imm ${size}`;
  } else if (form === 4) {
    const src = rmOperand(b, newCtx(rng, size), { forceMem: rng.chance(3, 4) });
    b.emit({ opsize16: size === 16, opcode: [0xff], reg: 6, rm: src.op });
    b.label = `push rm ${size}${src.op.kind === 'mem' ? ' mem' : ''}`;
  } else if (form === 5) {
    // pop r/m: a memory destination using RSP is computed after the increment.
    b.pokeValue(1, b.rspOffset, 8, edgeLow(rng, 64));
    const dst = rmOperand(b, newCtx(rng, size), { forceMem: rng.chance(3, 4) });
    b.emit({ opsize16: size === 16, opcode: [0x8f], reg: 0, rm: dst.op });
    b.label = `pop rm ${size}${dst.op.kind === 'mem' ? ' mem' : ''}`;
  } else {
    // A push/pop pair through two registers.
    const r1 = regOperand(b, newCtx(rng, 64));
    const r2 = rng.below(16);
    if (r2 === RSP) return genPushPop(b);
    b.emit({ opcode: [0x50], opReg: r1 });
    b.emit({ opsize16: size === 16, opcode: [0x58], opReg: { kind: 'reg', reg: r2, size: 64 } });
    b.label = `push+pop ${size}`;
  }
}

/** A POPF image: status flags, DF, and bits POPF must ignore or keep at CPL 3 (IF, IOPL, reserved). */
export function popfImage(b: CaseBuilder): bigint {
  const rng = b.rng;
  let v = rng.u32() & (STATUS | DF);
  if (rng.chance(1, 2)) v |= rng.u32() & (0x2 | 0x8 | 0x20 | 0x8000 | IF | 0x3000 | NT);
  if (rng.chance(1, 8)) v |= ID;
  return BigInt(v) | (rng.chance(1, 4) ? rng.u64() & 0xffffffff00000000n : 0n);
}

export function genFlagsStack(b: CaseBuilder): void {
  const rng = b.rng;
  const which = rng.below(3);
  const p66 = rng.chance(1, 6);
  if (which === 0) {
    b.raw([...(p66 ? [0x66] : []), 0x9c]);
    b.label = `pushf ${p66 ? 16 : 64}`;
  } else {
    b.pokeValue(1, b.rspOffset, 8, popfImage(b));
    if (which === 2) b.raw([0x9c, 0x58 + rng.below(4)]); // popf then pushf+pop to see the result image
    b.code.splice(0, 0, ...[...(p66 ? [0x66] : []), 0x9d]);
    b.label = `popf ${p66 ? 16 : 64}${which === 2 ? '+pushf' : ''}`;
  }
}

export function genEnterLeave(b: CaseBuilder): void {
  const rng = b.rng;
  const p66 = rng.chance(1, 8);
  // RBP must point into the stack window (ENTER with nesting copies frame pointers from [rbp-8*i]).
  const rbpOff = rng.range(0x200, 0xe00) & ~(rng.chance(3, 4) ? 7 : 0);
  b.setReg(5, STACK_BASE + BigInt(rbpOff));
  const which = rng.below(3);
  const level = rng.pick([0, 0, 1, 2, 3, rng.below(8), 31, 32]);
  const alloc = rng.pick([0, 8, 16, rng.below(0x200)]);
  const enter = [...(p66 ? [0x66] : []), 0xc8, alloc & 0xff, alloc >> 8, level];
  const leave = [...(p66 ? [0x66] : []), 0xc9];
  if (which === 0) {
    b.raw(enter);
    b.label = `enter L${Math.min(level & 31, 3) === 3 ? '3+' : level & 31}${p66 ? ' 16' : ''}`;
  } else if (which === 1) {
    b.raw(leave);
    b.label = `leave${p66 ? ' 16' : ''}`;
  } else {
    b.raw([...enter, ...leave]);
    b.label = `enter+leave${p66 ? ' 16' : ''}`;
  }
}

/** CALL rel32 forward, RET and RET imm16 to the end of the snippet. */
export function genCallRet(b: CaseBuilder): void {
  const rng = b.rng;
  const which = rng.below(3);
  if (which === 0) {
    const skip = rng.below(6);
    b.raw([0xe8, skip, 0, 0, 0, ...new Array<number>(skip).fill(0xcc)]);
    b.label = 'call rel32';
  } else {
    const n = which === 2 ? rng.pick([0, 8, 16, 0x18, rng.below(0x100)]) : 0;
    const len = 5 + (which === 2 ? 3 : 1);
    const end = CODE_BASE + BigInt(len);
    b.raw([0x68, ...[0, 1, 2, 3].map((i) => Number((end >> BigInt(8 * i)) & 0xffn))]);
    b.raw(which === 2 ? [0xc2, n & 0xff, n >> 8] : [0xc3]);
    b.label = which === 2 ? 'ret imm16' : 'ret';
  }
}
