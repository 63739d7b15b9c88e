/**
 * Privilege transitions: SYSCALL/SYSRET (64-bit and compatibility mode), IRETQ to CPL 3 and
 * CPL 3 → CPL 3, SWAPGS, segment-register loads and their checks.
 */
import { describe, expect, it } from 'vitest';
import { EXIT_EXCEPTION, EXIT_HLT } from '../../src';
import {
  KCODE,
  KERNEL_CS,
  KERNEL_DS,
  NX,
  P,
  TestMachine,
  U,
  USER_CS,
  USER_CS32,
  USER_DS,
  W,
} from '../helpers/machine';

const UCODE = 0x400000n;
const USTACK = 0x7fff_0800n;
const LSTAR = KCODE + 0x100n;
const STAR = (0x23n << 48n) | (BigInt(KERNEL_CS) << 32n);
const SFMASK = 0x47700n;

function machine(): TestMachine {
  const m = new TestMachine().boot({ cpl: 0 });
  m.mapNew(KCODE, P);
  m.mapNew(UCODE, P | U);
  m.mapNew(0x7fff_0000n, P | W | U | NX);
  expect(m.cpu.writeMsr(0xc0000081, STAR)).toBe(true);
  expect(m.cpu.writeMsr(0xc0000082, LSTAR)).toBe(true);
  expect(m.cpu.writeMsr(0xc0000084, SFMASK)).toBe(true);
  m.cpu.interceptExceptions = 1 << 6; // #UD ends the user part of each test
  return m;
}

describe('syscall / sysret', () => {
  it('syscall enters LSTAR at CPL 0 with RCX/R11 saved; sysretq returns to CPL 3', () => {
    const m = machine();
    // user: mov eax, 42; syscall; ud2        kernel @LSTAR: hlt; sysretq
    m.write(UCODE, [0xb8, 0x2a, 0x00, 0x00, 0x00, 0x0f, 0x05, 0x0f, 0x0b]);
    m.write(LSTAR, [0xf4, 0x48, 0x0f, 0x07]);
    m.setCpl(3);
    m.cpu.rip = UCODE;
    m.cpu.setReg(4, USTACK);
    m.cpu.rflags = 0x202n | 0x400n; // IF, DF
    expect(m.run().reason).toBe(EXIT_HLT);
    expect(m.cpu.cpl).toBe(0);
    expect(m.cpu.rip).toBe(BigInt.asUintN(64, LSTAR) + 1n);
    expect(m.cpu.getReg(1)).toBe(UCODE + 7n); // rcx = return RIP
    expect(m.cpu.getReg(11)).toBe(0x602n); // r11 = rflags
    expect(m.cpu.rflags & 0x600n).toBe(0n); // IF and DF masked by SFMASK
    expect(m.cpu.getSegSelector(1)).toBe(KERNEL_CS);
    expect(m.cpu.getSegSelector(2)).toBe(KERNEL_DS);
    expect(m.cpu.getReg(4)).toBe(USTACK); // syscall does not switch stacks
    const ex = m.run();
    expect(ex.reason).toBe(EXIT_EXCEPTION);
    expect(ex.vector).toBe(6);
    expect(m.cpu.cpl).toBe(3);
    expect(m.cpu.rip).toBe(UCODE + 7n);
    expect(m.cpu.getSegSelector(1)).toBe(USER_CS);
    expect(m.cpu.getSegSelector(2)).toBe(USER_DS);
    expect(m.cpu.rflags & 0x602n).toBe(0x602n);
  });

  it('sysretl returns to 32-bit compatibility mode, where 40 is inc eax', () => {
    const m = machine();
    // kernel: mov ecx, UCODE; mov r11d, 0x202; sysretl      user (32-bit): inc eax; inc eax; ud2
    m.write(KCODE, [0xb9, 0x00, 0x00, 0x40, 0x00, 0x41, 0xbb, 0x02, 0x02, 0x00, 0x00, 0x0f, 0x07]);
    m.write(UCODE, [0x40, 0x40, 0x0f, 0x0b]);
    m.cpu.setReg(0, 0x10n);
    const ex = m.run();
    expect(ex.vector).toBe(6);
    expect(m.cpu.codeBits).toBe(32);
    expect(m.cpu.getSegSelector(1)).toBe(USER_CS32);
    expect(m.cpu.getReg(0)).toBe(0x12n);
  });

  it('syscall with EFER.SCE clear is #UD', () => {
    const m = machine();
    m.cpu.s[120] &= ~1;
    m.write(KCODE, [0x0f, 0x05]);
    const ex = m.run();
    expect(ex.vector).toBe(6);
    expect(m.cpu.rip).toBe(BigInt.asUintN(64, KCODE));
  });

  it('sysret at CPL 3 is #GP(0)', () => {
    const m = machine();
    m.write(UCODE, [0x48, 0x0f, 0x07]);
    m.setCpl(3);
    m.cpu.rip = UCODE;
    m.cpu.interceptExceptions |= 1 << 13;
    expect(m.run().vector).toBe(13);
  });

  it('sysretq to a non-canonical RCX is #GP(0) at CPL 0', () => {
    const m = machine();
    m.write(KCODE, [0x48, 0x0f, 0x07]);
    m.cpu.setReg(1, 0x8000_0000_0000_0000n);
    m.cpu.interceptExceptions |= 1 << 13;
    expect(m.run().vector).toBe(13);
    expect(m.cpu.cpl).toBe(0);
  });
});

describe('iretq', () => {
  it('returns from CPL 0 to CPL 3 loading CS/SS from the GDT', () => {
    const m = machine();
    // push 0x2b; push USTACK; push 0x202; push 0x33; push UCODE; iretq
    m.write(
      KCODE,
      [
        0x6a, 0x2b, 0x68, 0x00, 0x08, 0xff, 0x7f, 0x68, 0x02, 0x02, 0x00, 0x00, 0x6a, 0x33, 0x68, 0x00, 0x00,
        0x40, 0x00, 0x48, 0xcf,
      ],
    );
    m.write(UCODE, [0x0f, 0x0b]);
    const ex = m.run();
    expect(ex.vector).toBe(6);
    expect(m.cpu.cpl).toBe(3);
    expect(m.cpu.rip).toBe(UCODE);
    expect(m.cpu.getReg(4)).toBe(USTACK);
    expect(m.cpu.getSegSelector(1)).toBe(USER_CS);
    expect(m.cpu.getSegSelector(2)).toBe(USER_DS);
    expect(m.cpu.rflags & 0x200n).toBe(0x200n);
  });

  it('works CPL 3 → CPL 3 and reads its frame as a user access', () => {
    const m = machine();
    const T = UCODE + 0x40n;
    // user: push 0x2b; push rsp-ish; push 0x246; push 0x33; push T; iretq   T: ud2
    m.write(
      UCODE,
      [
        0x6a, 0x2b, 0x68, 0x00, 0x07, 0xff, 0x7f, 0x68, 0x46, 0x02, 0x00, 0x00, 0x6a, 0x33, 0x68, 0x40, 0x00,
        0x40, 0x00, 0x48, 0xcf,
      ],
    );
    m.write(T, [0x0f, 0x0b]);
    m.setCpl(3);
    m.cpu.rip = UCODE;
    m.cpu.setReg(4, USTACK);
    const ex = m.run();
    expect(ex.vector).toBe(6);
    expect(m.cpu.rip).toBe(T);
    expect(m.cpu.getReg(4)).toBe(0x7fff_0700n);
    expect(m.cpu.rflags & 0x40n).toBe(0x40n); // ZF from the frame
  });

  it('cannot raise privilege: returning to a DPL-0 CS from CPL 3 is #GP(selector)', () => {
    const m = machine();
    // push 0x18; push rsp; push 0x202; push 0x10; push KCODE(low); iretq
    m.write(UCODE, [0x6a, 0x18, 0x54, 0x68, 0x02, 0x02, 0x00, 0x00, 0x6a, 0x10, 0x6a, 0x00, 0x48, 0xcf]);
    m.setCpl(3);
    m.cpu.rip = UCODE;
    m.cpu.setReg(4, USTACK);
    m.cpu.interceptExceptions |= 1 << 13;
    const ex = m.run();
    expect(ex.vector).toBe(13);
    expect(ex.errorCode).toBe(0x10);
    expect(m.cpu.cpl).toBe(3);
  });
});

describe('swapgs and FS/GS bases', () => {
  it('swapgs exchanges GS.base and KERNEL_GS_BASE', () => {
    const m = machine();
    m.cpu.writeMsr(0xc0000101, 0x1111n);
    m.cpu.writeMsr(0xc0000102, 0x2222n);
    m.write(KCODE, [0x0f, 0x01, 0xf8, 0xf4]);
    m.run();
    expect(m.cpu.readMsr(0xc0000101)).toBe(0x2222n);
    expect(m.cpu.readMsr(0xc0000102)).toBe(0x1111n);
    expect(m.cpu.getSegBase(5)).toBe(0x2222n);
  });

  it('wrmsr of a non-canonical FS base is #GP', () => {
    const m = machine();
    expect(m.cpu.writeMsr(0xc0000100, 0x8000_0000_0000_0000n)).toBe(false);
  });
});

describe('segment loads', () => {
  function load(
    selector: number,
    sreg: 'ds' | 'ss',
    cpl = 3,
  ): ReturnType<TestMachine['run']> & { m: TestMachine } {
    const m = machine();
    // mov ax, sel; mov ds/ss, ax; ud2
    m.write(UCODE, [
      0x66,
      0xb8,
      selector & 0xff,
      selector >> 8,
      0x8e,
      sreg === 'ds' ? 0xd8 : 0xd0,
      0x0f,
      0x0b,
    ]);
    m.setCpl(cpl);
    m.cpu.rip = UCODE;
    m.cpu.setReg(4, USTACK);
    m.cpu.interceptExceptions |= 1 << 13;
    const ex = m.run();
    return Object.assign(ex, { m });
  }
  it('mov ds, 0x2b at CPL 3 loads the user data segment', () => {
    const ex = load(0x2b, 'ds');
    expect(ex.vector).toBe(6);
    expect(ex.m.cpu.getSegSelector(3)).toBe(0x2b);
  });
  it('mov ds, a DPL-0 selector at CPL 3 is #GP(selector)', () => {
    const ex = load(0x18, 'ds');
    expect([ex.vector, ex.errorCode]).toEqual([13, 0x18]);
  });
  it('mov ds, a selector beyond the GDT limit is #GP(selector)', () => {
    const ex = load(0x1233, 'ds');
    expect([ex.vector, ex.errorCode]).toEqual([13, 0x1230]);
  });
  it('mov ss, a selector with RPL != CPL is #GP(selector)', () => {
    const ex = load(0x28, 'ss');
    expect([ex.vector, ex.errorCode]).toEqual([13, 0x28]);
  });
  it('mov ds, 0 (null) is allowed', () => {
    const ex = load(0, 'ds');
    expect(ex.vector).toBe(6);
  });
  it('mov ss, 0 at CPL 3 is #GP(0)', () => {
    const ex = load(0, 'ss');
    expect([ex.vector, ex.errorCode]).toEqual([13, 0]);
  });
});
