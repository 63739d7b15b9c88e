/**
 * MUL/IMUL/DIV/IDIV, shifts and rotates, bit instructions.
 */
import { describe, expect, it } from 'vitest';
import { CF, DATA, OF, SF, ZF, run, u64 } from '../helpers/snippet';

describe('multiply', () => {
  it('mul rbx  (48 f7 e3): 128-bit product in rdx:rax, CF=OF=1', () => {
    const r = run([0x48, 0xf7, 0xe3], { regs: { rax: 0xffffffff_ffffffffn, rbx: 0x10n } });
    expect(r.reg('rax')).toBe(0xffffffff_fffffff0n);
    expect(r.reg('rdx')).toBe(0xfn);
    expect(r.status & (CF | OF)).toBe(CF | OF);
  });

  it('mul ebx  (f7 e3) writes edx:eax zero-extended', () => {
    const r = run([0xf7, 0xe3], { regs: { rax: 0xdead_0000_8000_0000n, rbx: 4n, rdx: u64(-1n) } });
    expect(r.reg('rax')).toBe(0n);
    expect(r.reg('rdx')).toBe(2n);
  });

  it('imul rax, rbx, -5  (48 6b c3 fb)', () => {
    const r = run([0x48, 0x6b, 0xc3, 0xfb], { regs: { rbx: 7n } });
    expect(r.reg('rax')).toBe(u64(-35n));
    expect(r.status & (CF | OF)).toBe(0n);
  });

  it('imul rax, rbx  (48 0f af c3) overflow sets CF and OF', () => {
    const r = run([0x48, 0x0f, 0xaf, 0xc3], { regs: { rax: 1n << 62n, rbx: 4n } });
    expect(r.reg('rax')).toBe(0n);
    expect(r.status & (CF | OF)).toBe(CF | OF);
  });

  it('imul ebx  (f7 eb) signed one-operand form', () => {
    const r = run([0xf7, 0xeb], { regs: { rax: u64(-3n), rbx: 5n } });
    expect(r.reg('rax')).toBe(0xfffffff1n);
    expect(r.reg('rdx')).toBe(0xffffffffn);
    expect(r.status & (CF | OF)).toBe(0n);
  });

  it('mul byte [rbx]  (f6 23): ax = al * m8', () => {
    const r = run([0xf6, 0x23], { regs: { rax: 200n, rbx: DATA }, data: (d) => (d[0] = 3) });
    expect(r.reg('rax')).toBe(600n);
    expect(r.status & CF).toBe(CF);
  });
});

describe('divide', () => {
  it('div rbx  (48 f7 f3): 128/64 → quotient rax, remainder rdx', () => {
    const r = run([0x48, 0xf7, 0xf3], { regs: { rdx: 1n, rax: 0n, rbx: 3n } });
    expect(r.reg('rax')).toBe(0x55555555_55555555n);
    expect(r.reg('rdx')).toBe(1n);
  });

  it('div by zero is #DE at the instruction  (48 f7 f3)', () => {
    const r = run([0x90, 0x48, 0xf7, 0xf3], { regs: { rax: 1n, rbx: 0n } });
    expect(r.exception).toEqual({ vector: 0 });
    expect(r.rip).toBe(0x10000001n);
    expect(r.instructions).toBe(1);
  });

  it('div ebx with a quotient that does not fit is #DE  (f7 f3)', () => {
    const r = run([0xf7, 0xf3], { regs: { rdx: 2n, rax: 0n, rbx: 2n } });
    expect(r.exception?.vector).toBe(0);
    expect(r.reg('rax')).toBe(0n); // unchanged
  });

  it('idiv rbx: INT64_MIN / -1 is #DE  (48 f7 fb)', () => {
    const r = run([0x48, 0xf7, 0xfb], { regs: { rax: 1n << 63n, rdx: u64(-1n), rbx: u64(-1n) } });
    expect(r.exception?.vector).toBe(0);
  });

  it('idiv ecx rounds toward zero  (f7 f9)', () => {
    const r = run([0xf7, 0xf9], { regs: { rax: u64(-7n) & 0xffffffffn, rdx: 0xffffffffn, rcx: 2n } });
    expect(r.reg('rax')).toBe(u64(-3n) & 0xffffffffn);
    expect(r.reg('rdx')).toBe(u64(-1n) & 0xffffffffn);
  });

  it('div bl  (f6 f3): al = ax / bl, ah = ax % bl', () => {
    const r = run([0xf6, 0xf3], { regs: { rax: 1000n, rbx: 7n } });
    expect(r.reg('rax')).toBe((6n << 8n) | 142n);
  });
});

describe('shifts and rotates', () => {
  it('shl rax, 1  (48 d1 e0): CF from bit 63, OF = MSB ^ CF', () => {
    const r = run([0x48, 0xd1, 0xe0], { regs: { rax: 0xc000000000000000n } });
    expect(r.reg('rax')).toBe(0x8000000000000000n);
    expect(r.status & (CF | OF | SF)).toBe(CF | SF);
  });

  it('shr rax, 63  (48 c1 e8 3f)', () => {
    const r = run([0x48, 0xc1, 0xe8, 0x3f], { regs: { rax: 0x8000000000000001n } });
    expect(r.reg('rax')).toBe(1n);
    expect(r.status & CF).toBe(0n);
  });

  it('sar rax, 4  (48 c1 f8 04) keeps the sign', () => {
    const r = run([0x48, 0xc1, 0xf8, 0x04], { regs: { rax: u64(-0x100n) } });
    expect(r.reg('rax')).toBe(u64(-0x10n));
  });

  it('shift count 0 leaves flags alone  (48 d3 e0, cl = 64 → masked to 0)', () => {
    const r = run([0x48, 0xd3, 0xe0], { regs: { rax: 5n, rcx: 64n }, flags: CF | ZF });
    expect(r.reg('rax')).toBe(5n);
    expect(r.status & (CF | ZF)).toBe(CF | ZF);
  });

  it('shl eax, cl with count 0 still zero-extends  (d3 e0)', () => {
    const r = run([0xd3, 0xe0], { regs: { rax: 0xffff_ffff_0000_0001n, rcx: 0n } });
    expect(r.reg('rax')).toBe(1n);
  });

  it('rol rax, cl  (48 d3 c0)', () => {
    const r = run([0x48, 0xd3, 0xc0], { regs: { rax: 0x8000000000000001n, rcx: 4n } });
    expect(r.reg('rax')).toBe(0x18n);
    expect(r.status & CF).toBe(0n);
  });

  it('rcr rax, 1  (48 d1 d8) rotates CF into bit 63', () => {
    const r = run([0x48, 0xd1, 0xd8], { regs: { rax: 1n }, flags: CF });
    expect(r.reg('rax')).toBe(0x8000000000000000n);
    expect(r.status & CF).toBe(CF);
  });

  it('rcl al, 1  (d0 d0)', () => {
    const r = run([0xd0, 0xd0], { regs: { rax: 0x80n } });
    expect(r.reg('rax')).toBe(0n);
    expect(r.status & (CF | OF)).toBe(CF | OF);
  });

  it('shld rax, rbx, 4  (48 0f a4 d8 04)', () => {
    const r = run([0x48, 0x0f, 0xa4, 0xd8, 0x04], {
      regs: { rax: 0x1000000000000001n, rbx: 0xa000000000000000n },
    });
    expect(r.reg('rax')).toBe(0x000000000000001an);
    expect(r.status & CF).toBe(CF);
  });

  it('shrd rax, rbx, cl  (48 0f ad d8)', () => {
    const r = run([0x48, 0x0f, 0xad, 0xd8], { regs: { rax: 0xf0n, rbx: 0xbn, rcx: 4n } });
    expect(r.reg('rax')).toBe(0xb00000000000000fn);
  });

  it('shl dword [rbx], 8  (c1 23 08)', () => {
    const r = run([0xc1, 0x23, 0x08], { regs: { rbx: DATA }, data: (d) => (d[3] = 0x12) });
    expect(r.dataView.getUint32(0, true)).toBe(0);
    expect(r.status & (CF | ZF)).toBe(ZF);
  });
});

describe('bit instructions', () => {
  it('bt rax, rbx  (48 0f a3 d8) uses the offset modulo 64 for registers', () => {
    const r = run([0x48, 0x0f, 0xa3, 0xd8], { regs: { rax: 1n << 3n, rbx: 64n + 3n } });
    expect(r.status & CF).toBe(CF);
  });

  it('bts [rbx], rax  (48 0f ab 03) with a large offset addresses beyond the operand', () => {
    const r = run([0x48, 0x0f, 0xab, 0x03], { regs: { rbx: DATA, rax: 64n * 3n + 5n } });
    expect(r.data[24]).toBe(1 << 5);
    expect(r.status & CF).toBe(0n);
  });

  it('btr [rbx+16], eax with a negative offset  (0f b3 43 10)', () => {
    const r = run([0x0f, 0xb3, 0x43, 0x10], {
      regs: { rbx: DATA, rax: u64(-1n) & 0xffffffffn },
      data: (d) => (d[15] = 0x80),
    });
    expect(r.data[15]).toBe(0);
    expect(r.status & CF).toBe(CF);
  });

  it('bt rax, 5  (48 0f ba e0 05)', () => {
    const r = run([0x48, 0x0f, 0xba, 0xe0, 0x05], { regs: { rax: 0x20n } });
    expect(r.status & CF).toBe(CF);
  });

  it('bsf / bsr  (48 0f bc c3 ; 48 0f bd cb)', () => {
    const r = run([0x48, 0x0f, 0xbc, 0xc3, 0x48, 0x0f, 0xbd, 0xcb], {
      regs: { rbx: 0x0100_0000_0000_0100n },
    });
    expect(r.reg('rax')).toBe(8n);
    expect(r.reg('rcx')).toBe(56n);
    expect(r.status & ZF).toBe(0n);
  });

  it('bsf with a zero source sets ZF and keeps the destination  (48 0f bc c3)', () => {
    const r = run([0x48, 0x0f, 0xbc, 0xc3], { regs: { rax: 0x1234n, rbx: 0n } });
    expect(r.reg('rax')).toBe(0x1234n);
    expect(r.status & ZF).toBe(ZF);
  });

  it('tzcnt / lzcnt / popcnt of zero and non-zero', () => {
    const z = run([0xf3, 0x48, 0x0f, 0xbc, 0xc3], { regs: { rbx: 0n } });
    expect(z.reg('rax')).toBe(64n);
    expect(z.status & CF).toBe(CF);
    const l = run([0xf3, 0x0f, 0xbd, 0xc3], { regs: { rbx: 0x00ffn } });
    expect(l.reg('rax')).toBe(24n);
    const p = run([0xf3, 0x48, 0x0f, 0xb8, 0xc3], { regs: { rbx: 0xf0f0_0000_0000_0001n } });
    expect(p.reg('rax')).toBe(9n);
    expect(p.status & ZF).toBe(0n);
  });
});
