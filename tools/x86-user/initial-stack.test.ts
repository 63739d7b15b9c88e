import { describe, expect, it } from 'vitest';
import { layoutInitialStack, PLATFORM } from './initial-stack';
import { AT, STACK_TOP } from './linux-abi';

const spec = {
  argv: ['/bin/prog', 'one', 'twö'],
  envp: ['A=1', 'PATH=/bin'],
  execfn: '/bin/prog',
  random: Uint8Array.from({ length: 16 }, (_, i) => 0xa0 + i),
  hwcap: 0x178bfbff,
  phdr: 0x400040,
  phent: 56,
  phnum: 10,
  entry: 0x401650,
  identity: { uid: 1000, euid: 1001, gid: 100, egid: 101 },
};

/** Reads the stack back the way a C runtime does, starting from rsp. */
function parse(top: number, sp: number, bytes: Uint8Array) {
  const view = new DataView(bytes.buffer);
  const word = (addr: number) => Number(view.getBigUint64(addr - sp, true));
  const cstr = (addr: number) => {
    let end = addr - sp;
    while (bytes[end] !== 0) end++;
    return Buffer.from(bytes.subarray(addr - sp, end)).toString('utf8');
  };
  let at = sp;
  const argc = word(at);
  const argv: string[] = [];
  for (at += 8; word(at) !== 0; at += 8) argv.push(cstr(word(at)));
  const envp: string[] = [];
  for (at += 8; word(at) !== 0; at += 8) envp.push(cstr(word(at)));
  const auxv = new Map<number, number>();
  const order: number[] = [];
  for (at += 8; word(at) !== AT.NULL; at += 16) {
    auxv.set(word(at), word(at + 8));
    order.push(word(at));
  }
  expect(at + 16).toBeLessThanOrEqual(top);
  return { argc, argv, envp, auxv, order, cstr, word, end: at + 16 };
}

describe('layoutInitialStack', () => {
  const top = STACK_TOP;
  const stack = layoutInitialStack(top, spec);
  const parsed = parse(top, stack.sp, stack.bytes);

  it('puts argc, argv and envp where the C runtime looks for them', () => {
    expect(stack.sp % 16).toBe(0);
    expect(stack.bytes.length).toBe(top - stack.sp);
    expect(parsed.argc).toBe(3);
    expect(parsed.argv).toEqual(spec.argv);
    expect(parsed.envp).toEqual(spec.envp);
  });

  it('writes the auxiliary vector in the kernel order with the given values', () => {
    expect(parsed.order).toEqual([
      AT.HWCAP,
      AT.PAGESZ,
      AT.CLKTCK,
      AT.PHDR,
      AT.PHENT,
      AT.PHNUM,
      AT.BASE,
      AT.FLAGS,
      AT.ENTRY,
      AT.UID,
      AT.EUID,
      AT.GID,
      AT.EGID,
      AT.SECURE,
      AT.RANDOM,
      AT.HWCAP2,
      AT.EXECFN,
      AT.PLATFORM,
    ]);
    const a = parsed.auxv;
    expect([a.get(AT.HWCAP), a.get(AT.PAGESZ), a.get(AT.CLKTCK)]).toEqual([0x178bfbff, 4096, 100]);
    expect([a.get(AT.PHDR), a.get(AT.PHENT), a.get(AT.PHNUM), a.get(AT.ENTRY)]).toEqual([
      0x400040, 56, 10, 0x401650,
    ]);
    expect([a.get(AT.UID), a.get(AT.EUID), a.get(AT.GID), a.get(AT.EGID), a.get(AT.SECURE)]).toEqual([
      1000, 1001, 100, 101, 0,
    ]);
    expect(parsed.cstr(a.get(AT.EXECFN)!)).toBe('/bin/prog');
    expect(parsed.cstr(a.get(AT.PLATFORM)!)).toBe(PLATFORM);
    const random = a.get(AT.RANDOM)!;
    expect(stack.bytes.subarray(random - stack.sp, random - stack.sp + 16)).toEqual(spec.random);
  });

  it('lays the string area out like fs/exec.c: execfn at the top, then envp, then argv', () => {
    expect(stack.bytes.subarray(stack.bytes.length - 8)).toEqual(new Uint8Array(8));
    const execfn = parsed.auxv.get(AT.EXECFN)!;
    expect(execfn + '/bin/prog\0'.length).toBe(top - 8);
    const lastEnv = stack.envpPointers[1];
    expect(lastEnv + 'PATH=/bin\0'.length).toBe(execfn);
    expect(stack.argvPointers[2] + Buffer.byteLength('twö\0')).toBe(stack.envpPointers[0]);
    // 16-byte aligned below the strings: platform string, then the random bytes right under it
    const platform = parsed.auxv.get(AT.PLATFORM)!;
    expect((platform + PLATFORM.length + 1) % 16).toBe(0);
    expect(platform + PLATFORM.length + 1).toBeLessThanOrEqual(stack.argvPointers[0]);
    expect(parsed.auxv.get(AT.RANDOM)).toBe(platform - 16);
    // the vectors end right below the random bytes, less the STACK_ROUND padding
    expect(platform - 16 - parsed.end).toBeLessThan(16);
  });

  it('keeps rsp 16-byte aligned for every argument count', () => {
    for (let n = 0; n < 6; n++) {
      const s = layoutInitialStack(top, {
        ...spec,
        argv: Array.from({ length: n }, (_, i) => 'x'.repeat(i)),
      });
      expect(s.sp % 16).toBe(0);
      expect(parse(top, s.sp, s.bytes).argc).toBe(n);
    }
  });

  it('refuses AT_RANDOM of the wrong size', () => {
    expect(() => layoutInitialStack(top, { ...spec, random: new Uint8Array(8) })).toThrow(RangeError);
  });
});
