/**
 * Decoded-block cache: self-modifying code, code written by the embedder through PhysicalMemory,
 * REP MOVS over code, blocks compiled after they become hot, aliases of one physical page.
 */
import { describe, expect, it } from 'vitest';
import { EXIT_HLT } from '../../src';
import { KCODE, P, TestMachine, W } from '../helpers/machine';

const K = BigInt.asUintN(64, KCODE);

function kernel(code: number[], flags = P | W): TestMachine {
  const m = new TestMachine().boot({ cpl: 0 });
  m.mapNew(KCODE, flags);
  m.write(KCODE, code);
  return m;
}

describe('self-modifying code', () => {
  it('a store to the next instruction of the same block is seen', () => {
    // mov byte [rip+1], 0x22   (patches the imm8 of the following mov al, 0x11); mov al, 0x11; hlt
    const m = kernel([0xc6, 0x05, 0x01, 0x00, 0x00, 0x00, 0x22, 0xb0, 0x11, 0xf4]);
    expect(m.run().reason).toBe(EXIT_HLT);
    expect(m.cpu.getReg(0) & 0xffn).toBe(0x22n);
  });

  it('a loop patching its own body sees each new version', () => {
    // L: add eax, 1 (83 c0 01) ; inc byte [rip - 7] (fe 05 f9 ff ff ff → patches the imm8); dec ecx; jnz L; hlt
    const code = [0x83, 0xc0, 0x01, 0xfe, 0x05, 0xf9, 0xff, 0xff, 0xff, 0xff, 0xc9, 0x75, 0xf3, 0xf4];
    const m = kernel(code);
    m.cpu.setReg(1, 100n);
    expect(m.run().reason).toBe(EXIT_HLT);
    // adds 1 + 2 + ... + 100
    expect(m.cpu.getReg(0)).toBe(5050n);
  });

  it('a compiled multi-block loop that patches itself sees the new code', () => {
    // B1: add eax, 1; cmp ecx, 50; jne B2 ; mov byte [rip-13], 5 (the add's imm8) ; B2: dec ecx; jnz B1; hlt
    const code = [
      0x83, 0xc0, 0x01, 0x83, 0xf9, 0x32, 0x75, 0x07, 0xc6, 0x05, 0xf3, 0xff, 0xff, 0xff, 0x05, 0xff, 0xc9,
      0x75, 0xed, 0xf4,
    ];
    const m = kernel(code);
    m.cpu.compileThreshold = 3;
    m.cpu.setReg(1, 100n);
    expect(m.run().reason).toBe(EXIT_HLT);
    // 51 iterations add 1 (the patch happens in the 51st, after its add), 49 add 5
    expect(m.cpu.getReg(0)).toBe(51n + 49n * 5n);
    const compiled = [...m.cpu.blocks.values()].filter((b) => b.fn !== null);
    expect(compiled.length).toBeGreaterThan(0);
  });

  it('code written by the embedder replaces cached blocks', () => {
    const m = kernel([0xb8, 0x01, 0x00, 0x00, 0x00, 0xf4]); // mov eax, 1; hlt
    for (let k = 0; k < 40; k++) {
      m.cpu.rip = K;
      m.run();
    }
    expect(m.cpu.getReg(0)).toBe(1n);
    m.mem.write(m.phys(KCODE), Uint8Array.from([0xb8, 0x02, 0x00, 0x00, 0x00, 0xf4]));
    m.cpu.rip = K;
    m.run();
    expect(m.cpu.getReg(0)).toBe(2n);
  });

  it('rep movsb copying over executed code invalidates it', () => {
    const m = kernel([]);
    const target = KCODE + 0x100n;
    m.write(target, [0xb8, 0x01, 0x00, 0x00, 0x00, 0xc3]); // mov eax, 1; ret
    m.write(KCODE + 0x200n, [0xb8, 0x07, 0x00, 0x00, 0x00, 0xc3]); // mov eax, 7; ret
    // call target; lea rsi,[rip+...]; mov rdi, target...: simpler: set registers and run the copy
    // call rel32 (to +0x100); mov ecx, 6; rep movsb; call target; hlt
    m.write(
      KCODE,
      [
        0xe8, 0xfb, 0x00, 0x00, 0x00, 0xb9, 0x06, 0x00, 0x00, 0x00, 0xf3, 0xa4, 0xe8, 0xef, 0x00, 0x00, 0x00,
        0xf4,
      ],
    );
    m.cpu.setReg(6, KCODE + 0x200n);
    m.cpu.setReg(7, target);
    expect(m.run().reason).toBe(EXIT_HLT);
    expect(m.cpu.getReg(0)).toBe(7n);
  });

  it('the same physical page mapped at two linear addresses runs correctly from both', () => {
    const m = kernel([0x48, 0x8d, 0x05, 0xf9, 0xff, 0xff, 0xff, 0xf4]); // lea rax, [rip-7] (= own address); hlt
    const ALIAS = KCODE + 0x10000n;
    m.map(ALIAS, m.phys(KCODE), P);
    m.run();
    expect(m.cpu.getReg(0)).toBe(K);
    m.cpu.rip = BigInt.asUintN(64, ALIAS);
    m.run();
    expect(m.cpu.getReg(0)).toBe(BigInt.asUintN(64, ALIAS));
  });

  it('an instruction straddling two pages decodes from both (and faults if the second is missing)', () => {
    const m = new TestMachine().boot({ cpl: 0, rip: KCODE + 0xffdn });
    m.mapNew(KCODE, P);
    m.write(KCODE + 0xffdn, [0x48, 0xb8, 0x11]); // mov rax, imm64 split across the boundary
    m.cpu.interceptExceptions = -1;
    const ex = m.run();
    expect(ex.vector).toBe(14);
    expect(ex.faultAddress).toBe(K + 0x1000n);
    expect(ex.errorCode).toBe(0x10); // not present, instruction fetch
    m.mapNew(KCODE + 0x1000n, P);
    m.write(KCODE + 0x1000n, [0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0xf4]);
    m.cpu.rip = K + 0xffdn;
    m.run();
    expect(m.cpu.getReg(0)).toBe(0x8877665544332211n);
  });
});
