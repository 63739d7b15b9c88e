/**
 * Compiled blocks and regions must behave exactly like the interpreter loop: same registers, memory,
 * instruction counts and exits, for any budget split.
 */
import { describe, expect, it } from 'vitest';
import { EXIT_BUDGET, EXIT_HLT } from '../../src';
import { P, TestMachine, W } from '../helpers/machine';

/**
 * Generated machine code (gcc 12 -O2 -mgeneral-regs-only, freestanding, .text at 0x400000; see
 * docs/x86-core.md): fills 300 u32 at 0x600000 from an LCG, bubble-sorts them, hashes them,
 * leaves the hash in rax and executes hlt. Entry point _start = 0x4000d0. The native build of the
 * same C source prints 90839b00631a9797.
 */
const PROG =
  '4989f885f60f8ebe00000049ba2d7f954c2df451584c63ce4889f84e8d1c8f48bf4f8167f77e7b05140f1f8000000000490fafd24883c0044801fa4889d148c1e9218948fc4c39d875e64d8d500483fe017e340f1f4400008d46fe498d3c824c89c0660f1f4400008b108b480439d1730589088950044883c0044839f875e983ee0183fe017fd183ee0175c248bfb30100000001000031d231f6660f1f440000418b0c904889c84831f1480fafcfc1e803f6c203480f44c24883c201488d34084c39ca75db4889f0c331f64889f0c390ba39300000be2c010000bf00006000e81cffffff4889c24889d0f4ebfe';
const ENTRY = 0x4000d0n;
const EXPECTED = 0x90839b00631a9797n;

function machine(compile: boolean): TestMachine {
  const m = new TestMachine().boot({ cpl: 0, rip: ENTRY });
  m.mapNew(0x400000n, P, 1);
  m.write(0x400000n, Uint8Array.from(Buffer.from(PROG, 'hex')));
  m.mapNew(0x600000n, P | W, 1);
  m.cpu.compileBlocks = compile;
  m.cpu.compileThreshold = 16;
  return m;
}

describe('block compiler', () => {
  it('the program computes the native result with and without compilation', () => {
    for (const compile of [false, true]) {
      const m = machine(compile);
      let ex;
      do ex = m.cpu.run(1_000_000);
      while (ex.reason === EXIT_BUDGET);
      expect(ex.reason).toBe(EXIT_HLT);
      expect(m.cpu.getReg(0)).toBe(EXPECTED);
    }
  });

  it('compiled and interpreted runs agree at every budget boundary', () => {
    const a = machine(true);
    const b = machine(false);
    let seed = 7;
    for (let step = 0; step < 4000; step++) {
      seed = (seed * 1103515245 + 12345) >>> 0;
      const budget = 1 + (seed % 3000);
      const ea = a.cpu.run(budget);
      const eb = b.cpu.run(budget);
      expect(ea.reason).toBe(eb.reason);
      expect(ea.instructions).toBe(eb.instructions);
      expect(a.cpu.rip).toBe(b.cpu.rip);
      for (let r = 0; r < 16; r++) expect(a.cpu.getReg(r)).toBe(b.cpu.getReg(r));
      expect(a.cpu.rflags).toBe(b.cpu.rflags);
      if (ea.reason === EXIT_HLT) break;
    }
    expect(a.cpu.getReg(0)).toBe(EXPECTED);
    expect(Buffer.compare(Buffer.from(a.read(0x600000n, 1200)), Buffer.from(b.read(0x600000n, 1200)))).toBe(
      0,
    );
    expect(a.cpu.blocks.size).toBeGreaterThan(5);
    const all = [...a.cpu.blocks.values()];
    expect(all.some((blk) => blk.fn !== null && blk.region === null)).toBe(true); // single compiled blocks
    expect(all.some((blk) => blk.region !== null && blk.region.length > 1)).toBe(true); // multi-block loops
    expect([...b.cpu.blocks.values()].every((blk) => blk.fn === null)).toBe(true);
  });
});
