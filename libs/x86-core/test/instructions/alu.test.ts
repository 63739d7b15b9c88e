/**
 * Integer ALU instructions at CPL 3 (runSnippet): results, zero-extension rules, flags.
 */
import { describe, expect, it } from 'vitest';
import { AF, CF, DATA, OF, PF, SF, ZF, run, u64 } from '../helpers/snippet';

describe('add / sub / adc / sbb', () => {
  it('add rax, rbx  (48 01 d8)', () => {
    const r = run([0x48, 0x01, 0xd8], { regs: { rax: 5n, rbx: 7n } });
    expect(r.exception).toBeUndefined();
    expect(r.reg('rax')).toBe(12n);
    // 12 = 0b1100: two bits set → PF; no carry out of bit 3 → AF clear
    expect(r.status).toBe(PF);
    expect(r.rip).toBe(0x10000003n);
  });

  it('add al, 1  (04 01) wraps with CF, ZF, AF, PF and leaves the rest of rax alone', () => {
    const r = run([0x04, 0x01], { regs: { rax: 0x12345678_9abcdeffn } });
    expect(r.reg('rax')).toBe(0x12345678_9abcde00n);
    expect(r.status).toBe(CF | ZF | AF | PF);
  });

  it('sub eax, ebx  (29 d8): signed overflow, upper half of rax cleared', () => {
    const r = run([0x29, 0xd8], { regs: { rax: 0xffffffff_80000000n, rbx: 1n } });
    expect(r.reg('rax')).toBe(0x7fffffffn);
    expect(r.status & (OF | SF | CF | ZF)).toBe(OF);
  });

  it('128-bit add: add rax, rdx; adc rcx, rbx  (48 01 d0 / 48 11 d9)', () => {
    const r = run([0x48, 0x01, 0xd0, 0x48, 0x11, 0xd9], {
      regs: { rax: 0xffffffff_ffffffffn, rdx: 2n, rcx: 10n, rbx: 20n },
    });
    expect(r.reg('rax')).toBe(1n);
    expect(r.reg('rcx')).toBe(31n);
    expect(r.status & CF).toBe(0n);
  });

  it('sbb rax, rbx with CF set  (48 19 d8)', () => {
    const r = run([0x48, 0x19, 0xd8], { regs: { rax: 0n, rbx: 0n }, flags: CF });
    expect(r.reg('rax')).toBe(u64(-1n));
    expect(r.status & (CF | SF | ZF)).toBe(CF | SF);
  });

  it('16-bit add ax, bx  (66 01 d8) keeps bits 63:16', () => {
    const r = run([0x66, 0x01, 0xd8], { regs: { rax: 0xaaaa_bbbb_cccc_fff0n, rbx: 0x20n } });
    expect(r.reg('rax')).toBe(0xaaaa_bbbb_cccc_0010n);
    expect(r.status & CF).toBe(CF);
  });

  it('cmp with a sign-extended imm8  (48 83 f8 ff = cmp rax, -1)', () => {
    const r = run([0x48, 0x83, 0xf8, 0xff], { regs: { rax: u64(-1n) } });
    expect(r.status & (ZF | CF | SF | OF)).toBe(ZF);
    expect(r.reg('rax')).toBe(u64(-1n)); // cmp does not write
  });
});

describe('logic ops', () => {
  it('and eax, ebx  (21 d8) clears CF and OF', () => {
    const r = run([0x21, 0xd8], { regs: { rax: 0xf0n, rbx: 0x3cn }, flags: CF | OF });
    expect(r.reg('rax')).toBe(0x30n);
    expect(r.status & (CF | OF | ZF)).toBe(0n);
  });

  it('xor eax, eax  (31 c0) zeroes all 64 bits and sets ZF PF', () => {
    const r = run([0x31, 0xc0], { regs: { rax: u64(-1n) } });
    expect(r.reg('rax')).toBe(0n);
    expect(r.status & (ZF | PF | SF | CF)).toBe(ZF | PF);
  });

  it('test byte [rbx], 0x80  (f6 03 80)', () => {
    const r = run([0xf6, 0x03, 0x80], { regs: { rbx: DATA }, data: (d) => (d[0] = 0x81) });
    expect(r.status & (ZF | SF)).toBe(SF);
  });

  it('not / neg  (48 f7 d0 ; 48 f7 db)', () => {
    const r = run([0x48, 0xf7, 0xd0, 0x48, 0xf7, 0xdb], { regs: { rax: 0x0f0fn, rbx: 5n } });
    expect(r.reg('rax')).toBe(u64(~0x0f0fn));
    expect(r.reg('rbx')).toBe(u64(-5n));
    expect(r.status & CF).toBe(CF); // neg of non-zero sets CF
  });

  it('neg of zero clears CF  (48 f7 d8)', () => {
    const r = run([0x48, 0xf7, 0xd8], { regs: { rax: 0n }, flags: CF });
    expect(r.status & (CF | ZF)).toBe(ZF);
  });
});

describe('inc / dec', () => {
  it('stc; inc eax  (f9 ff c0) preserves CF', () => {
    const r = run([0xf9, 0xff, 0xc0], { regs: { rax: 0x7fffffffn } });
    expect(r.reg('rax')).toBe(0x80000000n);
    expect(r.status & (CF | OF | SF)).toBe(CF | OF | SF);
  });

  it('dec rcx to zero  (48 ff c9)', () => {
    const r = run([0x48, 0xff, 0xc9], { regs: { rcx: 1n } });
    expect(r.reg('rcx')).toBe(0n);
    expect(r.status & ZF).toBe(ZF);
  });

  it('inc qword [rbx] carries into the high dword  (48 ff 03)', () => {
    const r = run([0x48, 0xff, 0x03], {
      regs: { rbx: DATA },
      data: (d) => new DataView(d.buffer).setBigUint64(0, 0xffffffffn, true),
    });
    expect(r.dataView.getBigUint64(0, true)).toBe(0x1_0000_0000n);
  });
});

describe('byte registers', () => {
  it('mov al, ah  (88 e0) without REX addresses AH', () => {
    const r = run([0x88, 0xe0], { regs: { rax: 0x1234n } });
    expect(r.reg('rax')).toBe(0x1212n);
  });
  it('mov al, spl  (40 88 e0) with REX addresses SPL', () => {
    const r = run([0x40, 0x88, 0xe0], { regs: { rax: 0x1234n, rsp: 0x300007abn } });
    expect(r.reg('rax')).toBe(0x12abn);
  });
  it('mov r9b, dil  (41 40 ... = 41 88 f9)', () => {
    const r = run([0x41, 0x88, 0xf9], { regs: { rdi: 0x77n, r9: 0xff00n } });
    expect(r.reg('r9')).toBe(0xff77n);
  });
});

describe('locked read-modify-write', () => {
  it('lock add [rbx], rax  (f0 48 01 03)', () => {
    const r = run([0xf0, 0x48, 0x01, 0x03], {
      regs: { rbx: DATA, rax: 5n },
      data: (d) => new DataView(d.buffer).setBigUint64(0, 10n, true),
    });
    expect(r.dataView.getBigUint64(0, true)).toBe(15n);
  });

  it('lock xadd [rbx], eax  (f0 0f c1 03) returns the old value', () => {
    const r = run([0xf0, 0x0f, 0xc1, 0x03], {
      regs: { rbx: DATA, rax: 3n },
      data: (d) => new DataView(d.buffer).setUint32(0, 40, true),
    });
    expect(r.reg('rax')).toBe(40n);
    expect(r.dataView.getUint32(0, true)).toBe(43);
  });

  it('lock cmpxchg [rbx], rcx  (f0 48 0f b1 0b): success and failure', () => {
    const ok = run([0xf0, 0x48, 0x0f, 0xb1, 0x0b], {
      regs: { rbx: DATA, rax: 7n, rcx: 9n },
      data: (d) => (d[0] = 7),
    });
    expect(ok.dataView.getBigUint64(0, true)).toBe(9n);
    expect(ok.status & ZF).toBe(ZF);
    const fail = run([0xf0, 0x48, 0x0f, 0xb1, 0x0b], {
      regs: { rbx: DATA, rax: 6n, rcx: 9n },
      data: (d) => (d[0] = 7),
    });
    expect(fail.dataView.getBigUint64(0, true)).toBe(7n);
    expect(fail.reg('rax')).toBe(7n);
    expect(fail.status & ZF).toBe(0n);
  });

  it('lock on a register destination is #UD  (f0 48 01 d8)', () => {
    const r = run([0xf0, 0x48, 0x01, 0xd8]);
    expect(r.exception?.vector).toBe(6);
    expect(r.rip).toBe(0x10000000n);
  });

  it('xchg [rbx], rax is atomic and swaps  (48 87 03)', () => {
    const r = run([0x48, 0x87, 0x03], { regs: { rbx: DATA, rax: 1n }, data: (d) => (d[0] = 2) });
    expect(r.reg('rax')).toBe(2n);
    expect(r.data[0]).toBe(1);
  });

  it('cmpxchg16b [rbx]  (f0 48 0f c7 0b)', () => {
    const r = run([0xf0, 0x48, 0x0f, 0xc7, 0x0b], {
      regs: { rbx: DATA, rax: 1n, rdx: 2n, rcx: 4n },
      data: (d) => {
        d[0] = 1;
        d[8] = 2;
      },
    });
    expect(r.status & ZF).toBe(ZF);
    expect(r.dataView.getBigUint64(0, true)).toBe(DATA); // rbx
    expect(r.dataView.getBigUint64(8, true)).toBe(4n); // rcx
  });
});
