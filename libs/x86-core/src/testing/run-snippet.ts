/**
 * Differential-test entry point: run a code snippet at CPL 3 in 64-bit long mode with the same memory
 * layout as the native oracle (tools/x86-oracle):
 *
 *   code   0x10000000  read + execute (user, not writable), one or more 4 KiB pages
 *   data   0x20000000  4096 bytes read + write (user, NX)
 *   stack  0x30000000  4096 bytes read + write (user, NX)
 *
 * Everything else is unmapped for user mode. A Linux-like GDT (user CS 0x33, SS 0x2b, DS = ES = FS =
 * GS = 0 with base 0) and an IDT with DPL-0 gates except #BP/#OF/0x80 live on supervisor-only pages,
 * so segment loads and INT n behave as in a Linux process. Every exception exits (no delivery); the
 * snippet ends when RIP reaches code start + code length (the rest of the code page is INT3 filler),
 * on an exception, or after maxInstructions (default 100000).
 *
 * Reported RIP: the faulting instruction for faults; for #BP (INT3) and #DB (INT1) the address after
 * the instruction, as the CPU pushes it. A SYSCALL or INT 0x80 ends the snippet with exception vector
 * 0x100 / 0x80 respectively (the native side would enter the kernel).
 */
import { Cpu, EXIT_EXCEPTION, EXIT_SOFTWARE_INT, EXIT_SYSCALL } from '../cpu';
import { PhysicalMemory } from '../memory/physical-memory';
import { CS, F_ARITH, F_DF, F_FIXED1, F_IF, FS, GS, ES, DS, SS, TR } from '../state/layout';
import { ATTR_DATA, attrWithDpl, BP, DB } from '../state/cpu-state';

export interface SnippetInput {
  code: Uint8Array;
  /** 16 registers: rax rcx rdx rbx rsp rbp rsi rdi r8..r15 */
  gpr: bigint[];
  rflags: bigint;
  /** 4096 bytes */
  data: Uint8Array;
  /** 4096 bytes */
  stack: Uint8Array;
  maxInstructions?: number;
}

export interface SnippetOutput {
  gpr: bigint[];
  rflags: bigint;
  rip: bigint;
  data: Uint8Array;
  stack: Uint8Array;
  exception?: { vector: number; errorCode?: number };
  instructions: number;
}

export const SNIPPET_CODE = 0x10000000;
export const SNIPPET_DATA = 0x20000000;
export const SNIPPET_STACK = 0x30000000;
/** Supervisor-only page holding the GDT, TSS and IDT. */
export const SNIPPET_SYS = 0x40000000;

// physical page numbers
const P_PML4 = 0;
const P_PDPT = 1;
const P_PD = 2;
const P_PT_CODE = 3;
const P_PT_DATA = 4;
const P_PT_STACK = 5;
const P_PT_SYS = 6;
const P_DATA = 7;
const P_STACK = 8;
const P_SYS = 9;
const P_IDT = 10;
const P_PD2 = 11;
const P_CODE = 12;

const PTE_P = 1n;
const PTE_W = 2n;
const PTE_U = 4n;
const PTE_NX = 1n << 63n;

/** Build a snippet machine (exposed for tests that want to poke at it). */
export function buildSnippetMachine(input: SnippetInput): {
  cpu: Cpu;
  memory: PhysicalMemory;
  codeEnd: number;
} {
  const codePages = Math.max(1, Math.ceil((input.code.length + 1) / 4096));
  const memory = new PhysicalMemory((P_CODE + codePages) * 4096);
  const pg = (n: number): number => n * 4096;
  const w64 = (addr: number, v: bigint): void => memory.writeU64(addr, v);
  const table = PTE_P | PTE_W | PTE_U;
  w64(pg(P_PML4), BigInt(pg(P_PDPT)) | table);
  w64(pg(P_PDPT), BigInt(pg(P_PD)) | table);
  const pdi = (lin: number): number => (lin >>> 21) & 511;
  w64(pg(P_PD) + pdi(SNIPPET_CODE) * 8, BigInt(pg(P_PT_CODE)) | table);
  w64(pg(P_PD) + pdi(SNIPPET_DATA) * 8, BigInt(pg(P_PT_DATA)) | table);
  w64(pg(P_PD) + pdi(SNIPPET_STACK) * 8, BigInt(pg(P_PT_STACK)) | table);
  // 0x40000000 is in the second 1 GiB region
  w64(pg(P_PDPT) + 8, BigInt(pg(P_PD2)) | table);
  w64(pg(P_PD2) + pdi(SNIPPET_SYS) * 8, BigInt(pg(P_PT_SYS)) | table);
  for (let k = 0; k < codePages; k++) w64(pg(P_PT_CODE) + k * 8, BigInt(pg(P_CODE + k)) | PTE_P | PTE_U);
  w64(pg(P_PT_DATA), BigInt(pg(P_DATA)) | PTE_P | PTE_W | PTE_U | PTE_NX);
  w64(pg(P_PT_STACK), BigInt(pg(P_STACK)) | PTE_P | PTE_W | PTE_U | PTE_NX);
  w64(pg(P_PT_SYS), BigInt(pg(P_SYS)) | PTE_P | PTE_W | PTE_NX);
  w64(pg(P_PT_SYS) + 8, BigInt(pg(P_IDT)) | PTE_P | PTE_W | PTE_NX);

  // Linux-like GDT at SNIPPET_SYS: 0x10 kernel CS, 0x18 kernel DS, 0x23 user CS32, 0x2b user DS, 0x33 user CS, 0x40 TSS
  const gdt = pg(P_SYS);
  w64(gdt + 0x08, 0x00cf9b000000ffffn);
  w64(gdt + 0x10, 0x00af9b000000ffffn);
  w64(gdt + 0x18, 0x00cf93000000ffffn);
  w64(gdt + 0x20, 0x00cffb000000ffffn);
  w64(gdt + 0x28, 0x00cff3000000ffffn);
  w64(gdt + 0x30, 0x00affb000000ffffn);
  const tss = SNIPPET_SYS + 0x800;
  w64(gdt + 0x40, 0x0000890000000067n | (BigInt(tss & 0xffffff) << 16n) | (BigInt(tss >>> 24) << 56n));
  w64(gdt + 0x48, 0n);
  // TSS: I/O permission bitmap offset beyond the limit (no port access at CPL 3, as in Linux)
  memory.writeU16(gdt + 0x800 + 0x66, 0x68);
  // IDT: interrupt gates to 0x10:0, DPL 0 except #BP, #OF and 0x80
  const idt = pg(P_IDT);
  for (let v = 0; v < 256; v++) {
    const dpl = v === 3 || v === 4 || v === 0x80 ? 3 : 0;
    const w1 = 0x8e00 | (dpl << 13);
    memory.writeU32(idt + v * 16, 0x10 << 16);
    memory.writeU32(idt + v * 16 + 4, w1);
  }

  const cpu = new Cpu({ memory });
  cpu.enterLongMode({ cr3: BigInt(pg(P_PML4)), cpl: 3, rip: BigInt(SNIPPET_CODE), nxe: true });
  const s = cpu.s;
  s[138] = SNIPPET_SYS; // GDTR base lo
  s[140] = 0x4f; // GDTR limit
  s[142] = SNIPPET_SYS + 4096; // IDTR base lo
  s[144] = 0xfff; // IDTR limit
  cpu.setSegment(TR, 0x40, BigInt(tss), 0x67, 0x8b);
  for (const sg of [DS, ES, FS, GS]) cpu.setSegment(sg, 0, 0n, 0xffffffff, attrWithDpl(ATTR_DATA, 3));
  cpu.setSegment(SS, 0x2b, 0n, 0xffffffff, attrWithDpl(ATTR_DATA, 3));
  void CS;

  // code + INT3 filler
  memory.fill(pg(P_CODE), codePages * 4096, 0xcc);
  memory.write(pg(P_CODE), input.code);
  memory.write(pg(P_DATA), input.data.subarray(0, 4096));
  memory.write(pg(P_STACK), input.stack.subarray(0, 4096));
  for (let r = 0; r < 16; r++) cpu.setReg(r, input.gpr[r] ?? 0n);
  const fl = Number(input.rflags & 0xffffffffn);
  cpu.setFlags((fl & (F_ARITH | F_DF | (1 << 14) | (1 << 21))) | F_IF | F_FIXED1);
  cpu.interceptExceptions = -1;
  cpu.interceptSyscallCpls = 0xf;
  cpu.interceptSoftInts[0x80 >>> 5] |= 1 << (0x80 & 31);
  return { cpu, memory, codeEnd: SNIPPET_CODE + input.code.length };
}

export function runSnippet(input: SnippetInput): SnippetOutput {
  const { cpu, memory, codeEnd } = buildSnippetMachine(input);
  const budget = input.maxInstructions ?? 100000;
  const ex = cpu.run(budget);
  let instructions = ex.instructions;
  let exception: SnippetOutput['exception'];
  let rip = cpu.rip;
  if (ex.reason === EXIT_EXCEPTION) {
    // INT3 filler at the end of the code: the trap reports the address after it
    const atEnd = ex.vector === BP && Number(ex.rip) === codeEnd + 1;
    if (atEnd) {
      rip = BigInt(codeEnd);
      instructions--;
    } else {
      exception = { vector: ex.vector };
      if (ex.errorCode >= 0) exception.errorCode = ex.errorCode;
      rip = ex.vector === BP || ex.vector === DB ? cpu.rip : ex.rip;
    }
  } else if (ex.reason === EXIT_SYSCALL) {
    exception = { vector: 0x100 };
  } else if (ex.reason === EXIT_SOFTWARE_INT) {
    exception = { vector: ex.vector };
  }
  const gpr: bigint[] = [];
  for (let r = 0; r < 16; r++) gpr.push(cpu.getReg(r));
  return {
    gpr,
    rflags: cpu.rflags,
    rip,
    data: memory.read(P_DATA * 4096, 4096),
    stack: memory.read(P_STACK * 4096, 4096),
    exception,
    instructions,
  };
}
