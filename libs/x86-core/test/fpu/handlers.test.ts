/**
 * The FPU rows end to end through the real decoder and handlers, on a minimal CPU (CpuState plus a
 * flat, unpaged memory in which addresses >= 64 KiB page-fault). Checks availability faults (#UD,
 * #NM, #MF, #XM), alignment #GP, GPR/EFLAGS/memory write-back and fault atomicity.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import type { Cpu } from '../../src/cpu';
import { buildTables, decode } from '../../src/decoder/decoder';
import { Insn } from '../../src/decoder/insn';
import { FPU_ROWS } from '../../src/fpu';
import { CpuState, GP, MF, NM, PF, UD, XM } from '../../src/state/cpu-state';
import { getFlags } from '../../src/state/flags';
import { CR0, CR0_MP, CR0_TS, CR4, CR4_OSFXSR, CR4_OSXMMEXCPT, RAX, RBX, RDI } from '../../src/state/layout';

const MEM = 1 << 16;

class FlatCpu extends CpuState {
  readonly mem = new Uint8Array(MEM);
  readonly dv = new DataView(this.mem.buffer);
  private ok(lo: number, hi: number, n: number): boolean {
    if (hi !== 0 || (lo >>> 0) + n > MEM) {
      this.raise(PF, 0);
      return false;
    }
    return true;
  }
  rd8(lo: number, hi: number): number {
    return this.ok(lo, hi, 1) ? this.mem[lo] : 0;
  }
  rd16(lo: number, hi: number): number {
    return this.ok(lo, hi, 2) ? this.dv.getUint16(lo, true) : 0;
  }
  rd32(lo: number, hi: number): number {
    return this.ok(lo, hi, 4) ? this.dv.getInt32(lo, true) : 0;
  }
  rd64(lo: number, hi: number): number {
    if (!this.ok(lo, hi, 8)) return 0;
    this.rhi = this.dv.getInt32(lo + 4, true);
    return this.dv.getInt32(lo, true);
  }
  wr8(lo: number, hi: number, v: number): number {
    if (!this.ok(lo, hi, 1)) return 2;
    this.mem[lo] = v;
    return 0;
  }
  wr16(lo: number, hi: number, v: number): number {
    if (!this.ok(lo, hi, 2)) return 2;
    this.dv.setUint16(lo, v, true);
    return 0;
  }
  wr32(lo: number, hi: number, v: number): number {
    if (!this.ok(lo, hi, 4)) return 2;
    this.dv.setInt32(lo, v, true);
    return 0;
  }
  wr64(lo: number, hi: number, vlo: number, vhi: number): number {
    if (!this.ok(lo, hi, 8)) return 2;
    this.dv.setInt32(lo, vlo, true);
    this.dv.setInt32(lo + 4, vhi, true);
    return 0;
  }
  probeW(lo: number, hi: number, n: number): number {
    return this.ok(lo, hi, n) ? lo : -1;
  }
}

const tables = buildTables(FPU_ROWS);
let cpu: FlatCpu;

/** Decode `hex` at RIP 0x1000 and run its handler; returns the handler result. */
function run(hex: string): number {
  const bytes = Buffer.from(hex.replace(/ /g, '') + '90'.repeat(15), 'hex');
  const i = new Insn(() => 0);
  const n = decode(tables, bytes, 0, bytes.length, 64, 0x1000, 0, i);
  expect(n, `decode ${hex}`).toBeGreaterThan(0);
  cpu.fault = 0;
  return i.row!.row.exec(cpu as unknown as Cpu, i);
}
function setReg(r: number, v: number): void {
  cpu.s[r << 1] = v;
  cpu.s[(r << 1) | 1] = 0;
}
const xmm = (x: number) => Buffer.from(cpu.fpu.u8.subarray(x * 16, x * 16 + 16)).toString('hex');

beforeEach(() => {
  cpu = new FlatCpu();
  cpu.s[CR4] = CR4_OSFXSR | CR4_OSXMMEXCPT;
});

describe('SSE handlers', () => {
  it('66 0f fc c1  paddb xmm0, xmm1', () => {
    cpu.fpu.u8.fill(1, 0, 16);
    cpu.fpu.u8.fill(0xff, 16, 32);
    expect(run('660ffcc1')).toBe(0);
    expect(xmm(0)).toBe('00'.repeat(16));
  });

  it('66 0f 6f 00  movdqa xmm0, [rax]: aligned load, misaligned #GP(0)', () => {
    cpu.mem.set(
      Array.from({ length: 16 }, (_, k) => k + 1),
      0x100,
    );
    setReg(RAX, 0x100);
    expect(run('660f6f00')).toBe(0);
    expect(xmm(0)).toBe('0102030405060708090a0b0c0d0e0f10');
    setReg(RAX, 0x108);
    expect(run('660f6f00')).toBe(2);
    expect(cpu.excVector).toBe(GP);
    expect(run('f30f6f00')).toBe(0); // movdqu accepts it
  });

  it('CR4.OSFXSR = 0 → #UD, CR0.TS → #NM, CR0.EM → #UD', () => {
    cpu.s[CR4] = 0;
    expect(run('0f28c1')).toBe(2);
    expect(cpu.excVector).toBe(UD);
    cpu.s[CR4] = CR4_OSFXSR;
    cpu.s[CR0] = CR0_TS;
    expect(run('0f28c1')).toBe(2);
    expect(cpu.excVector).toBe(NM);
    cpu.s[CR0] = 4;
    expect(run('0f28c1')).toBe(2);
    expect(cpu.excVector).toBe(UD);
  });

  it('f3 0f 7f 03  movdqu [rbx], xmm0; a faulting 16-byte store writes nothing', () => {
    cpu.fpu.u8.set(
      Array.from({ length: 16 }, (_, k) => 0xa0 + k),
      0,
    );
    setReg(RBX, 0x201);
    expect(run('f30f7f03')).toBe(0);
    expect(Buffer.from(cpu.mem.subarray(0x201, 0x211)).toString('hex')).toBe(xmm(0));
    setReg(RBX, MEM - 8);
    expect(run('f30f7f03')).toBe(2);
    expect(cpu.excVector).toBe(PF);
    expect(cpu.mem.subarray(MEM - 8).every((b) => b === 0)).toBe(true);
  });

  it('66 48 0f 7e c0  movq rax, xmm0 / 66 0f 6e c3  movd xmm0, ebx', () => {
    cpu.fpu.u32.set([0x11223344, 0x55667788], 0);
    expect(run('66480f7ec0')).toBe(0);
    expect(cpu.getReg(RAX)).toBe(0x5566778811223344n);
    cpu.setReg(RBX, 0xffffffff_87654321n);
    expect(run('660f6ec3')).toBe(0);
    expect(xmm(0)).toBe('21436587' + '00'.repeat(12));
  });

  it('0f 2e c1  ucomiss xmm0, xmm1 sets ZF PF CF and clears OF SF AF', () => {
    cpu.fpu.f32[0] = 1;
    cpu.fpu.f32[4] = 2;
    cpu.setFlags(0x8d5);
    expect(run('0f2ec1')).toBe(0);
    expect(getFlags(cpu.s) & 0x8d5).toBe(0x01);
    cpu.fpu.u32[4] = 0x7fc00000;
    expect(run('0f2ec1')).toBe(0);
    expect(getFlags(cpu.s) & 0x8d5).toBe(0x45);
  });

  it('f2 48 0f 2d c0  cvtsd2si rax, xmm0', () => {
    cpu.fpu.f64[0] = -3.5;
    expect(run('f2480f2dc0')).toBe(0);
    expect(cpu.getReg(RAX)).toBe(BigInt.asUintN(64, -4n));
  });

  it('unmasked SIMD exception → #XM, or #UD without CR4.OSXMMEXCPT', () => {
    cpu.fpu.mxcsr = 0x1f80 & ~0x200;
    cpu.fpu.f32[0] = 1;
    expect(run('f30f5ec1')).toBe(2); // divss xmm0, xmm1 by zero
    expect(cpu.excVector).toBe(XM);
    cpu.s[CR4] = CR4_OSFXSR;
    expect(run('f30f5ec1')).toBe(2);
    expect(cpu.excVector).toBe(UD);
    expect(cpu.fpu.f32[0]).toBe(1);
  });

  it('0f ae 10  ldmxcsr [rax] with reserved bits → #GP; 0f ae 18 stmxcsr', () => {
    setReg(RAX, 0x300);
    cpu.dv.setUint32(0x300, 0x12345, true);
    expect(run('0fae10')).toBe(2);
    expect(cpu.excVector).toBe(GP);
    cpu.dv.setUint32(0x300, 0x9fc0, true);
    expect(run('0fae10')).toBe(0);
    expect(run('0fae18')).toBe(0);
    expect(cpu.dv.getUint32(0x300, true)).toBe(0x9fc0);
  });

  it('48 0f ae 00 / 48 0f ae 08  fxsave64 / fxrstor64 round-trip through memory', () => {
    setReg(RAX, 0x400);
    cpu.fpu.u8.fill(0x5a, 0, 256);
    cpu.fpu.mxcsr = 0x1fa0;
    cpu.mem.fill(0xee, 0x400 + 416, 0x600);
    expect(run('480fae00')).toBe(0);
    expect(cpu.dv.getUint32(0x400 + 24, true)).toBe(0x1fa0);
    expect(cpu.mem[0x400 + 160]).toBe(0x5a);
    expect(cpu.mem[0x400 + 500]).toBe(0xee);
    cpu.fpu.reset();
    expect(run('480fae08')).toBe(0);
    expect(cpu.fpu.mxcsr).toBe(0x1fa0);
    expect(cpu.fpu.u8[255]).toBe(0x5a);
    setReg(RAX, 0x408);
    expect(run('0fae00')).toBe(2);
    expect(cpu.excVector).toBe(GP);
  });

  it('66 0f f7 c1  maskmovdqu xmm0, xmm1 stores the selected bytes at [rdi]', () => {
    cpu.fpu.u8.fill(0x77, 0, 16);
    cpu.fpu.u8[16] = 0x80;
    cpu.fpu.u8[31] = 0xff;
    setReg(RDI, 0x500);
    expect(run('660ff7c1')).toBe(0);
    expect([cpu.mem[0x500], cpu.mem[0x501], cpu.mem[0x50f]]).toEqual([0x77, 0, 0x77]);
  });
});

describe('x87 handlers', () => {
  it('d9 e8 / dd 18  fld1; fstp qword [rax] — records FIP, FOP, FDP', () => {
    setReg(RAX, 0x600);
    expect(run('d9e8')).toBe(0);
    expect(run('dd18')).toBe(0);
    expect(cpu.dv.getFloat64(0x600, true)).toBe(1);
    expect(cpu.fpu.fop).toBe(0x518);
    expect(cpu.fpu.u32[0x1a8 >> 2]).toBe(0x1000);
    expect(cpu.fpu.u32[0x1b0 >> 2]).toBe(0x600);
    expect(cpu.fpu.ftw).toBe(0);
  });

  it('db 28 / db 3b  fld tbyte [rax]; fstp tbyte [rbx] copy 80 bits exactly', () => {
    const pat = [0x01, 0, 0, 0, 0, 0, 0, 0xa0, 0xff, 0x7f]; // SNaN
    cpu.mem.set(pat, 0x700);
    setReg(RAX, 0x700);
    setReg(RBX, 0x710);
    expect(run('db28')).toBe(0);
    expect(run('db3b')).toBe(0);
    expect(Array.from(cpu.mem.subarray(0x710, 0x71a))).toEqual(pat);
  });

  it('a faulting store leaves the stack unchanged (restartable)', () => {
    expect(run('d9eb')).toBe(0); // fldpi
    const fsw = cpu.fpu.fsw;
    setReg(RAX, MEM - 4);
    expect(run('dd18')).toBe(2); // fstp qword [rax] → #PF
    expect(cpu.excVector).toBe(PF);
    expect(cpu.fpu.fsw).toBe(fsw);
    expect(cpu.fpu.ftw).not.toBe(0);
  });

  it('df e0  fnstsw ax; db f1  fcomi st0, st1 sets EFLAGS', () => {
    expect(run('d9e8')).toBe(0); // fld1
    expect(run('d9ee')).toBe(0); // fldz: st0 = 0, st1 = 1
    expect(run('dbf1')).toBe(0);
    expect(getFlags(cpu.s) & 0x45).toBe(0x01);
    expect(run('dfe0')).toBe(0);
    expect(cpu.s16[0] >> 11).toBe(6);
  });

  it('CR0.TS → #NM; a pending unmasked exception → #MF on waiting instructions only', () => {
    cpu.s[CR0] = CR0_TS;
    expect(run('d9e8')).toBe(2);
    expect(cpu.excVector).toBe(NM);
    expect(run('9b')).toBe(0); // fwait: #NM only with MP
    cpu.s[CR0] = CR0_TS | CR0_MP;
    expect(run('9b')).toBe(2);
    cpu.s[CR0] = 0;
    cpu.fpu.fcw = 0x037e;
    expect(run('d9ee')).toBe(0);
    expect(run('d9ee')).toBe(0);
    expect(run('dec9')).toBe(0); // fmulp: 0 * 0 fine
    expect(run('d9ee')).toBe(0);
    expect(run('d8f1')).toBe(0); // fdiv st0, st1: 0/0 → #IA unmasked, pending
    expect(run('d9e8')).toBe(2);
    expect(cpu.excVector).toBe(MF);
    expect(run('dfe0')).toBe(0); // fnstsw ax is no-wait
    expect(cpu.s16[0] & 0x81).toBe(0x81);
    expect(run('dbe2')).toBe(0); // fnclex
    expect(run('d9e8')).toBe(0);
  });
});

describe('x87 packed BCD handlers', () => {
  const top = (): number => (cpu.fpu.fsw >> 11) & 7;

  it('df 20  fbld [rax] / df 33  fbstp [rbx]: round trip, pop; a faulting fbstp keeps ST(0)', () => {
    const bcd = '78563412907856341280'; // -123456789012345678
    cpu.mem.set(Buffer.from(bcd, 'hex'), 0x100);
    setReg(RAX, 0x100);
    setReg(RBX, 0x200);
    expect(run('df20')).toBe(0);
    expect(top()).toBe(7);
    expect(run('df33')).toBe(0);
    expect(top()).toBe(0);
    expect(Buffer.from(cpu.mem.subarray(0x200, 0x20a)).toString('hex')).toBe(bcd);

    expect(run('df20')).toBe(0);
    setReg(RBX, MEM - 4); // the 10-byte destination crosses into unmapped memory
    expect(run('df33')).toBe(2);
    expect(cpu.excVector).toBe(PF);
    expect(top()).toBe(7);
    expect(cpu.mem.subarray(MEM - 4).every((b) => b === 0)).toBe(true);
  });
});
