/**
 * MMX ↔ x87 state sharing (SDM Vol. 1 §9.5-9.6) and MMX availability faults, on the snippet machine
 * (CPL 3, data window at RDI). Arithmetic results are covered by the differential `mmx` group.
 */
import { describe, expect, it } from 'vitest';
import { buildSnippetMachine, SNIPPET_DATA } from '../../src/testing/run-snippet';
import { CR0, CR0_EM, CR0_TS } from '../../src/state/layout';
import { MF, NM, PF, UD } from '../../src/state/cpu-state';
import { EXIT_EXCEPTION } from '../../src';

const FLD1 = [0xd9, 0xe8];
const FCHS = [0xd9, 0xe0];
const FSQRT = [0xd9, 0xfa];
const FLDCW_RDI = [0xd9, 0x2f];
const FSTP_M64_RDI_8 = [0xdd, 0x5f, 0x08];
const MOVQ_MM0_RDI = [0x0f, 0x6f, 0x07];
const MOVQ_RAX_MM7 = [0x48, 0x0f, 0x7e, 0xf8];
const PADDB_MM0_MM1 = [0x0f, 0xfc, 0xc1];
const EMMS = [0x0f, 0x77];
/** Physical address of the snippet data window (page 7 of the snippet machine). */
const DATA_PHYS = 7 * 4096;

function machine(code: number[], data: (d: DataView) => void = () => {}, rdi = BigInt(SNIPPET_DATA)) {
  const bytes = new Uint8Array(4096);
  data(new DataView(bytes.buffer));
  const gpr = Array.from({ length: 16 }, (_, k) => (k === 4 ? 0x30000800n : k === 7 ? rdi : 0n));
  return buildSnippetMachine({
    code: Uint8Array.from(code),
    gpr,
    rflags: 0x202n,
    data: bytes,
    stack: new Uint8Array(4096),
  });
}

const top = (fsw: number): number => (fsw >> 11) & 7;
/** Sign/exponent field of physical register Rn (FpuState layout: R0 at 0x120, 16 bytes each). */
const exponentOf = (u8: Uint8Array, n: number): number =>
  u8[0x120 + n * 16 + 8] | (u8[0x120 + n * 16 + 9] << 8);

describe('MMX shares the x87 register file', () => {
  it('an MMX write stores the significand of physical R(n), sets exponent bits to ones, TOP = 0, all tags valid', () => {
    const { cpu } = machine([...FLD1, ...MOVQ_MM0_RDI], (d) => d.setBigUint64(0, 0x1122334455667788n, true));
    expect(cpu.run(2).instructions).toBe(2);
    const st = cpu.fpu;
    expect(top(st.fsw)).toBe(0);
    expect(st.ftw).toBe(0xff);
    expect(exponentOf(st.u8, 0)).toBe(0xffff);
    expect(new DataView(st.u8.buffer, st.u8.byteOffset + 0x120).getBigUint64(0, true)).toBe(
      0x1122334455667788n,
    );
  });

  it('MMn reads the physical register an x87 load wrote (FLD1 with TOP = 0 writes R7)', () => {
    const { cpu } = machine([...FLD1, ...MOVQ_RAX_MM7]);
    cpu.run(2);
    expect(cpu.getReg(0)).toBe(0x8000000000000000n); // 1.0: explicit integer bit only
  });

  it('after EMMS the x87 stack is empty again and FLD1 works', () => {
    const { cpu, memory } = machine([...MOVQ_MM0_RDI, ...EMMS, ...FLD1, ...FSTP_M64_RDI_8]);
    cpu.run(4);
    expect(cpu.fpu.ftw).toBe(0);
    expect(memory.readU64(DATA_PHYS + 8)).toBe(0x3ff0000000000000n);
  });

  it('without EMMS, FLD after MMX code overflows the stack (masked #IS → the real indefinite)', () => {
    const { cpu, memory } = machine([...MOVQ_MM0_RDI, ...FLD1, ...FSTP_M64_RDI_8]);
    cpu.run(3);
    expect(memory.readU64(DATA_PHYS + 8)).toBe(0xfff8000000000000n);
    expect(cpu.fpu.fsw & 0x41).toBe(0x41); // SF | IE
  });
});

describe('MMX availability and fault atomicity', () => {
  const expectFault = (cpu: ReturnType<typeof machine>['cpu'], vector: number) => {
    const ex = cpu.run(10);
    expect(ex.reason).toBe(EXIT_EXCEPTION);
    expect(ex.vector).toBe(vector);
  };

  it('CR0.EM = 1 → #UD', () => {
    const { cpu } = machine(PADDB_MM0_MM1);
    cpu.s[CR0] |= CR0_EM;
    expectFault(cpu, UD);
  });

  it('CR0.TS = 1 → #NM (EMMS too), and the x87 state is untouched', () => {
    for (const code of [PADDB_MM0_MM1, EMMS]) {
      const { cpu } = machine(code);
      cpu.s[CR0] |= CR0_TS;
      const ftw = cpu.fpu.ftw;
      expectFault(cpu, NM);
      expect(cpu.fpu.ftw).toBe(ftw);
    }
  });

  it('a pending unmasked x87 exception → #MF at the MMX instruction', () => {
    const { cpu } = machine([...FLDCW_RDI, ...FLD1, ...FCHS, ...FSQRT, ...PADDB_MM0_MM1], (d) =>
      d.setUint16(0, 0x037e, true),
    );
    expectFault(cpu, MF);
    expect(cpu.rip).toBe(0x10000000n + 2n + 2n + 2n + 2n);
  });

  it('a faulting memory operand leaves TOP and the tags unchanged', () => {
    const { cpu } = machine([...FLD1, ...MOVQ_MM0_RDI], () => {}, 0x50000000n);
    expectFault(cpu, PF);
    expect(top(cpu.fpu.fsw)).toBe(7);
    expect(cpu.fpu.ftw).toBe(0x80);
  });
});
