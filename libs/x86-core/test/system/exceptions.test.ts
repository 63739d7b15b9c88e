/**
 * Exception delivery through the 64-bit IDT: vectors, error codes, frames, IST, exception classes
 * (#DF, triple fault), and interception by the embedder.
 */
import { describe, expect, it } from 'vitest';
import { EXIT_EXCEPTION, EXIT_HLT, EXIT_TRIPLE_FAULT } from '../../src';
import {
  ISTACK_TOP,
  KCODE,
  KERNEL_CS,
  KERNEL_DS,
  KSTACK_TOP,
  NX,
  P,
  SYS_PAGE,
  TSS_SEL,
  TestMachine,
  U,
  USER_CS,
  USER_DS,
  W,
} from '../helpers/machine';

const UCODE = 0x400000n;
const USTACK = 0x7fff_0800n;

function kernel(code: number[]): TestMachine {
  const m = new TestMachine().boot({ cpl: 0 });
  m.mapNew(KCODE, P);
  m.write(KCODE, code);
  return m;
}

function user(code: number[]): TestMachine {
  const m = new TestMachine().boot({ cpl: 3, rip: UCODE, rsp: USTACK });
  m.mapNew(UCODE, P | U);
  m.mapNew(0x7fff_0000n, P | W | U | NX);
  m.write(UCODE, code);
  return m;
}

/** Clear the present bit of IDT gate `v`. */
function gateNotPresent(m: TestMachine, v: number): void {
  const a = m.phys(SYS_PAGE + 0x1000n) + v * 16 + 4;
  m.mem.writeU32(a, m.mem.readU32(a) & ~0x8000);
}

const K = BigInt.asUintN(64, KCODE);

describe('fault and trap frames (CPL 0, no stack switch)', () => {
  it('#DE: RIP of the div, no error code  (48 f7 f3)', () => {
    const m = kernel([0x90, 0x48, 0xf7, 0xf3]);
    m.cpu.setReg(4, KSTACK_TOP - 0x108n); // misaligned: the frame is 16-byte aligned
    expect(m.run().reason).toBe(EXIT_HLT);
    expect(m.stoppedAtStub()).toBe(0);
    const [rip, cs, rflags, rsp, ss] = m.frame(5);
    expect(rip).toBe(K + 1n);
    expect(cs).toBe(BigInt(KERNEL_CS));
    expect(rflags & 2n).toBe(2n);
    expect(rsp).toBe(BigInt.asUintN(64, KSTACK_TOP - 0x108n));
    expect(ss).toBe(BigInt(KERNEL_DS));
    // the frame starts at RSP aligned down to 16 bytes
    expect(m.cpu.getReg(4)).toBe(BigInt.asUintN(64, KSTACK_TOP - 0x110n - 40n));
  });

  it('#BP from int3 is a trap: RIP after it  (cc)', () => {
    const m = kernel([0xcc]);
    m.run();
    expect(m.stoppedAtStub()).toBe(3);
    expect(m.frame(1)[0]).toBe(K + 1n);
  });

  it('#UD: RIP of the ud2  (0f 0b)', () => {
    const m = kernel([0x0f, 0x0b]);
    m.run();
    expect(m.stoppedAtStub()).toBe(6);
    expect(m.frame(1)[0]).toBe(K);
  });

  it('#GP(0) with an error code for a non-canonical access  (48 8b 03)', () => {
    const m = kernel([0x48, 0x8b, 0x03]);
    m.cpu.setReg(3, 0x8000_0000_0000_0000n);
    m.run();
    expect(m.stoppedAtStub()).toBe(13);
    const [err, rip] = m.frame(2);
    expect(err).toBe(0n);
    expect(rip).toBe(K);
  });

  it('#DB after one instruction with TF set (single step)', () => {
    // pushfq; or qword [rsp], 0x100; popfq; nop; nop
    const m = kernel([0x9c, 0x48, 0x81, 0x0c, 0x24, 0x00, 0x01, 0x00, 0x00, 0x9d, 0x90, 0x90]);
    m.run();
    expect(m.stoppedAtStub()).toBe(1);
    const [rip, , rflags] = m.frame(3);
    expect(rip).toBe(K + 11n); // trap after the first nop
    expect(rflags & 0x100n).toBe(0x100n);
    expect(m.cpu.rflags & 0x100n).toBe(0n); // TF cleared on entry
    expect(m.cpu.s[122 + 12] & 0x4000).toBe(0x4000); // DR6.BS
  });

  it('#NM when CR0.TS is set and an SSE instruction runs  (0f 28 c1)', () => {
    const m = kernel([0x0f, 0x28, 0xc1]);
    m.cpu.s[112] |= 1 << 3; // CR0.TS
    m.run();
    expect(m.stoppedAtStub()).toBe(7);
  });

  it('interrupt gates clear IF; the handler sees the old RFLAGS', () => {
    const m = kernel([0xcc]);
    m.cpu.rflags = 0x202n;
    m.run();
    expect(m.cpu.rflags & 0x200n).toBe(0n);
    expect(m.frame(3)[2] & 0x200n).toBe(0x200n);
  });
});

describe('exception classes', () => {
  it('#GP while delivering #GP (gate not present → #NP) becomes #DF on the IST stack', () => {
    const m = kernel([0x48, 0x8b, 0x03]);
    m.cpu.setReg(3, 0x8000_0000_0000_0000n);
    gateNotPresent(m, 13);
    m.run();
    expect(m.stoppedAtStub()).toBe(8);
    const [err, rip] = m.frame(2);
    expect(err).toBe(0n);
    expect(rip).toBe(K);
    const rsp = m.cpu.getReg(4);
    expect(rsp < BigInt.asUintN(64, ISTACK_TOP) && rsp > BigInt.asUintN(64, ISTACK_TOP - 0x1000n)).toBe(true);
  });

  it('#PF while delivering #PF becomes #DF', () => {
    const m = kernel([0x48, 0x8b, 0x03]); // load from an unmapped address
    m.cpu.setReg(3, 0x5000_0000n);
    m.cpu.setReg(4, 0x6000_0000n); // the frame cannot be pushed: #PF again
    m.run();
    expect(m.stoppedAtStub()).toBe(8);
  });

  it('a benign exception during delivery is handled serially (not #DF)', () => {
    // #BP gate not present: int3 → #NP(3*8+2) (EXT=0 for a software exception) delivered normally
    const m = kernel([0xcc]);
    gateNotPresent(m, 3);
    m.run();
    expect(m.stoppedAtStub()).toBe(11);
    expect(m.frame(1)[0]).toBe(BigInt(3 * 8 + 2));
  });

  it('a fault during #DF delivery is a triple fault', () => {
    const m = kernel([0x48, 0x8b, 0x03]);
    m.cpu.setReg(3, 0x8000_0000_0000_0000n);
    gateNotPresent(m, 13);
    gateNotPresent(m, 8);
    const ex = m.run();
    expect(ex.reason).toBe(EXIT_TRIPLE_FAULT);
  });

  it('#SS for a non-canonical stack pointer (intercepted)  (50)', () => {
    const m = kernel([0x50]);
    m.cpu.setReg(4, 0x9000_0000_0000_0000n);
    m.cpu.interceptExceptions = 1 << 12;
    const ex = m.run();
    expect(ex.reason).toBe(EXIT_EXCEPTION);
    expect(ex.vector).toBe(12);
    expect(ex.errorCode).toBe(0);
    expect(m.cpu.getReg(4)).toBe(0x9000_0000_0000_0000n); // rolled back
  });
});

describe('privilege changes on delivery', () => {
  it('#GP at CPL 3 switches to TSS.RSP0 and pushes the user SS:RSP  (fa = cli)', () => {
    const m = user([0x90, 0xfa]);
    m.run();
    expect(m.stoppedAtStub()).toBe(13);
    expect(m.cpu.cpl).toBe(0);
    const [err, rip, cs, , rsp, ss] = m.frame(6);
    expect(err).toBe(0n);
    expect(rip).toBe(UCODE + 1n);
    expect(cs).toBe(BigInt(USER_CS));
    expect(rsp).toBe(USTACK);
    expect(ss).toBe(BigInt(USER_DS));
    expect(m.cpu.getReg(4)).toBe(BigInt.asUintN(64, KSTACK_TOP - 48n));
    expect(m.cpu.getSegSelector(2)).toBe(0); // SS = null selector with RPL 0
  });

  it('int 0x80 from CPL 3 through a DPL-3 gate  (cd 80)', () => {
    const m = user([0xcd, 0x80]);
    m.run();
    expect(m.stoppedAtStub()).toBe(0x80);
    expect(m.frame(1)[0]).toBe(UCODE + 2n);
    expect(m.cpu.getReg(4)).toBe(BigInt.asUintN(64, KSTACK_TOP - 40n));
  });

  it('int n through a DPL-0 gate from CPL 3 is #GP(n*8+2)  (cd 30)', () => {
    const m = user([0xcd, 0x30]);
    m.run();
    expect(m.stoppedAtStub()).toBe(13);
    expect(m.frame(2)).toEqual([BigInt(0x30 * 8 + 2), UCODE]);
  });

  it('an IST gate switches stacks even without a privilege change  (cd 99)', () => {
    const m = kernel([0xcd, 0x99]);
    m.run();
    expect(m.stoppedAtStub()).toBe(0x99);
    expect(m.cpu.getReg(4)).toBe(BigInt.asUintN(64, ISTACK_TOP - 40n));
  });

  it('#NP for a not-present gate, error code = vector*8+2 (+EXT)', () => {
    const m = user([0xcd, 0x80]);
    gateNotPresent(m, 0x80);
    m.run();
    expect(m.stoppedAtStub()).toBe(11);
    expect(m.frame(1)[0]).toBe(BigInt(0x80 * 8 + 2));
  });

  it('#TS when TSS.RSP0 lies beyond the TSS limit (intercepted)', () => {
    const m = user([0xcd, 0x80]);
    m.cpu.setSegment(7, TSS_SEL, SYS_PAGE + 0x800n, 3, 0x8b);
    m.cpu.interceptExceptions = 1 << 10;
    const ex = m.run();
    expect(ex.reason).toBe(EXIT_EXCEPTION);
    expect(ex.vector).toBe(10);
    expect(ex.errorCode).toBe(TSS_SEL);
    expect(m.cpu.cpl).toBe(3);
    expect(m.cpu.rip).toBe(UCODE);
  });

  it('a #PF from user mode is delivered with the U bit and the kernel sees CR2', () => {
    const m = user([0x8b, 0x04, 0x25, 0x00, 0x00, 0x00, 0x50]); // mov eax, [0x50000000]
    m.run();
    expect(m.stoppedAtStub()).toBe(14);
    expect(m.frame(1)[0]).toBe(4n);
    expect(m.cpu.s[114]).toBe(0x50000000);
  });
});

describe('interception', () => {
  it('an intercepted exception exits with the state at the faulting instruction', () => {
    const m = user([0x48, 0xff, 0xc0, 0x50, 0x0f, 0x0b]); // inc rax; push rax; ud2
    m.cpu.interceptExceptions = 1 << 6;
    const ex = m.run();
    expect(ex.reason).toBe(EXIT_EXCEPTION);
    expect(ex.vector).toBe(6);
    expect(ex.errorCode).toBe(-1);
    expect(ex.rip).toBe(UCODE + 4n);
    expect(m.cpu.rip).toBe(UCODE + 4n);
    expect(m.cpu.getReg(0)).toBe(1n);
    expect(m.cpu.getReg(4)).toBe(USTACK - 8n);
    expect(ex.instructions).toBe(2);
  });

  it('privileged instructions at CPL 3 come out as #GP exits', () => {
    for (const code of [[0x0f, 0x20, 0xc0], [0x0f, 0x32], [0xf4], [0x0f, 0x01, 0xf8], [0x0f, 0x00, 0xd8]]) {
      const m = user(code);
      m.cpu.interceptExceptions = 1 << 13;
      const ex = m.run();
      expect(ex.vector, code.join(',')).toBe(13);
      expect(m.cpu.rip).toBe(UCODE);
    }
  });

  it('injectException delivers through the IDT before the next instruction', () => {
    const m = kernel([0x90, 0xf4]);
    m.cpu.injectException(13, 0x18);
    m.run();
    expect(m.stoppedAtStub()).toBe(13);
    expect(m.frame(2)).toEqual([0x18n, K]);
  });
});
