/**
 * PEXTRW / PINSRW (mm and xmm forms), MOVQ2DQ, MOVDQ2Q and MASKMOVQ on the snippet machine: lane
 * masking of imm8, zero-extension into r32/r64, the untouched lanes, and the MMX state transition.
 * Native results for the same instructions are in the differential `mmx` group.
 */
import { describe, expect, it } from 'vitest';
import { buildSnippetMachine, SNIPPET_DATA } from '../../src/testing/run-snippet';
import { CR0, CR0_TS } from '../../src/state/layout';
import { NM } from '../../src/state/cpu-state';
import { EXIT_EXCEPTION } from '../../src';

const DATA_PHYS = 7 * 4096;
const MOVQ_MM0_RDI = [0x0f, 0x6f, 0x07];
const MOVQ_MM1_RDI8 = [0x0f, 0x6f, 0x4f, 0x08];

function machine(code: number[], data: (d: DataView) => void = () => {}) {
  const bytes = new Uint8Array(4096);
  data(new DataView(bytes.buffer));
  const gpr = Array.from({ length: 16 }, (_, k) =>
    k === 4 ? 0x30000800n : k === 7 ? BigInt(SNIPPET_DATA) : k === 0 ? 0xffffffffffffffffn : 0n,
  );
  return buildSnippetMachine({
    code: Uint8Array.from(code),
    gpr,
    rflags: 0x202n,
    data: bytes,
    stack: new Uint8Array(4096),
  });
}

const xmmQword = (u8: Uint8Array, x: number, half: number): bigint =>
  new DataView(u8.buffer, u8.byteOffset).getBigUint64(x * 16 + half * 8, true);

describe('PEXTRW / PINSRW', () => {
  it('mm forms mask imm8 to two bits, read m16 and zero-extend into r64', () => {
    const code = [
      ...MOVQ_MM0_RDI,
      ...[0x0f, 0xc4, 0x47, 0x08, 0x06], // pinsrw mm0, word [rdi+8], 6 → lane 2
      ...[0x48, 0x0f, 0xc5, 0xc0, 0xfe], // pextrw rax, mm0, 0xfe → lane 2
      ...[0x0f, 0xc5, 0xc8, 0x03], // pextrw ecx, mm0, 3
      ...[0x0f, 0x7f, 0x47, 0x10], // movq [rdi+16], mm0
    ];
    const { cpu, memory } = machine(code, (d) => {
      d.setBigUint64(0, 0x4444333322221111n, true);
      d.setUint32(8, 0xdead_beef, true);
    });
    expect(cpu.run(5).instructions).toBe(5);
    expect(cpu.getReg(0)).toBe(0xbeefn);
    expect(cpu.getReg(1)).toBe(0x4444n);
    expect(memory.readU64(DATA_PHYS + 16)).toBe(0x4444beef22221111n);
    expect(cpu.fpu.ftw).toBe(0xff);
  });

  it('xmm forms select one of eight lanes from r32 and leave the others alone', () => {
    const code = [
      ...[0x66, 0x44, 0x0f, 0xc4, 0xcc, 0x0d], // pinsrw xmm9, esp, 13 → lane 5
      ...[0x66, 0x45, 0x0f, 0xc5, 0xd1, 0x05], // pextrw r10d, xmm9, 5
      ...[0x66, 0x41, 0x0f, 0xc5, 0xc1, 0x04], // pextrw eax, xmm9, 4
    ];
    const { cpu } = machine(code);
    cpu.fpu.i32.fill(-1, 9 * 4, 9 * 4 + 4);
    expect(cpu.run(3).instructions).toBe(3);
    expect(cpu.getReg(10)).toBe(0x800n);
    expect(cpu.getReg(0)).toBe(0xffffn);
    expect(xmmQword(cpu.fpu.u8, 9, 0)).toBe(0xffffffffffffffffn);
    expect(xmmQword(cpu.fpu.u8, 9, 1)).toBe(0xffffffff0800ffffn);
  });

  it('the mm forms fault #NM with CR0.TS set', () => {
    const { cpu } = machine([0x0f, 0xc5, 0xc0, 0x00]);
    cpu.s[CR0] |= CR0_TS;
    const r = cpu.run(1);
    expect(r.reason).toBe(EXIT_EXCEPTION);
    expect(r.vector).toBe(NM);
  });
});

describe('MOVQ2DQ / MOVDQ2Q / MASKMOVQ', () => {
  it('MOVQ2DQ zero-extends mm into xmm; MOVDQ2Q takes the low qword', () => {
    const code = [
      ...MOVQ_MM0_RDI,
      ...[0xf3, 0x44, 0x0f, 0xd6, 0xd8], // movq2dq xmm11, mm0
      ...[0xf2, 0x41, 0x0f, 0xd6, 0xcb], // movdq2q mm1, xmm11
      ...[0x0f, 0x7f, 0x4f, 0x10], // movq [rdi+16], mm1
    ];
    const { cpu, memory } = machine(code, (d) => d.setBigUint64(0, 0x0123456789abcdefn, true));
    cpu.fpu.i32.fill(-1, 11 * 4, 11 * 4 + 4);
    expect(cpu.run(4).instructions).toBe(4);
    expect(xmmQword(cpu.fpu.u8, 11, 0)).toBe(0x0123456789abcdefn);
    expect(xmmQword(cpu.fpu.u8, 11, 1)).toBe(0n);
    expect(memory.readU64(DATA_PHYS + 16)).toBe(0x0123456789abcdefn);
  });

  it('MASKMOVQ stores exactly the bytes whose mask byte has bit 7 set, at [rdi]', () => {
    const code = [
      ...[0x0f, 0x6f, 0x47, 0x10], // movq mm0, [rdi+16] (data)
      ...MOVQ_MM1_RDI8, // mask
      ...[0x0f, 0xf7, 0xc1], // maskmovq mm0, mm1
    ];
    const { cpu, memory } = machine(code, (d) => {
      d.setBigUint64(0, 0x5555555555555555n, true);
      d.setBigUint64(8, 0x80_7f_ff_00_81_01_c0_00n, true);
      d.setBigUint64(16, 0x1122334455667788n, true);
    });
    expect(cpu.run(3).instructions).toBe(3);
    expect(memory.readU64(DATA_PHYS)).toBe(0x1155335555557755n);
  });
});
