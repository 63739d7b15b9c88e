/**
 * Faulting vectors: #DE (divide), #UD (UD0/UD1/UD2, opcodes invalid in 64-bit mode, LOCK misuse),
 * #PF (window edges, unmapped, write to code, fetch from data), #GP (non-canonical, misaligned
 * CMPXCHG16B), #SS (non-canonical stack). The faulting RIP and the state at the fault are compared.
 */
import { CaseBuilder, CODE_BASE, DATA_BASE, RSP, STACK_BASE, WINDOW } from '../case-builder';
import { genDiv } from './muldiv';
import { newCtx, regOperand } from './common';

/** Opcodes that raise #UD in 64-bit mode (no VEX/EVEX/XOP lead bytes). */
const INVALID_64 = [
  0x06, 0x07, 0x0e, 0x16, 0x17, 0x1e, 0x1f, 0x27, 0x2f, 0x37, 0x3f, 0x60, 0x61, 0xce, 0xd4, 0xd5, 0xd6,
];

export function genFault(b: CaseBuilder): void {
  const rng = b.rng;
  // Some harmless instructions first so the faulting RIP is not always the start.
  if (rng.chance(1, 2)) {
    const r = regOperand(b, newCtx(rng, 64), 0xff); // r8..r15: the cases below use fixed low registers
    b.emit({ rexW: true, opcode: [0x83], reg: 0, rm: r, imms: [{ size: 1, value: BigInt(rng.below(128)) }] });
  }
  const kind = rng.below(12);
  switch (kind) {
    case 0:
      genDiv(b, 1);
      b.label = `#DE ${b.label}`;
      return;
    case 1: {
      const k = rng.below(3);
      b.raw(k === 0 ? [0x0f, 0x0b] : k === 1 ? [0x0f, 0xb9, 0xc0 + rng.below(64)] : [0x0f, 0xff, 0xc0]);
      b.label = `#UD ${['ud2', 'ud1', 'ud0'][k]}`;
      return;
    }
    case 2: {
      const op = rng.pick([...INVALID_64, 0x82, 0x9a, 0xea]);
      b.raw([op, ...rng.bytes(7)]);
      b.label = `#UD invalid-64 ${op.toString(16).padStart(2, '0')}`;
      return;
    }
    case 3: {
      // LOCK on a register destination, on MOV, on a non-lockable instruction.
      const forms = [
        [0xf0, 0x01, 0xc0 + rng.below(64)],
        [0xf0, 0x89, 0x00 + rng.below(8) * 8],
        [0xf0, 0x90],
        [0xf0, 0x0f, 0xa3, 0xc0],
        [0xf0, 0x84, 0x00],
      ];
      const k = rng.below(forms.length);
      b.setReg(0, DATA_BASE + BigInt(rng.below(WINDOW - 8)));
      b.raw(forms[k]);
      b.label = `#UD lock ${['add r,r', 'mov', 'nop', 'bt r,r', 'test'][k]}`;
      return;
    }
    case 4: {
      // Access straddling the end of the data window, or just past it.
      const size = rng.pick([2, 4, 8]);
      const off = WINDOW - rng.range(1, size - 1);
      b.setReg(3, DATA_BASE + BigInt(rng.chance(1, 3) ? WINDOW + rng.below(64) : off));
      const write = rng.bool();
      b.raw([...(size === 2 ? [0x66] : []), ...(size === 8 ? [0x48] : []), write ? 0x89 : 0x8b, 0x03]);
      b.label = `#PF ${write ? 'write' : 'read'} window edge`;
      return;
    }
    case 5: {
      // Write to the (read+exec) code window.
      b.setReg(3, CODE_BASE + BigInt(rng.below(16)));
      b.raw([0x48, 0x89, 0x03]);
      b.label = '#PF write to code';
      return;
    }
    case 6: {
      // Jump to the data window (not executable) or just past it (unmapped).
      const target = DATA_BASE + BigInt(rng.chance(1, 2) ? rng.below(WINDOW) : WINDOW + rng.below(64));
      b.setReg(0, target);
      b.raw([0xff, 0xe0]);
      b.label = '#PF fetch';
      return;
    }
    case 7: {
      // Push below / pop above the stack window.
      const push = rng.bool();
      b.setReg(RSP, push ? STACK_BASE + BigInt(rng.below(8)) : STACK_BASE + BigInt(WINDOW - rng.below(7)));
      b.raw([push ? 0x50 + rng.below(4) : 0x58 + rng.below(4)]);
      b.label = `#PF ${push ? 'push' : 'pop'} stack edge`;
      return;
    }
    case 8: {
      // Non-canonical address -> #GP.
      b.setReg(3, (BigInt(rng.range(1, 0x7ffe)) << 48n) | BigInt(rng.below(1 << 30)));
      b.raw([0x48, rng.bool() ? 0x8b : 0x89, 0x03]);
      b.label = '#GP non-canonical';
      return;
    }
    case 9: {
      // Misaligned CMPXCHG16B.
      b.setReg(3, DATA_BASE + BigInt(rng.range(0, WINDOW - 32) | rng.range(1, 15)));
      b.raw([0x48, 0x0f, 0xc7, 0x0b]);
      b.label = '#GP cmpxchg16b misaligned';
      return;
    }
    case 10: {
      // Non-canonical RSP -> #SS on push.
      b.setReg(RSP, 0x8000000000000000n | BigInt(rng.below(1 << 20) * 8));
      b.raw([0x50 + rng.below(4)]);
      b.label = '#SS push non-canonical';
      return;
    }
    default: {
      // A REP string op that runs off the window after some iterations.
      b.setReg(7, DATA_BASE + BigInt(WINDOW - 8 * rng.range(1, 20)));
      b.setReg(1, BigInt(rng.range(21, 100)));
      b.rflags &= ~0x400n;
      b.raw([0xf3, 0x48, 0xab]);
      b.label = '#PF rep stos overrun';
    }
  }
}
