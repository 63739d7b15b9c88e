/**
 * Stack, branches, conditional moves/sets, conversions and miscellaneous user-mode instructions.
 */
import { describe, expect, it } from 'vitest';
import { CF, DATA, STACK, ZF, run, u64 } from '../helpers/snippet';

const RSP0 = STACK + 0x800n;

describe('stack', () => {
  it('push rax; pop rbx  (50 5b)', () => {
    const r = run([0x50, 0x5b], { regs: { rax: 0x1122334455667788n } });
    expect(r.reg('rbx')).toBe(0x1122334455667788n);
    expect(r.reg('rsp')).toBe(RSP0);
    expect(r.stackView.getBigUint64(0x7f8, true)).toBe(0x1122334455667788n);
  });

  it('push imm8 is sign-extended to 64 bits  (6a a0)', () => {
    const r = run([0x6a, 0xa0]);
    expect(r.reg('rsp')).toBe(RSP0 - 8n);
    expect(r.stackView.getBigUint64(0x7f8, true)).toBe(u64(-0x60n));
  });

  it('66 push imm8 pushes 2 bytes  (66 6a 83)', () => {
    const r = run([0x66, 0x6a, 0x83]);
    expect(r.reg('rsp')).toBe(RSP0 - 2n);
    expect(r.stackView.getUint16(0x7fe, true)).toBe(0xff83);
  });

  it('pop [rsp] computes the address after the increment  (8f 04 24)', () => {
    const r = run([0x8f, 0x04, 0x24], { stack: (d) => (d[0x800] = 0x5a) });
    expect(r.reg('rsp')).toBe(RSP0 + 8n);
    expect(r.stack[0x808]).toBe(0x5a);
  });

  it('pushfq / popfq round-trip the status flags  (9c 58 ... 50 9d)', () => {
    const r = run([0x9c, 0x58, 0x48, 0x83, 0xc8, 0x01, 0x50, 0x9d]); // pushfq; pop rax; or rax,1; push rax; popfq
    expect(r.status & CF).toBe(CF);
    expect(r.rflags & 0x200n).toBe(0x200n); // IF stays set at CPL 3
  });

  it('popf at CPL 3 cannot clear IF or change IOPL  (6a 00 9d)', () => {
    const r = run([0x6a, 0x00, 0x9d]);
    expect(r.rflags & 0x3200n).toBe(0x200n);
  });

  it('enter 0x10, 0 / leave  (c8 10 00 00 ; c9)', () => {
    const r = run([0xc8, 0x10, 0x00, 0x00, 0x48, 0x89, 0xe0, 0xc9], { regs: { rbp: 0x1234n } });
    // after enter: rbp = RSP0-8, rsp = rbp-0x10; rax = rsp; after leave rbp restored
    expect(r.reg('rax')).toBe(RSP0 - 8n - 0x10n);
    expect(r.reg('rbp')).toBe(0x1234n);
    expect(r.reg('rsp')).toBe(RSP0);
  });

  it('enter with nesting level 2 copies the frame pointer  (c8 08 00 02)', () => {
    const r = run([0xc8, 0x08, 0x00, 0x02], {
      regs: { rbp: STACK + 0x900n },
      stack: (d) => new DataView(d.buffer).setBigUint64(0x8f8, 0xabcn, true),
    });
    expect(r.stackView.getBigUint64(0x7f8, true)).toBe(STACK + 0x900n); // old rbp
    expect(r.stackView.getBigUint64(0x7f0, true)).toBe(0xabcn); // copied [rbp-8]
    expect(r.stackView.getBigUint64(0x7e8, true)).toBe(RSP0 - 8n); // frame temp
    expect(r.reg('rbp')).toBe(RSP0 - 8n);
    expect(r.reg('rsp')).toBe(RSP0 - 0x18n - 8n);
  });

  it('push beyond the stack window faults with RSP unchanged  (50)', () => {
    const r = run([0x50], { regs: { rsp: STACK } });
    expect(r.exception).toEqual({ vector: 14, errorCode: 6 });
    expect(r.reg('rsp')).toBe(STACK);
  });

  it('non-canonical RSP gives #SS  (50)', () => {
    const r = run([0x50], { regs: { rsp: 0x8000_0000_0000_0008n } });
    expect(r.exception?.vector).toBe(12);
  });
});

describe('branches', () => {
  it('call rel32; ret  (e8 02 00 00 00 ; eb 01 ; c3)', () => {
    // call L; jmp end; L: ret
    const r = run([0xe8, 0x02, 0x00, 0x00, 0x00, 0xeb, 0x01, 0xc3]);
    expect(r.exception).toBeUndefined();
    expect(r.rip).toBe(0x10000008n);
    expect(r.reg('rsp')).toBe(RSP0);
  });

  it('loop counts rcx down  (b9 05 00 00 00 ; ff c0 ; e2 fc)', () => {
    const r = run([0xb9, 0x05, 0x00, 0x00, 0x00, 0xff, 0xc0, 0xe2, 0xfc]);
    expect(r.reg('rax')).toBe(5n);
    expect(r.reg('rcx')).toBe(0n);
    expect(r.instructions).toBe(11);
  });

  it('jrcxz taken when rcx = 0  (e3 02 ; ff c0 ; ff c3)', () => {
    const r = run([0xe3, 0x02, 0xff, 0xc0, 0xff, 0xc3], { regs: { rcx: 0n } });
    expect(r.reg('rax')).toBe(0n);
    expect(r.reg('rbx')).toBe(1n);
  });

  it('cmp + jl / jge on signed values  (48 39 d8 ; 7c 02 ; ff c1 ; ...)', () => {
    // cmp rax, rbx; jl +2; inc ecx; (target) nop
    const code = [0x48, 0x39, 0xd8, 0x7c, 0x02, 0xff, 0xc1, 0x90];
    expect(run(code, { regs: { rax: u64(-1n), rbx: 1n } }).reg('rcx')).toBe(0n);
    expect(run(code, { regs: { rax: 2n, rbx: 1n } }).reg('rcx')).toBe(1n);
  });

  it('ja / jbe on unsigned 64-bit values  (48 39 d8 ; 77 02 ; ff c1 ; 90)', () => {
    const code = [0x48, 0x39, 0xd8, 0x77, 0x02, 0xff, 0xc1, 0x90];
    expect(run(code, { regs: { rax: u64(-1n), rbx: 1n } }).reg('rcx')).toBe(0n);
    expect(run(code, { regs: { rax: 1n, rbx: 1n } }).reg('rcx')).toBe(1n);
  });

  it('jmp rax to a non-canonical address is #GP at the jmp  (ff e0)', () => {
    const r = run([0xff, 0xe0], { regs: { rax: 0x0000_8000_0000_0000n } });
    expect(r.exception).toEqual({ vector: 13, errorCode: 0 });
    expect(r.rip).toBe(0x10000000n);
  });

  it('jmp [rbx] to an unmapped address is a fetch #PF  (ff 23)', () => {
    const r = run([0xff, 0x23], {
      regs: { rbx: DATA },
      data: (d) => new DataView(d.buffer).setBigUint64(0, 0x50000000n, true),
    });
    expect(r.exception).toEqual({ vector: 14, errorCode: 0x14 });
    expect(r.rip).toBe(0x50000000n);
  });

  it('executing the NX data window is a fetch #PF with P=1  (ff e3)', () => {
    const r = run([0xff, 0xe3], { regs: { rbx: DATA } });
    expect(r.exception).toEqual({ vector: 14, errorCode: 0x15 });
  });
});

describe('cmov / setcc', () => {
  it('cmove rax, rbx  (48 0f 44 c3) moves only when ZF', () => {
    expect(run([0x48, 0x0f, 0x44, 0xc3], { regs: { rax: 1n, rbx: 2n }, flags: ZF }).reg('rax')).toBe(2n);
    expect(run([0x48, 0x0f, 0x44, 0xc3], { regs: { rax: 1n, rbx: 2n } }).reg('rax')).toBe(1n);
  });

  it('cmovne eax, ebx with a false condition still clears bits 63:32  (0f 45 c3)', () => {
    const r = run([0x0f, 0x45, 0xc3], { regs: { rax: 0xffff_ffff_0000_0001n, rbx: 2n }, flags: ZF });
    expect(r.reg('rax')).toBe(1n);
  });

  it('setb / seta after a compare  (39 d8 ; 0f 92 c1 ; 0f 97 c2)', () => {
    const r = run([0x39, 0xd8, 0x0f, 0x92, 0xc1, 0x0f, 0x97, 0xc2], { regs: { rax: 1n, rbx: 2n } });
    expect(r.reg('rcx')).toBe(1n);
    expect(r.reg('rdx')).toBe(0n);
  });
});

describe('conversions and moves', () => {
  it('cbw / cwde / cdqe  (66 98 ; 98 ; 48 98)', () => {
    expect(run([0x66, 0x98], { regs: { rax: 0x80n } }).reg('rax')).toBe(0xff80n);
    expect(run([0x98], { regs: { rax: 0x8000n } }).reg('rax')).toBe(0xffff8000n);
    expect(run([0x48, 0x98], { regs: { rax: 0x80000000n } }).reg('rax')).toBe(u64(-0x80000000n));
  });

  it('cwd / cdq / cqo  (66 99 ; 99 ; 48 99)', () => {
    expect(run([0x66, 0x99], { regs: { rax: 0x8000n } }).reg('rdx')).toBe(0xffffn);
    expect(run([0x99], { regs: { rax: 0x80000000n } }).reg('rdx')).toBe(0xffffffffn);
    expect(run([0x48, 0x99], { regs: { rax: 1n << 63n } }).reg('rdx')).toBe(u64(-1n));
  });

  it('movsx / movzx / movsxd  (48 0f be c3 ; 0f b7 cb ; 48 63 d3)', () => {
    const r = run([0x48, 0x0f, 0xbe, 0xc3, 0x0f, 0xb7, 0xcb, 0x48, 0x63, 0xd3], {
      regs: { rbx: 0x8000_0080n },
    });
    expect(r.reg('rax')).toBe(u64(-0x80n));
    expect(r.reg('rcx')).toBe(0x80n);
    expect(r.reg('rdx')).toBe(u64(-0x7fffff80n));
  });

  it('mov rax, [rip+disp32] reaches the data window  (48 8b 05 f9 ff ff 0f)', () => {
    const r = run([0x48, 0x8b, 0x05, 0xf9, 0xff, 0xff, 0x0f], { data: (d) => (d[0] = 0x42) });
    expect(r.reg('rax')).toBe(0x42n);
  });

  it('lea rax, [rax + rbx*4 + 8]  (48 8d 44 98 08)', () => {
    expect(run([0x48, 0x8d, 0x44, 0x98, 0x08], { regs: { rax: 1n, rbx: 2n } }).reg('rax')).toBe(17n);
  });

  it('lea eax, [rbx-1] truncates to 32 bits  (8d 43 ff)', () => {
    expect(run([0x8d, 0x43, 0xff], { regs: { rbx: 0n } }).reg('rax')).toBe(0xffffffffn);
  });

  it('mov rax, imm64  (48 b8 ...)', () => {
    const r = run([0x48, 0xb8, 0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11]);
    expect(r.reg('rax')).toBe(0x1122334455667788n);
  });

  it('bswap / xchg  (48 0f cb ; 48 87 d8)', () => {
    const r = run([0x48, 0x0f, 0xcb, 0x48, 0x87, 0xd8], { regs: { rbx: 0x0102030405060708n, rax: 9n } });
    expect(r.reg('rax')).toBe(0x0807060504030201n);
    expect(r.reg('rbx')).toBe(9n);
  });

  it('lahf / sahf  (9f ; 80 f4 01 ; 9e)', () => {
    const r = run([0x9f, 0x80, 0xf4, 0x01, 0x9e], { flags: ZF }); // lahf; xor ah,1; sahf
    expect(r.status & (CF | ZF)).toBe(CF | ZF);
  });

  it('mov to a non-writable code page is #PF W|U|P  (88 05 ...)', () => {
    // mov [rip-6], al → writes the code page
    const r = run([0x88, 0x05, 0xfa, 0xff, 0xff, 0xff]);
    expect(r.exception).toEqual({ vector: 14, errorCode: 7 });
  });

  it('fs-relative load after wrfsbase  (f3 48 0f ae d3 ; 64 48 8b 04 25 10 00 00 00)', () => {
    const r = run([0xf3, 0x48, 0x0f, 0xae, 0xd3, 0x64, 0x48, 0x8b, 0x04, 0x25, 0x10, 0x00, 0x00, 0x00], {
      regs: { rbx: DATA },
      data: (d) => (d[0x10] = 0x66),
    });
    expect(r.reg('rax')).toBe(0x66n);
  });
});

describe('exceptions from user mode', () => {
  it('ud2 is #UD  (0f 0b)', () => {
    expect(run([0x0f, 0x0b]).exception).toEqual({ vector: 6 });
  });
  it('int3 is #BP, reported after the instruction  (cc 90)', () => {
    const r = run([0xcc, 0x90]);
    expect(r.exception).toEqual({ vector: 3 });
    expect(r.rip).toBe(0x10000001n);
  });
  it('hlt at CPL 3 is #GP(0)  (f4)', () => {
    expect(run([0xf4]).exception).toEqual({ vector: 13, errorCode: 0 });
  });
  it('int 0x21 through a DPL-0 gate is #GP(vector*8+2)  (cd 21)', () => {
    expect(run([0xcd, 0x21]).exception).toEqual({ vector: 13, errorCode: 0x21 * 8 + 2 });
  });
  it('mov cr0, rax at CPL 3 is #GP(0)  (0f 22 c0)', () => {
    expect(run([0x0f, 0x22, 0xc0]).exception).toEqual({ vector: 13, errorCode: 0 });
  });
  it('cli at CPL 3 with IOPL 0 is #GP(0)  (fa)', () => {
    expect(run([0xfa]).exception).toEqual({ vector: 13, errorCode: 0 });
  });
  it('in al, dx at CPL 3 without I/O permission is #GP(0)  (ec)', () => {
    expect(run([0xec]).exception).toEqual({ vector: 13, errorCode: 0 });
  });
  it('a 16-byte instruction is #GP(0)  (15 x 66 + 90)', () => {
    expect(run([...new Array(15).fill(0x66), 0x90]).exception).toEqual({ vector: 13, errorCode: 0 });
  });
  it('an undefined opcode is #UD  (0f 04)', () => {
    expect(run([0x0f, 0x04]).exception).toEqual({ vector: 6 });
  });
  it('cpuid returns the vendor string  (0f a2)', () => {
    const r = run([0x0f, 0xa2], { regs: { rax: 0n } });
    const s = [r.reg('rbx'), r.reg('rdx'), r.reg('rcx')]
      .map((v) =>
        Buffer.from(new BigUint64Array([v]).buffer)
          .subarray(0, 4)
          .toString('latin1'),
      )
      .join('');
    expect(s).toBe('GenuineIntel');
  });
  it('rdtsc is deterministic: it counts retired instructions  (90 90 0f 31)', () => {
    const r = run([0x90, 0x90, 0x0f, 0x31]);
    expect(r.reg('rax')).toBe(2n);
    expect(r.reg('rdx')).toBe(0n);
  });
});
