/**
 * String instructions: REP forms run as bulk operations; progress survives a fault mid-way.
 */
import { describe, expect, it } from 'vitest';
import { DATA, DF, STACK, ZF, run, u64 } from '../helpers/snippet';

const fill = (d: Uint8Array): void => {
  for (let k = 0; k < 4096; k++) d[k] = k & 0xff;
};

describe('rep movs / stos', () => {
  it('rep movsb copies forward  (f3 a4)', () => {
    const r = run([0xf3, 0xa4], { regs: { rsi: DATA, rdi: DATA + 0x800n, rcx: 0x100n }, data: fill });
    expect(r.data.subarray(0x800, 0x900)).toEqual(r.data.subarray(0, 0x100));
    expect(r.reg('rcx')).toBe(0n);
    expect(r.reg('rsi')).toBe(DATA + 0x100n);
    expect(r.reg('rdi')).toBe(DATA + 0x900n);
    expect(r.instructions).toBe(1);
  });

  it('overlapping forward rep movsb replicates like byte-by-byte execution  (f3 a4)', () => {
    const r = run([0xf3, 0xa4], {
      regs: { rsi: DATA, rdi: DATA + 1n, rcx: 16n },
      data: (d) => (d[0] = 0x5a),
    });
    expect([...r.data.subarray(0, 17)]).toEqual(new Array(17).fill(0x5a));
  });

  it('std; rep movsq copies backward  (fd f3 48 a5)', () => {
    const r = run([0xfd, 0xf3, 0x48, 0xa5], {
      regs: { rsi: DATA + 0x18n, rdi: DATA + 0x118n, rcx: 4n },
      data: fill,
    });
    expect(r.data.subarray(0x100, 0x120)).toEqual(r.data.subarray(0, 0x20));
    expect(r.reg('rsi')).toBe(DATA - 8n);
    expect(r.rflags & DF).toBe(DF);
  });

  it('rep stosq fills with rax  (f3 48 ab)', () => {
    const r = run([0xf3, 0x48, 0xab], { regs: { rdi: DATA + 8n, rcx: 3n, rax: 0x1122334455667788n } });
    expect(r.dataView.getBigUint64(8, true)).toBe(0x1122334455667788n);
    expect(r.dataView.getBigUint64(24, true)).toBe(0x1122334455667788n);
    expect(r.dataView.getBigUint64(32, true)).toBe(0n);
  });

  it('rep stosb with rcx = 0 does nothing  (f3 aa)', () => {
    const r = run([0xf3, 0xaa], { regs: { rdi: DATA, rcx: 0n, rax: 0xffn } });
    expect(r.data[0]).toBe(0);
    expect(r.reg('rdi')).toBe(DATA);
  });

  it('a fault mid-way leaves the progress made and RIP at the instruction  (f3 aa)', () => {
    // the data window is one page: bytes from 0x20000ff0 on, 0x20 of them, fault at the page end
    const r = run([0xf3, 0xaa], { regs: { rdi: DATA + 0xff0n, rcx: 0x20n, rax: 0x77n } });
    expect(r.exception).toEqual({ vector: 14, errorCode: 0x6 });
    expect(r.rip).toBe(0x10000000n);
    expect(r.reg('rcx')).toBe(0x10n);
    expect(r.reg('rdi')).toBe(DATA + 0x1000n);
    expect(r.data[0xfff]).toBe(0x77);
  });

  it('rep movsd with a 32-bit address size wraps esi/edi  (67 f3 a5)', () => {
    const r = run([0x67, 0xf3, 0xa5], {
      regs: { rsi: 0xdead_0000_0000_0000n | DATA, rdi: DATA + 0x10n, rcx: 1n },
      data: (d) => (d[0] = 0x42),
    });
    expect(r.data[0x10]).toBe(0x42);
    expect(r.reg('rsi')).toBe(DATA + 4n); // upper half cleared by the 32-bit update
  });
});

describe('scas / cmps / lods', () => {
  it('repne scasb finds a byte  (f2 ae)', () => {
    const r = run([0xf2, 0xae], {
      regs: { rdi: DATA, rcx: 100n, rax: 0x33n },
      data: (d) => (d[10] = 0x33),
    });
    expect(r.reg('rdi')).toBe(DATA + 11n);
    expect(r.reg('rcx')).toBe(89n);
    expect(r.status & ZF).toBe(ZF);
  });

  it('repe cmpsb stops at the first difference  (f3 a6)', () => {
    const r = run([0xf3, 0xa6], {
      regs: { rsi: DATA, rdi: DATA + 0x100n, rcx: 8n },
      data: (d) => {
        d.set([1, 2, 3, 4], 0);
        d.set([1, 2, 9, 4], 0x100);
      },
    });
    expect(r.reg('rcx')).toBe(5n);
    expect(r.reg('rsi')).toBe(DATA + 3n);
    expect(r.status & ZF).toBe(0n);
  });

  it('lodsq  (48 ad)', () => {
    const r = run([0x48, 0xad], { regs: { rsi: STACK + 0x10n }, stack: (d) => (d[0x10] = 0x99) });
    expect(r.reg('rax')).toBe(0x99n);
    expect(r.reg('rsi')).toBe(STACK + 0x18n);
  });

  it('movs with an FS override reads through the FS base  (64 a4)', () => {
    // wrfsbase rax; fs movsb
    const r = run([0xf3, 0x48, 0x0f, 0xae, 0xd0, 0x64, 0xa4], {
      regs: { rax: DATA, rsi: 0x20n, rdi: u64(STACK + 4n) },
      data: (d) => (d[0x20] = 0xab),
    });
    expect(r.stack[4]).toBe(0xab);
  });
});
