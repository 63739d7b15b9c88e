/**
 * decodeOne: lengths, mnemonics and operand forms for hand-picked encodings (checked against
 * iced-x86 where it applies), prefix rules, mode differences and undefined encodings.
 */
import { Decoder, DecoderOptions, Mnemonic } from 'iced-x86';
import { describe, expect, it } from 'vitest';
import { decodeOne } from '../../src';

const bytes = (hex: string): Uint8Array => Uint8Array.from(Buffer.from(hex.replace(/ /g, ''), 'hex'));

function iced(hex: string, mode: 64 | 32): { length: number; mnemonic: string } | null {
  const d = new Decoder(mode, bytes(hex), DecoderOptions.None);
  const ins = d.decode();
  try {
    if (ins.isInvalid) return null;
    const name = Mnemonic[ins.mnemonic].toLowerCase();
    return { length: ins.length, mnemonic: name === 'reservednop' ? 'nop' : name };
  } finally {
    ins.free();
    d.free();
  }
}

const SAMPLES64 = [
  '48 01 d8', // add rax, rbx
  '66 01 d8', // add ax, bx
  '41 01 d8', // add r8d, ebx
  '80 c3 7f', // add bl, 0x7f
  '48 83 c4 08', // add rsp, 8
  '48 81 ec 00 01 00 00', // sub rsp, 0x100
  '48 8b 05 10 00 00 00', // mov rax, [rip+0x10]
  '8b 44 24 08', // mov eax, [rsp+8]
  '8b 04 25 00 10 00 00', // mov eax, [0x1000] (SIB, no base)
  '42 8b 04 a5 00 00 00 00', // mov eax, [r12*4] — index r12 via REX.X
  '41 8b 04 24', // mov eax, [r12]
  '41 8b 45 00', // mov eax, [r13+0]
  '67 8b 00', // mov eax, [eax]
  '64 48 8b 04 25 28 00 00 00', // mov rax, fs:[0x28]
  '48 b8 88 77 66 55 44 33 22 11', // mov rax, imm64
  'c7 00 01 00 00 00', // mov dword [rax], 1
  '48 a1 00 00 00 00 00 00 00 80', // mov rax, moffs64
  '0f b6 c0', // movzx eax, al
  '48 63 c3', // movsxd rax, ebx
  'e8 00 00 00 00', // call rel32
  'ff 15 00 00 00 00', // call [rip]
  '0f 84 00 00 00 00', // je rel32
  '74 fe', // je rel8
  'e3 fe', // jrcxz
  'c2 08 00', // ret 8
  'c8 10 00 01', // enter
  'f3 48 a5', // rep movsq
  'f2 ae', // repne scasb
  '0f 05', // syscall
  '48 0f 07', // sysretq
  '48 cf', // iretq
  '0f 01 f8', // swapgs
  '0f 01 f9', // rdtscp
  '0f 01 38', // invlpg [rax]
  '0f 01 10', // lgdt [rax]
  '0f 20 d8', // mov rax, cr3
  '44 0f 22 c0', // mov cr8, rax
  '0f 23 f8', // mov dr7, rax
  'f0 48 0f b1 0f', // lock cmpxchg [rdi], rcx
  '48 0f c7 0e', // cmpxchg16b [rsi]
  'f3 0f b8 c1', // popcnt eax, ecx
  'f3 0f bc c1', // tzcnt
  '0f bc c1', // bsf
  '66 0f 1f 44 00 00', // nop word [rax+rax]
  '0f 1f 80 00 00 00 00', // nop dword [rax]
  'f3 0f 1e fa', // endbr64
  'f3 90', // pause
  '90', // nop
  '41 90', // xchg r8d, eax
  'c1 e0 05', // shl eax, 5
  'd3 f8', // sar eax, cl
  '0f a4 c2 04', // shld edx, eax, 4
  '0f ba e0 03', // bt eax, 3
  '6a ff', // push -1
  '66 6a ff', // push word -1
  '0f a1', // pop fs
  'cd 80', // int 0x80
  'f3 48 0f ae d0', // wrfsbase rax
  '0f 38 f0 07', // movbe eax, [rdi]
  '0f 0b', // ud2
  'e4 60', // in al, 0x60
  'ef', // out dx, eax
];

describe('decodeOne agrees with iced-x86 on sample encodings (64-bit)', () => {
  for (const hex of SAMPLES64) {
    it(hex, () => {
      const got = decodeOne(bytes(hex), 0, 64);
      const want = iced(hex, 64);
      expect(want).not.toBeNull();
      expect(got).not.toBeNull();
      expect(got!.length).toBe(want!.length);
      expect(got!.length).toBe(bytes(hex).length);
      expect(got!.mnemonic).toBe(want!.mnemonic);
    });
  }
});

describe('operand forms', () => {
  it('add rax, rbx: two 64-bit registers', () => {
    expect(decodeOne(bytes('48 01 d8'), 0, 64)!.operands).toEqual([
      { kind: 'reg', size: 64 },
      { kind: 'reg', size: 64 },
    ]);
  });
  it('mov dword [rax], imm32', () => {
    expect(decodeOne(bytes('c7 00 01 00 00 00'), 0, 64)!.operands).toEqual([
      { kind: 'mem', size: 32 },
      { kind: 'imm', size: 32 },
    ]);
  });
  it('je rel8 has a relative operand of the 64-bit operand size', () => {
    expect(decodeOne(bytes('74 fe'), 0, 64)!.operands).toEqual([{ kind: 'rel', size: 64 }]);
  });
  it('add rsp, imm8 sign-extended to 64', () => {
    expect(decodeOne(bytes('48 83 c4 08'), 0, 64)!.operands[1]).toEqual({ kind: 'imm', size: 64 });
  });
  it('nop (90) has no operands', () => {
    expect(decodeOne(bytes('90'), 0, 64)!.operands).toEqual([]);
  });
});

describe('prefix rules', () => {
  it('a REX prefix followed by a legacy prefix is ignored', () => {
    // 48 66 01 d8 → add ax, bx (REX.W dropped)
    const d = decodeOne(bytes('48 66 01 d8'), 0, 64)!;
    expect(d.length).toBe(4);
    expect(d.operands[0].size).toBe(16);
  });
  it('REX.W overrides 66', () => {
    expect(decodeOne(bytes('66 48 01 d8'), 0, 64)!.operands[0].size).toBe(64);
  });
  it('15 bytes is the limit', () => {
    expect(decodeOne(bytes('66'.repeat(14) + '90'), 0, 64)).not.toBeNull();
    expect(decodeOne(bytes('66'.repeat(15) + '90'), 0, 64)).toBeNull();
  });
  it('truncated input decodes as null', () => {
    expect(decodeOne(bytes('48 b8 00 00'), 0, 64)).toBeNull();
  });
  it('F3 selects popcnt; without it 0F B8 is undefined', () => {
    expect(decodeOne(bytes('f3 0f b8 c1'), 0, 64)!.mnemonic).toBe('popcnt');
    expect(decodeOne(bytes('0f b8 c1'), 0, 64)).toBeNull();
  });
  it('lock on a non-lockable instruction is undefined', () => {
    expect(decodeOne(bytes('f0 48 8b 00'), 0, 64)).toBeNull();
    expect(decodeOne(bytes('f0 48 01 00'), 0, 64)).not.toBeNull();
  });
  it('decodes at an offset', () => {
    expect(decodeOne(bytes('90 90 48 01 d8'), 2, 64)!.length).toBe(3);
  });
});

describe('mode differences', () => {
  it('40 is a REX prefix in 64-bit mode and inc eax in 32-bit mode', () => {
    expect(decodeOne(bytes('40 90'), 0, 64)!.length).toBe(2);
    expect(decodeOne(bytes('40'), 0, 32)!.mnemonic).toBe('inc');
  });
  it('63 is movsxd in 64-bit mode and arpl in 32-bit mode', () => {
    expect(decodeOne(bytes('63 c3'), 0, 64)!.mnemonic).toBe('movsxd');
    expect(decodeOne(bytes('63 c3'), 0, 32)!.mnemonic).toBe('arpl');
  });
  it('push es / daa / into are invalid in 64-bit mode', () => {
    for (const h of ['06', '27', 'ce', '60', 'd4 0a']) {
      expect(decodeOne(bytes(h), 0, 64), h).toBeNull();
      expect(decodeOne(bytes(h), 0, 32), h).not.toBeNull();
    }
  });
  it('32-bit samples agree with iced-x86', () => {
    for (const h of [
      '01 d8',
      '66 01 d8',
      '8b 45 08',
      '67 8b 00',
      'c4 00',
      'e8 00 00 00 00',
      '6a ff',
      'cf',
      '61',
    ]) {
      const got = decodeOne(bytes(h), 0, 32);
      const want = iced(h, 32);
      expect(got?.length, h).toBe(want?.length);
      expect(got?.mnemonic, h).toBe(want?.mnemonic);
    }
  });
  it('swapgs is 64-bit only', () => {
    expect(decodeOne(bytes('0f 01 f8'), 0, 32)).toBeNull();
  });
});

describe('undefined encodings', () => {
  it('VEX / EVEX and unknown opcodes decode as null', () => {
    for (const h of [
      'c5 f8 77',
      'c4 e2 79 18 00',
      '62 f1 7c 48 10 00',
      '0f 04',
      '0f 0a',
      'd6',
      'f1'.slice(0, 0) + '0f 37',
    ]) {
      expect(decodeOne(bytes(h), 0, 64), h).toBeNull();
    }
  });
});
