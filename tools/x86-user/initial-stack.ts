/**
 * The initial process stack, byte for byte as Linux's exec (fs/exec.c, fs/binfmt_elf.c
 * create_elf_tables) lays it out with address randomisation off:
 *
 *   STACK_TOP - 8          8 zero bytes
 *   below that             the executable's path (AT_EXECFN), then envp strings, then argv strings
 *                          (argv[0] lowest), each NUL-terminated
 *   aligned down to 16     "x86_64\0" (AT_PLATFORM), then 16 random bytes (AT_RANDOM)
 *   rsp (16-byte aligned)  argc, argv[0..argc-1], NULL, envp[..], NULL, auxv pairs ending AT_NULL
 *
 * Layout is a pure function (testable without memory); writing it is one copy.
 */
import { AT } from './linux-abi';

export interface ProcessIdentity {
  readonly uid: number;
  readonly euid: number;
  readonly gid: number;
  readonly egid: number;
}

export interface InitialStackSpec {
  readonly argv: readonly string[];
  readonly envp: readonly string[];
  /** bprm->filename: the path exec was given; becomes AT_EXECFN. */
  readonly execfn: string;
  /** 16 bytes for AT_RANDOM (glibc seeds the stack protector and pointer guard from them). */
  readonly random: Uint8Array;
  readonly hwcap: number;
  readonly phdr: number;
  readonly phent: number;
  readonly phnum: number;
  readonly entry: number;
  readonly identity: ProcessIdentity;
}

export interface InitialStack {
  /** The initial RSP: address of argc. */
  readonly sp: number;
  /** Bytes to store at [sp, top). */
  readonly bytes: Uint8Array;
  /** The auxiliary vector as written (without the AT_NULL terminator), in order. */
  readonly auxv: ReadonlyArray<readonly [number, number]>;
  readonly argvPointers: readonly number[];
  readonly envpPointers: readonly number[];
}

export const PLATFORM = 'x86_64';
const CLOCKS_PER_SEC = 100;

export function layoutInitialStack(top: number, spec: InitialStackSpec): InitialStack {
  if (spec.random.length !== 16) throw new RangeError('AT_RANDOM needs exactly 16 bytes');
  const strings: Array<{ at: number; bytes: Buffer }> = [];
  let p = top - 8;
  const push = (s: string) => {
    const bytes = Buffer.from(`${s}\0`, 'utf8');
    p -= bytes.length;
    strings.push({ at: p, bytes });
    return p;
  };
  const execfn = push(spec.execfn);
  const envpPointers = [...spec.envp].reverse().map(push).reverse();
  const argvPointers = [...spec.argv].reverse().map(push).reverse();
  p -= p % 16; // arch_align_stack without randomisation
  const platform = push(PLATFORM);
  p -= 16;
  const random = p;
  strings.push({ at: random, bytes: Buffer.from(spec.random) });

  const id = spec.identity;
  const auxv: Array<[number, number]> = [
    [AT.HWCAP, spec.hwcap],
    [AT.PAGESZ, 4096],
    [AT.CLKTCK, CLOCKS_PER_SEC],
    [AT.PHDR, spec.phdr],
    [AT.PHENT, spec.phent],
    [AT.PHNUM, spec.phnum],
    [AT.BASE, 0],
    [AT.FLAGS, 0],
    [AT.ENTRY, spec.entry],
    [AT.UID, id.uid],
    [AT.EUID, id.euid],
    [AT.GID, id.gid],
    [AT.EGID, id.egid],
    [AT.SECURE, 0],
    [AT.RANDOM, random],
    [AT.HWCAP2, 0],
    [AT.EXECFN, execfn],
    [AT.PLATFORM, platform],
  ];
  const auxWords = (auxv.length + 1) * 2;
  const items = argvPointers.length + 1 + envpPointers.length + 1 + 1;
  let sp = p - auxWords * 8;
  sp = sp - items * 8;
  sp -= sp % 16; // STACK_ROUND

  const bytes = new Uint8Array(top - sp);
  const view = new DataView(bytes.buffer);
  for (const s of strings) bytes.set(s.bytes, s.at - sp);
  const words = [argvPointers.length, ...argvPointers, 0, ...envpPointers, 0, ...auxv.flat(), AT.NULL, 0];
  words.forEach((w, i) => view.setBigUint64(i * 8, BigInt(w), true));
  return { sp, bytes, auxv, argvPointers, envpPointers };
}
