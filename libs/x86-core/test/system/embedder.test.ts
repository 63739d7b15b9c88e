/**
 * The embedder interface: budgets and exits, I/O / MSR / CPUID hooks, interrupt injection and the
 * STI shadow, SYSCALL and INT n interception, TSC, direct register and segment access.
 */
import { describe, expect, it } from 'vitest';
import {
  EXIT_BUDGET,
  EXIT_EXCEPTION,
  EXIT_HLT,
  EXIT_SOFTWARE_INT,
  EXIT_STOP,
  EXIT_SYSCALL,
  type Embedder,
} from '../../src';
import { KCODE, NX, P, TestMachine, U, W } from '../helpers/machine';

const K = BigInt.asUintN(64, KCODE);

function kernel(code: number[], embedder?: Embedder): TestMachine {
  const m = new TestMachine({ embedder }).boot({ cpl: 0 });
  m.mapNew(KCODE, P);
  m.write(KCODE, code);
  return m;
}

describe('budget', () => {
  it('run(n) retires exactly n instructions and stops at an instruction boundary', () => {
    // inc eax; jmp $-2  (an endless loop)
    const m = kernel([0xff, 0xc0, 0xeb, 0xfc]);
    for (const n of [1, 2, 3, 7, 1000, 99999]) {
      const before = m.cpu.instructionsRetired;
      const ex = m.cpu.run(n);
      expect(ex.reason).toBe(EXIT_BUDGET);
      expect(ex.instructions).toBe(n);
      expect(m.cpu.instructionsRetired - before).toBe(n);
    }
    const total = 1 + 2 + 3 + 7 + 1000 + 99999;
    expect(m.cpu.getReg(0)).toBe(BigInt(Math.ceil(total / 2)));
    expect(m.cpu.rip).toBe(total % 2 === 0 ? K : K + 2n);
  });

  it('the result object is reused between calls', () => {
    const m = kernel([0x90, 0x90, 0xf4]);
    expect(m.cpu.run(1)).toBe(m.cpu.run(1));
  });
});

describe('hooks', () => {
  it('IN/OUT at CPL 0 reach ioRead/ioWrite', () => {
    const log: string[] = [];
    const m = kernel(
      // mov dx, 0x3f8; mov al, 'A'; out dx, al; in al, dx; out 0x80, eax; hlt
      [0x66, 0xba, 0xf8, 0x03, 0xb0, 0x41, 0xee, 0xec, 0xe7, 0x80, 0xf4],
      {
        ioWrite: (port, size, v) => log.push(`out ${port.toString(16)}/${size}=${v.toString(16)}`),
        ioRead: (port, size) => {
          log.push(`in ${port.toString(16)}/${size}`);
          return 0x5a;
        },
      },
    );
    expect(m.run().reason).toBe(EXIT_HLT);
    expect(log).toEqual(['out 3f8/1=41', 'in 3f8/1', 'out 80/4=5a']);
  });

  it('I/O at CPL 3 is allowed when IOPL = 3', () => {
    const seen: number[] = [];
    const m = kernel([], { ioWrite: (port) => seen.push(port) });
    m.mapNew(0x400000n, P | U);
    m.write(0x400000n, [0xe6, 0x70, 0x0f, 0x0b]); // out 0x70, al; ud2
    m.setCpl(3);
    m.cpu.rip = 0x400000n;
    m.cpu.rflags = 0x3202n;
    m.cpu.interceptExceptions = -1;
    expect(m.run().vector).toBe(6);
    expect(seen).toEqual([0x70]);
  });

  it('rdmsr/wrmsr go to the hooks first; unknown MSRs raise #GP', () => {
    const writes: [number, bigint][] = [];
    const m = kernel(
      // mov ecx, 0x1234; rdmsr; mov ecx, 0x99; wrmsr; mov ecx, 0x55; rdmsr
      [0xb9, 0x34, 0x12, 0, 0, 0x0f, 0x32, 0xb9, 0x99, 0, 0, 0, 0x0f, 0x30, 0xb9, 0x55, 0, 0, 0, 0x0f, 0x32],
      {
        rdmsr: (msr) => (msr === 0x1234 ? 0xaabb_ccdd_1122_3344n : undefined),
        wrmsr: (msr, v) => {
          writes.push([msr, v]);
          return msr === 0x99;
        },
      },
    );
    m.cpu.interceptExceptions = 1 << 13;
    const ex = m.run();
    expect(ex.reason).toBe(EXIT_EXCEPTION);
    expect(ex.vector).toBe(13);
    expect(m.cpu.rip).toBe(K + 19n);
    expect(m.cpu.getReg(0)).toBe(0x11223344n);
    expect(m.cpu.getReg(2)).toBe(0xaabbccddn);
    expect(writes).toEqual([[0x99, 0xaabb_ccdd_1122_3344n]]);
  });

  it('the cpuid hook overrides leaves; others use the default policy', () => {
    const m = kernel([0x0f, 0xa2, 0x89, 0xc6, 0x31, 0xc0, 0x0f, 0xa2, 0xf4], {
      cpuid: (leaf, _sub, out) => {
        if (leaf !== 0x40000000) return false;
        out.set([0x40000002, 0x566e6558, 0x65584d4d, 0x4d4d566e]);
        return true;
      },
    });
    m.cpu.setReg(0, 0x40000000n);
    m.run();
    expect(m.cpu.getReg(6)).toBe(0x40000002n); // esi = first eax
    expect(m.cpu.getReg(0)).toBe(7n); // max basic leaf of the default policy
  });
});

describe('interrupts', () => {
  it('an injected interrupt wakes a halted CPU and is delivered after the HLT', () => {
    const m = kernel([0xfb, 0xf4, 0x90]); // sti; hlt; nop
    expect(m.cpu.run(100).reason).toBe(EXIT_HLT);
    expect(m.cpu.halted).toBe(true);
    expect(m.cpu.run(100).reason).toBe(EXIT_HLT); // still halted: nothing pending
    m.cpu.injectInterrupt(0x30);
    const ex = m.cpu.run(100);
    expect(ex.reason).toBe(EXIT_HLT); // the stub's hlt
    expect(m.stoppedAtStub()).toBe(0x30);
    expect(m.frame(1)[0]).toBe(K + 2n);
  });

  it('interrupts wait while IF = 0', () => {
    const m = kernel([0xfa, 0x90, 0x90, 0xfb, 0x90, 0x90, 0xf4]); // cli; nop; nop; sti; nop; nop; hlt
    m.cpu.rflags = 0x2n;
    m.cpu.injectInterrupt(0x31);
    m.run();
    expect(m.stoppedAtStub()).toBe(0x31);
    // STI shadow: delivered after the instruction following STI
    expect(m.frame(1)[0]).toBe(K + 5n);
  });

  it('mov ss inhibits interrupts for one instruction', () => {
    const m = kernel([0x8c, 0xd0, 0x8e, 0xd0, 0x90, 0x90, 0xf4]); // mov eax, ss; mov ss, eax; nop; nop; hlt
    m.cpu.rflags = 0x202n;
    m.cpu.run(2); // up to and including mov ss
    m.cpu.injectInterrupt(0x32);
    m.run();
    expect(m.stoppedAtStub()).toBe(0x32);
    expect(m.frame(1)[0]).toBe(K + 5n);
  });

  it('requestStop from a callback ends run() after the current instruction', () => {
    let cpuRef: TestMachine | null = null;
    const m = kernel([0xe6, 0x10, 0x90, 0x90, 0xf4], { ioWrite: () => cpuRef!.cpu.requestStop() });
    cpuRef = m;
    const ex = m.cpu.run(100);
    expect(ex.reason).toBe(EXIT_STOP);
    expect(ex.instructions).toBe(1);
    expect(m.cpu.rip).toBe(K + 2n);
  });
});

describe('syscall and INT n interception', () => {
  function userMachine(code: number[]): TestMachine {
    const m = new TestMachine().boot({ cpl: 3, rip: 0x400000n, rsp: 0x7fff0800n });
    m.mapNew(0x400000n, P | U);
    m.mapNew(0x7fff0000n, P | W | U | NX);
    m.write(0x400000n, code);
    return m;
  }

  it('SYSCALL at an intercepted CPL exits with RCX/R11 set and RIP after it', () => {
    const m = userMachine([0x0f, 0x05, 0x90]);
    m.cpu.interceptSyscallCpls = 1 << 3;
    m.cpu.rflags = 0x246n;
    const ex = m.run();
    expect(ex.reason).toBe(EXIT_SYSCALL);
    expect(ex.insnLength).toBe(2);
    expect(ex.rip).toBe(0x400000n);
    expect(m.cpu.rip).toBe(0x400002n);
    expect(m.cpu.getReg(1)).toBe(0x400002n);
    expect(m.cpu.getReg(11)).toBe(0x246n);
    expect(m.cpu.cpl).toBe(3);
  });

  it('an intercepted INT n exits with the vector and RIP after it', () => {
    const m = userMachine([0xcd, 0x82]);
    m.cpu.interceptSoftInts[0x82 >>> 5] |= 1 << (0x82 & 31);
    const ex = m.run();
    expect(ex.reason).toBe(EXIT_SOFTWARE_INT);
    expect(ex.vector).toBe(0x82);
    expect(m.cpu.rip).toBe(0x400002n);
  });
});

describe('TSC and state access', () => {
  it('TSC = floor(instructions * scale) + offset', () => {
    const m = kernel([0x90, 0x90, 0x90, 0x0f, 0x31, 0xf4]);
    m.cpu.tscScale = 2.5;
    m.cpu.tscOffset = 1000;
    m.run();
    expect(m.cpu.getReg(0)).toBe(BigInt(Math.floor(3 * 2.5) + 1000));
  });

  it('writing IA32_TSC adjusts the offset', () => {
    const m = kernel([0x90]);
    m.cpu.instructionsRetired = 10;
    m.cpu.writeMsr(0x10, 5000n);
    expect(m.cpu.readMsr(0x10)).toBe(5000n);
  });

  it('registers are readable as bigints and through the Int32Array', () => {
    const m = kernel([]);
    m.cpu.setReg(9, 0x0123_4567_89ab_cdefn);
    expect(m.cpu.s[18]).toBe(0x89abcdef | 0);
    expect(m.cpu.s[19]).toBe(0x01234567);
    expect(m.cpu.getReg(9)).toBe(0x0123_4567_89ab_cdefn);
    m.cpu.rflags = 0x8d5n;
    expect(m.cpu.rflags).toBe(0x8d7n); // bit 1 always reads 1
  });

  it('the embedder can set CPL and user segments directly (no GDT walk)', () => {
    const m = kernel([]);
    m.mapNew(0x400000n, P | U);
    m.write(0x400000n, [0x0f, 0x20, 0xc0]); // mov rax, cr0 → #GP at CPL 3
    m.setCpl(3);
    m.cpu.rip = 0x400000n;
    m.cpu.interceptExceptions = 1 << 13;
    expect(m.run().reason).toBe(EXIT_EXCEPTION);
  });
});
